import { randomBytes } from "node:crypto";
import { rename, rm, writeFile } from "node:fs/promises";
import { describe } from "../check-args";
import { CharEncoder } from "../encoders/char-encoder";
import { TokenTextEncoder } from "../encoders/token-text-encoder";
import { TextPrepError } from "../text-prep-error";
import { fsError } from "./readers/io-errors";
import { readRegularFile } from "./readers/open-regular-file";

/**
 * Writes an encoder's `toJSON()` (a versioned JSON object that
 * `TokenTextEncoder.fromJSON` / `CharEncoder.fromJSON` read back, in the
 * browser too) to `file`, through a temporary file beside it and a rename:
 * a crash half-way leaves the old file, never a half-written one.
 *
 * @param encoder - A `TokenTextEncoder` or a `CharEncoder`.
 * @param file - Where to write it (UTF-8 JSON, one line).
 * @throws {TypeError} If `encoder` is neither, or `file` is not a non-empty string.
 * @throws {TextPrepError} `IO_ERROR` if the file cannot be written (`INVALID_ARGUMENT` for a folder).
 *
 * @example
 * import { TokenTextEncoder } from "@recurrent/text-prep";
 * import { loadTokenTextEncoder, saveEncoder } from "@recurrent/text-prep/node";
 * await saveEncoder(new TokenTextEncoder(["great", "film"]), "encoder.json");
 * const encoder = await loadTokenTextEncoder("encoder.json");
 */
export async function saveEncoder(encoder: TokenTextEncoder | CharEncoder, file: string): Promise<void> {
  if (!(encoder instanceof TokenTextEncoder) && !(encoder instanceof CharEncoder)) {
    throw new TypeError(`expected encoder to be a TokenTextEncoder or a CharEncoder, got ${describe(encoder)}`);
  }
  checkFile(file);
  await writeFileAtomic(file, `${JSON.stringify(encoder.toJSON())}\n`);
}

/**
 * Reads a `TokenTextEncoder` written by {@link saveEncoder} (or any file
 * holding its `toJSON()`).
 * @throws {TypeError} If `file` is not a non-empty string.
 * @throws {TextPrepError} `FILE_NOT_FOUND`; `INVALID_ARGUMENT` (a folder, FIFO, socket or device); `MALFORMED_FILE` (bad JSON, or not a saved
 *   `TokenTextEncoder`); `UNSUPPORTED_VERSION` (another format version). Each names the file.
 */
export async function loadTokenTextEncoder(file: string): Promise<TokenTextEncoder> {
  checkFile(file);
  return TokenTextEncoder.fromJSON(await readJsonFile(file), file);
}

/**
 * Reads a `CharEncoder` written by {@link saveEncoder} (or any file holding its `toJSON()`).
 * @throws {TypeError} If `file` is not a non-empty string.
 * @throws {TextPrepError} `FILE_NOT_FOUND`, `INVALID_ARGUMENT` (a folder, FIFO, socket or device), `MALFORMED_FILE`,
 *   `UNSUPPORTED_VERSION`, each naming the file.
 */
export async function loadCharEncoder(file: string): Promise<CharEncoder> {
  checkFile(file);
  return CharEncoder.fromJSON(await readJsonFile(file), file);
}

function checkFile(file: unknown): void {
  if (typeof file !== "string" || file.length === 0) throw new TypeError(`expected file to be a non-empty string, got ${describe(file)}`);
}

/** Writes `data` to a temporary file beside `file`, then renames it into place. */
async function writeFileAtomic(file: string, data: string): Promise<void> {
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(temporary, data, "utf8");
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw fsError(file, error, "write");
  }
}

/**
 * Reads and parses a JSON file; bad JSON is `MALFORMED_FILE` naming the file.
 * A FIFO, socket or device is refused (`INVALID_ARGUMENT`) before it is read.
 */
async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  const bytes = await readRegularFile(file);
  try {
    text = bytes.toString("utf8");
  } catch (error) {
    throw fsError(file, error);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new TextPrepError("MALFORMED_FILE", `${file}: expected JSON, got unparsable text (${(error as Error).message})`, {
      file,
      cause: error,
    });
  }
}
