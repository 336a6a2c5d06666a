/**
 * Machine-readable reason attached to every {@link TextPrepError}.
 *
 * - `INVALID_ARGUMENT`: a path that is not what was expected: a folder, FIFO, socket or device where
 *   a regular file was expected (refused before it is read: it could block or never end), a file where
 *   a folder was, a folder of the wrong shape; also a `BackgroundCount` used after `finish()` or
 *   `cancel()`, and kept token ids asked of a `TokenCounter` made without `keepIds: true`
 *   (`keptTokenIds`, `TokenTextEncoder.encodeCounted`).
 * - `FILE_NOT_FOUND`: the path does not exist (or a symbolic link leads nowhere).
 * - `NOT_GZIP`: a `.gz`/`.tgz` file that does not start with the gzip magic bytes, or has a corrupt gzip header.
 * - `NOT_TAR`: the (decompressed) bytes are not a tar archive.
 * - `TRUNCATED_ARCHIVE`: the archive ends in the middle (gzip stream, tar entry or missing end-of-archive block).
 * - `UNSAFE_PATH`: an archive entry path that is absolute or contains `..` (it would escape the target folder),
 *   or a symbolic link in an extracted dataset folder that leads out of it (the message names the link and its target).
 * - `INVALID_UTF8`: a text file or archive entry that is not valid UTF-8.
 * - `EMPTY_TEXT`: a review (file, archive entry or CSV cell) that is empty or only white space.
 * - `MISSING_COLUMNS`: a CSV file whose header lacks the expected columns (or that has no header: an empty file).
 * - `EMPTY_DATASET`: a source that holds no records: a CSV file with a header and no rows, an archive or
 *   folder without reviews for the splits asked for.
 * - `FILE_TOO_LARGE`: a file or archive entry too large to read into memory: over 2 GiB for one read, or
 *   more text than one JavaScript string holds (2^29 - 24 UTF-16 code units, about 512 M characters).
 * - `MALFORMED_FILE`: any other structural problem (bad file name in a review folder, bad label, corrupt data, bad JSON).
 * - `UNSUPPORTED_VERSION`: a saved encoder written in a format version this release cannot read.
 * - `IO_ERROR`: the operating system refused a read or write (permissions, disk full, ...).
 * - `WORKER_FAILED`: a worker thread of `countTexts`, `countInBackground` or `encodeTexts`
 *   (`@recurrent/text-prep/node`) threw, could not start or exited early; `cause` holds its error.
 * - `TOKENIZER_MISMATCH`: `TokenTextEncoder.encodeCounted` given a counter whose tokenizer options
 *   differ from the encoder's (its kept token ids would not be what `encode` gives).
 */
export type TextPrepErrorCode =
  | "INVALID_ARGUMENT"
  | "FILE_NOT_FOUND"
  | "NOT_GZIP"
  | "NOT_TAR"
  | "TRUNCATED_ARCHIVE"
  | "UNSAFE_PATH"
  | "INVALID_UTF8"
  | "EMPTY_TEXT"
  | "MISSING_COLUMNS"
  | "EMPTY_DATASET"
  | "FILE_TOO_LARGE"
  | "MALFORMED_FILE"
  | "UNSUPPORTED_VERSION"
  | "IO_ERROR"
  | "WORKER_FAILED"
  | "TOKENIZER_MISMATCH";

import { checkOptions, type OptionKeys } from "./check-args";

/** Options of {@link TextPrepError}. */
export interface TextPrepErrorOptions {
  /** The file the problem was found in, if any. */
  file?: string;
  /** The underlying error. */
  cause?: unknown;
}

const ERROR_KEYS = { file: true, cause: true } as const satisfies OptionKeys<TextPrepErrorOptions>;

/**
 * The one base error class of `@recurrent/text-prep`, thrown by both of its
 * entries. Switch on `code` to tell problems apart; `file` names the file the
 * problem was found in.
 *
 * @example
 * // readImdb is in "@recurrent/text-prep/node"
 * try { for await (const review of readImdb("missing.tar.gz")) use(review); } catch (e) {
 *   if (e instanceof TextPrepError && e.code === "FILE_NOT_FOUND") { ... }
 * }
 */
export class TextPrepError extends Error {
  override readonly name = "TextPrepError";
  readonly code: TextPrepErrorCode;
  readonly file: string | undefined;

  /**
   * @param code - What went wrong.
   * @param message - The whole message (by convention it starts with the file, when there is one).
   * @param options - `file`, `cause`.
   * @throws {TypeError} If `options` has a key other than `file` and `cause` (a misspelt `cause` would be lost).
   */
  constructor(code: TextPrepErrorCode, message: string, options: TextPrepErrorOptions = {}) {
    checkOptions(options, ERROR_KEYS, "new TextPrepError");
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.file = options.file;
  }
}
