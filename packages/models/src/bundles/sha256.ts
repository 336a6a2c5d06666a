/**
 * The SHA-256 of `bytes` as 64 lowercase hex digits, with WebCrypto (`crypto.subtle`: browsers, Deno, Node 20+),
 * so that the bundle code stays browser-safe.
 *
 * @throws {Error} when the platform has no `crypto.subtle` (an insecure browser context: plain `http://` pages).
 * @example
 * await sha256Hex(new TextEncoder().encode("abc")) // "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (subtle === undefined) {
    throw new Error("expected WebCrypto (crypto.subtle) to check bundle checksums, got none (an insecure http:// page?)");
  }
  const digest = new Uint8Array(await subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  let hex = "";
  for (const b of digest) hex += b.toString(16).padStart(2, "0");
  return hex;
}
