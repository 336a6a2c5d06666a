/** Machine-readable reason attached to every {@link ModelsError}. */
export type ModelsErrorCode =
  | "INVALID_ARGUMENT"
  | "NON_FINITE_LOSS"
  | "VOCABULARY_MISMATCH"
  | "BUNDLE_MALFORMED"
  | "CHECKPOINT_MALFORMED";

/**
 * The one base error class of `@recurrent/models`. Switch on `code`.
 */
export class ModelsError extends Error {
  override readonly name = "ModelsError";
  readonly code: ModelsErrorCode;

  constructor(code: ModelsErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}
