import { constants, type Stats } from "node:fs";
import { open, stat, type FileHandle } from "node:fs/promises";
import { fsError } from "./io-errors";
import { TextPrepError } from "../../text-prep-error";

// O_NONBLOCK: opening a FIFO for reading returns at once instead of waiting for
// a writer (the read of a regular file is not affected). Not defined on Windows,
// where there are no FIFOs to open.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);
const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;

/** What a non-regular file is, for messages: "a FIFO (named pipe)", "a socket", ... @internal */
export function fileKind(
  stats: Pick<Stats, "isFile" | "isDirectory" | "isFIFO" | "isSocket" | "isCharacterDevice" | "isBlockDevice" | "isSymbolicLink">,
): string {
  if (stats.isFile()) return "a file";
  if (stats.isDirectory()) return "a folder";
  if (stats.isFIFO()) return "a FIFO (named pipe)";
  if (stats.isSocket()) return "a socket";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  if (stats.isSymbolicLink()) return "a symbolic link";
  return "something that is not a regular file";
}

/** `INVALID_ARGUMENT` for a path that is not a regular file (a folder, FIFO, socket, device). @internal */
export function notRegularFile(file: string, kind: string): TextPrepError {
  return new TextPrepError("INVALID_ARGUMENT", `${file}: expected a regular file, got ${kind}`, { file });
}

/** An open regular file and its size. @internal */
export interface OpenFile {
  readonly handle: FileHandle;
  readonly stats: Stats;
}

/**
 * Opens `file` for reading, and refuses anything but a regular file before a
 * byte is read: a FIFO, a socket or a device (`/dev/zero`, a terminal) would
 * block or never end, a folder cannot be read. The type is checked on the
 * open descriptor (`fstat`), so the file cannot be swapped for a FIFO between
 * a check and the open, and the open itself does not block on a FIFO
 * (`O_NONBLOCK`).
 *
 * @param file - The path.
 * @param noFollow - Refuse a symbolic link as the last path component (`O_NOFOLLOW`): for files inside
 *   a dataset folder, whose links were already checked.
 * @throws {TextPrepError} `INVALID_ARGUMENT` (not a regular file, naming what it is), `FILE_NOT_FOUND`,
 *   `UNSAFE_PATH` (a link where `noFollow` expects none), `IO_ERROR`.
 * @internal
 */
export async function openRegularFile(file: string, noFollow = false): Promise<OpenFile> {
  let handle: FileHandle;
  try {
    handle = await open(file, OPEN_FLAGS | (noFollow ? NO_FOLLOW : 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | null)?.code;
    // A socket cannot be opened (ENXIO); say what it is rather than "no such device".
    if (code === "ENXIO" || code === "EOPNOTSUPP") {
      const kind = await stat(file).then(fileKind, () => undefined);
      if (kind !== undefined) throw notRegularFile(file, kind);
    }
    if (code === "ELOOP" && noFollow) {
      throw new TextPrepError("UNSAFE_PATH", `${file}: expected a regular file, got a symbolic link (it appeared while reading)`, {
        file,
        cause: error,
      });
    }
    throw fsError(file, error);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw notRegularFile(file, fileKind(stats));
    return { handle, stats };
  } catch (error) {
    await handle.close();
    throw error instanceof TextPrepError ? error : fsError(file, error);
  }
}

/**
 * Reads a whole regular file (see {@link openRegularFile}).
 * @throws {TextPrepError} As {@link openRegularFile}; `FILE_TOO_LARGE` over 2 GiB (what one read can hold).
 * @internal
 */
export async function readRegularFile(file: string, noFollow = false): Promise<Buffer> {
  const { handle, stats } = await openRegularFile(file, noFollow);
  try {
    if (stats.size > MAX_READ) throw tooLarge(file, stats.size);
    return await handle.readFile();
  } catch (error) {
    throw error instanceof TextPrepError ? error : fsError(file, error);
  } finally {
    await handle.close();
  }
}

/** The largest file `readFile` reads in one piece (2 GiB - 1, Node's `kIoMaxLength`). */
const MAX_READ = 2 ** 31 - 1;

/** `FILE_TOO_LARGE` for a file of `size` bytes. @internal */
export function tooLarge(file: string, size: number): TextPrepError {
  return new TextPrepError(
    "FILE_TOO_LARGE",
    `${file}: expected a file of at most 2 GiB (what Node reads into memory at once), got ${formatBytes(size)}`,
    { file },
  );
}

/** `1234567890` -> `"1.15 GiB (1234567890 bytes)"`. @internal */
export function formatBytes(bytes: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(2)} ${units[unit] as string} (${bytes} bytes)`;
}
