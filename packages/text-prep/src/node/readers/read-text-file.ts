import { readFile } from "node:fs/promises";
import { describe } from "../../check-args";
import { decodeUtf8, fsError } from "./io-errors";

/** Options of {@link readTextFile}. */
export interface ReadTextFileOptions {
  /**
   * `"universal"`: `\r\n` and lone `\r` become `\n`, as Python's text mode
   * (the chapter's `open(path).read()`); `"keep"`: line endings as in the file.
   * @default "universal"
   */
  newlines?: "universal" | "keep";
  /**
   * Drop a leading byte-order mark. Python's `utf-8` codec keeps it (as
   * U+FEFF), which is why the chapter's start index counts it.
   * @default false
   */
  stripBom?: boolean;
}

/**
 * Reads a whole UTF-8 text file (the chapter's novel), strictly decoded:
 * invalid UTF-8 is an error, never replaced by U+FFFD.
 *
 * @param file - Path to the file.
 * @param options - `newlines`, `stripBom`.
 * @returns The text.
 * @throws {TextPrepError} `FILE_NOT_FOUND`, `INVALID_ARGUMENT` (a folder), `INVALID_UTF8` (naming the byte offset), `IO_ERROR`.
 * @throws {TypeError} On bad options.
 *
 * @example
 * const text = await readTextFile("../shared/data/mysterious-island.txt");
 * const book = text.slice(text.indexOf("THE MYSTERIOUS ISLAND"), text.indexOf("End of the Project Gutenberg"));
 * book.length; // 1,112,350 characters, 80 distinct
 */
export async function readTextFile(file: string, options: ReadTextFileOptions = {}): Promise<string> {
  if (typeof file !== "string" || file.length === 0) throw new TypeError(`expected file to be a path, got ${describe(file)}`);
  if (options === null || typeof options !== "object") throw new TypeError(`expected options to be an object, got ${describe(options)}`);
  const newlines = options.newlines ?? "universal";
  if (newlines !== "universal" && newlines !== "keep") {
    throw new TypeError(`expected newlines to be "universal" or "keep", got ${describe(newlines)}`);
  }
  const stripBom = options.stripBom ?? false;
  if (typeof stripBom !== "boolean") throw new TypeError(`expected stripBom to be a boolean, got ${describe(stripBom)}`);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw fsError(file, error);
  }
  let text = decodeUtf8(bytes, file);
  if (stripBom && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (newlines === "universal") text = text.replace(/\r\n?/g, "\n");
  return text;
}
