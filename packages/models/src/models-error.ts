/** Machine-readable reason attached to every {@link ModelsError}. */
export type ModelsErrorCode =
  | "INVALID_ARGUMENT"
  | "NON_FINITE_LOSS"
  | "NON_FINITE_GRADIENT"
  | "NON_FINITE_WEIGHTS"
  | "DIVERGED"
  | "VOCABULARY_MISMATCH"
  | "BUNDLE_NOT_FOUND"
  | "BUNDLE_MALFORMED"
  | "CHECKPOINT_MALFORMED"
  | "CHECKPOINT_MISMATCH"
  | "ABORTED"
  | "FAST_PATH_UNAVAILABLE";

/**
 * What a training error knows about where it happened and what was kept, for programs that report it
 * (all fields optional: each error fills in what applies).
 */
export interface ModelsErrorDetails {
  /** 1-based optimizer step the error is about (the step that was refused, or the step training stopped at). */
  step?: number;
  /** 1-based epoch of that step. */
  epoch?: number;
  /** 1-based batch of that step within its epoch. */
  batch?: number;
  /** Names of the variables (weights, optimizer state) whose values or gradients were not finite. */
  variables?: string[];
  /** Whether this call wrote a checkpoint on its way out (`ABORTED`: the interrupt checkpoint). */
  checkpointWritten?: boolean;
  /** Step of the checkpoint the store holds now, `null` when it holds none (or there is no store). */
  checkpointStep?: number | null;
}

/**
 * The one base error class of `@recurrent/models`. Switch on `code`:
 *
 * - `NON_FINITE_LOSS`: a training step's loss was NaN or infinite; the step was not applied;
 * - `NON_FINITE_GRADIENT`: a gradient held NaN or infinite values (or its squared norm overflowed float32); the step
 *   was not applied;
 * - `NON_FINITE_WEIGHTS`: applying a step would have made a variable non-finite or so large that its squared norm
 *   overflows float32 (values beyond about 1e19); the weights and the optimizer state were put back as they were;
 *   also a model with a NaN or infinite weight that was to be saved as a bundle (it is not saved);
 * - `DIVERGED`: the loss stayed many times above its running minimum (see `trainModel`'s `divergence` option);
 *   the checkpoint store keeps the last checkpoint taken before;
 * - `VOCABULARY_MISMATCH`: an encoder's vocabulary size differs from the model's Embedding;
 * - `BUNDLE_NOT_FOUND`: there is no bundle where one was to be loaded (no `bundle.json`);
 * - `BUNDLE_MALFORMED` / `CHECKPOINT_MALFORMED`: a saved file is missing, truncated, changed since it was written
 *   (its SHA-256 differs), of another format version, or inconsistent with the other parts;
 * - `CHECKPOINT_MISMATCH`: a checkpoint was written for a model with other weights;
 * - `ABORTED`: training was stopped through its `AbortSignal` (`details.checkpointWritten` says whether a
 *   checkpoint was saved first);
 * - `FAST_PATH_UNAVAILABLE`: a fast recurrent layer with `fastPath: "require"` was called where its fused kernels
 *   cannot run (the message says why);
 * - `INVALID_ARGUMENT`: anything else the caller got wrong.
 *
 * @example
 * try { await trainModel(model, options); } catch (error) {
 *   if (error instanceof ModelsError && error.code === "DIVERGED") lowerTheLearningRate();
 * }
 */
export class ModelsError extends Error {
  override readonly name = "ModelsError";
  readonly code: ModelsErrorCode;
  /** Where a training error happened and what was kept; absent on other errors. */
  readonly details: ModelsErrorDetails | undefined;

  constructor(code: ModelsErrorCode, message: string, options: { cause?: unknown; details?: ModelsErrorDetails } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
  }
}
