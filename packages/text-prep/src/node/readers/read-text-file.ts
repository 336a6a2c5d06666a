import { checkOptions, describe, type OptionKeys } from "../../check-args";
import { decodeUtf8 } from "./io-errors";
import { readRegularFile } from "./open-regular-file";

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

const TEXT_FILE_KEYS = { newlines: true, stripBom: true } as const satisfies OptionKeys<ReadTextFileOptions>;

/**
 * Reads a whole UTF-8 text file (the chapter's novel), strictly decoded:
 * invalid UTF-8 is an error, never replaced by U+FFFD. An empty file gives
 * `""` and white space is returned as it is (as Python's `read()`): whether
 * that is enough text is the caller's call.
 *
 * @param file - Path to a regular file (a FIFO, socket or device is refused before anything is read:
 *   it could block or never end).
 * @param options - `newlines`, `stripBom`.
 * @returns The text.
 * @throws {TextPrepError} `FILE_NOT_FOUND`, `INVALID_ARGUMENT` (a folder, FIFO, socket or device),
 *   `INVALID_UTF8` (naming the byte offset), `FILE_TOO_LARGE` (over 2 GiB, or more text than one
 *   JavaScript string holds: 2^29 - 24 UTF-16 code units), `IO_ERROR`.
 * @throws {TypeError} On bad options, or an unknown key in `options`.
 *
 * @example
 * const text = await readTextFile("../shared/data/mysterious-island.txt");
 * const book = text.slice(text.indexOf("THE MYSTERIOUS ISLAND"), text.indexOf("End of the Project Gutenberg"));
 * book.length; // 1,112,350 characters, 80 distinct
 */
export async function readTextFile(file: string, options: ReadTextFileOptions = {}): Promise<string> {
  if (typeof file !== "string" || file.length === 0) throw new TypeError(`expected file to be a path, got ${describe(file)}`);
  checkOptions(options, TEXT_FILE_KEYS, "readTextFile");
  const newlines = options.newlines ?? "universal";
  if (newlines !== "universal" && newlines !== "keep") {
    throw new TypeError(`expected newlines to be "universal" or "keep", got ${describe(newlines)}`);
  }
  const stripBom = options.stripBom ?? false;
  if (typeof stripBom !== "boolean") throw new TypeError(`expected stripBom to be a boolean, got ${describe(stripBom)}`);
  let text = decodeUtf8(await readRegularFile(file), file);
  if (stripBom && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (newlines === "universal") text = text.replace(/\r\n?/g, "\n");
  return text;
}
