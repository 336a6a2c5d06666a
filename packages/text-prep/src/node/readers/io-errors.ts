import { TextPrepError } from "../../text-prep-error";

/** Turns an `fs` error into a {@link TextPrepError} naming the file. @internal */
export function fsError(file: string, error: unknown, action = "read"): TextPrepError {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === "ENOENT") {
    return new TextPrepError("FILE_NOT_FOUND", `${file}: no such file or folder`, { file, cause: error });
  }
  if (code === "EISDIR") {
    return new TextPrepError("INVALID_ARGUMENT", `${file}: expected a regular file, got a folder`, { file, cause: error });
  }
  if (code === "ERR_FS_FILE_TOO_LARGE" || code === "ERR_STRING_TOO_LONG") {
    const detail = error instanceof Error ? error.message : String(error);
    return new TextPrepError("FILE_TOO_LARGE", `${file}: too large to read into memory (${detail})`, { file, cause: error });
  }
  const detail = error instanceof Error ? error.message : String(error);
  return new TextPrepError("IO_ERROR", `${file}: could not ${action} (${detail})`, { file, cause: error });
}

const fatalDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The longest string V8 can make (2^29 - 24 UTF-16 code units on 64-bit platforms). */
const MAX_STRING_LENGTH = 0x1fffffe8;

/**
 * Bytes of UTF-8 that cannot fit in one string whatever they hold (every
 * UTF-16 code unit takes at most 3 bytes). @internal
 */
export const MAX_TEXT_BYTES = 3 * MAX_STRING_LENGTH;

/** `FILE_TOO_LARGE` for text (a file or an archive entry) longer than a JavaScript string can be. @internal */
export function textTooLong(file: string, bytes: number, entry?: string, cause?: unknown): TextPrepError {
  return new TextPrepError(
    "FILE_TOO_LARGE",
    `${file}: ${entry === undefined ? "" : `entry "${entry}": `}expected text that fits in one JavaScript string (at most ${MAX_STRING_LENGTH} UTF-16 code units), got ${bytes} bytes of UTF-8 that do not`,
    cause === undefined ? { file } : { file, cause },
  );
}

/**
 * Decodes UTF-8 strictly (like Python's `bytes.decode("utf-8")`: a byte-order
 * mark is kept as U+FEFF). Invalid bytes raise `INVALID_UTF8` naming the file
 * and the first bad byte offset; text too long for one string `FILE_TOO_LARGE`.
 * @internal
 */
export function decodeUtf8(bytes: Uint8Array, file: string, entry?: string): string {
  try {
    return fatalDecoder.decode(bytes);
  } catch (error) {
    if ((error as NodeJS.ErrnoException | null)?.code === "ERR_STRING_TOO_LONG") throw textTooLong(file, bytes.length, entry, error);
    const offset = firstInvalidUtf8Offset(bytes);
    throw new TextPrepError(
      "INVALID_UTF8",
      `${file}: ${entry === undefined ? "" : `entry "${entry}": `}expected UTF-8 text, got an invalid byte sequence at byte ${offset}`,
      { file, cause: error },
    );
  }
}

/** Offset of the first byte that starts an invalid UTF-8 sequence (for messages). @internal */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    let need: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else {
      return i;
    }
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return bytes.length;
}
