/** Machine-readable reason attached to every {@link ModelsError}. */
export type ModelsErrorCode =
  | "INVALID_ARGUMENT"
  | "NON_FINITE_LOSS"
  | "VOCABULARY_MISMATCH"
  | "BUNDLE_MALFORMED"
  | "CHECKPOINT_MALFORMED"
  | "CHECKPOINT_MISMATCH"
  | "ABORTED"
  | "FAST_PATH_UNAVAILABLE";

/**
 * The one base error class of `@recurrent/models`. Switch on `code`:
 *
 * - `NON_FINITE_LOSS`: a training step produced a NaN or infinite loss or gradient;
 * - `VOCABULARY_MISMATCH`: an encoder's vocabulary size differs from the model's Embedding;
 * - `BUNDLE_MALFORMED` / `CHECKPOINT_MALFORMED`: a saved file is missing, truncated or of another format version;
 * - `CHECKPOINT_MISMATCH`: a checkpoint was written for a model with other weights;
 * - `ABORTED`: training was stopped through its `AbortSignal` (a checkpoint was saved first);
 * - `FAST_PATH_UNAVAILABLE`: a fast recurrent layer with `fastPath: "require"` was called where its fused kernels
 *   cannot run (the message says why);
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
