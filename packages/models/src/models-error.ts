/** Machine-readable reason attached to every {@link ModelsError}. */
export type ModelsErrorCode =
  | "INVALID_ARGUMENT"
  | "NON_FINITE_LOSS"
  | "NON_FINITE_WEIGHTS"
  | "VOCABULARY_MISMATCH"
  | "BUNDLE_NOT_FOUND"
  | "BUNDLE_MALFORMED"
  | "CHECKPOINT_MALFORMED"
  | "CHECKPOINT_MISMATCH"
  | "ABORTED";

/**
 * The one base error class of `@recurrent/models`. Switch on `code`:
 *
 * - `NON_FINITE_LOSS`: a training step produced a NaN or infinite loss or gradient;
 * - `NON_FINITE_WEIGHTS`: a model with a NaN or infinite weight was to be saved as a bundle (it is not);
 * - `VOCABULARY_MISMATCH`: an encoder's vocabulary size differs from the model's Embedding;
 * - `BUNDLE_NOT_FOUND`: there is no bundle where one was to be loaded (no `bundle.json`);
 * - `BUNDLE_MALFORMED` / `CHECKPOINT_MALFORMED`: a saved file is missing, truncated, changed since it was written
 *   (its SHA-256 differs), of another format version, or inconsistent with the other parts;
 * - `CHECKPOINT_MISMATCH`: a checkpoint was written for a model with other weights;
 * - `ABORTED`: training was stopped through its `AbortSignal` (a checkpoint was saved first);
 * - `INVALID_ARGUMENT`: anything else the caller got wrong.
 *
 * @example
 * try { await trainModel(model, options); } catch (error) {
 *   if (error instanceof ModelsError && error.code === "NON_FINITE_LOSS") lowerTheLearningRate();
 * }
 */
export class ModelsError extends Error {
  override readonly name = "ModelsError";
  readonly code: ModelsErrorCode;

  constructor(code: ModelsErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}
