/** Machine-readable reason attached to every {@link RnnCellsError}. */
export type RnnCellsErrorCode = "SHAPE_MISMATCH" | "INVALID_ARGUMENT" | "NON_FINITE";

/**
 * The one base error class of `@recurrent/rnn-cells`. Switch on `code`;
 * argument errors that are plain type or range problems are `TypeError` /
 * `RangeError` instead.
 */
export class RnnCellsError extends Error {
  override readonly name = "RnnCellsError";
  readonly code: RnnCellsErrorCode;

  constructor(code: RnnCellsErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}
