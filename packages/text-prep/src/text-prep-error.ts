/**
 * Machine-readable reason attached to every {@link TextPrepError}.
 *
 * - `INVALID_ARGUMENT`: a path that is neither a file nor a folder, or a folder of the wrong shape;
 *   also a `BackgroundCount` used after `finish()` or `cancel()`, and kept token ids asked of a
 *   `TokenCounter` made without `keepIds: true` (`keptTokenIds`, `TokenTextEncoder.encodeCounted`).
 * - `FILE_NOT_FOUND`: the path does not exist.
 * - `NOT_GZIP`: a `.gz`/`.tgz` file that does not start with the gzip magic bytes, or has a corrupt gzip header.
 * - `NOT_TAR`: the (decompressed) bytes are not a tar archive.
 * - `TRUNCATED_ARCHIVE`: the archive ends in the middle (gzip stream, tar entry or missing end-of-archive block).
 * - `UNSAFE_PATH`: an archive entry path that is absolute or contains `..` (it would escape the target folder).
 * - `INVALID_UTF8`: a text file or archive entry that is not valid UTF-8.
 * - `EMPTY_TEXT`: a review (file, archive entry or CSV cell) that is empty or only white space.
 * - `MISSING_COLUMNS`: a CSV file whose header lacks the expected columns.
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
  | "MALFORMED_FILE"
  | "UNSUPPORTED_VERSION"
  | "IO_ERROR"
  | "WORKER_FAILED"
  | "TOKENIZER_MISMATCH";

/** Options of {@link TextPrepError}. */
export interface TextPrepErrorOptions {
  /** The file the problem was found in, if any. */
  file?: string;
  /** The underlying error. */
  cause?: unknown;
}

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

  constructor(code: TextPrepErrorCode, message: string, options: TextPrepErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.file = options.file;
  }
}
