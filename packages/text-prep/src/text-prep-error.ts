/** Machine-readable reason attached to every {@link TextPrepError}. */
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
  | "UNSUPPORTED_VERSION";

/** Options of {@link TextPrepError}. */
export interface TextPrepErrorOptions {
  /** The file the problem was found in, if any. */
  file?: string;
  /** The underlying error. */
  cause?: unknown;
}

/**
 * The one base error class of `@recurrent/text-prep`. Switch on `code` to
 * tell problems apart; `file` names the file the problem was found in.
 *
 * @example
 * try { await readImdb("missing.tar.gz") } catch (e) {
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
