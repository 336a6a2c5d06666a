import { execFileSync } from "node:child_process";
import { createServer } from "node:net";

/** FIFOs and Unix sockets exist on this platform (not on Windows). */
export const hasSpecialFiles = process.platform !== "win32";

/** Makes a FIFO (named pipe) at `path` with the system's `mkfifo`: nothing ever writes to it. */
export function makeFifo(path: string): void {
  execFileSync("mkfifo", [path]);
}

/** Listens on a Unix socket at `path` (a socket file); resolves to a function that closes it. */
export async function makeSocket(path: string): Promise<() => Promise<void>> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, resolve);
  });
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}

/**
 * A tar archive's first header with its size field set to `size` (octal, as
 * tar writes it) and the header checksum recomputed: an entry that claims
 * `size` bytes without holding them.
 */
export function withEntrySize(tar: Buffer, size: number): Buffer {
  const out = Buffer.from(tar);
  out.write(`${size.toString(8).padStart(11, "0")}\0`, 124, 12, "ascii");
  out.fill(0x20, 148, 156); // the checksum is computed with its own field as spaces
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += out[i] as number;
  out.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8, "ascii");
  return out;
}
