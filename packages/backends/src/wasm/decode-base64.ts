/** Decodes base64 text (the embedded WebAssembly modules) with Node's Buffer where there is one, else `atob`. */
export function decodeBase64(text: string): Uint8Array {
  const NodeBuffer = (globalThis as { Buffer?: { from(s: string, enc: string): Uint8Array } }).Buffer;
  if (NodeBuffer !== undefined) return NodeBuffer.from(text, "base64");
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
