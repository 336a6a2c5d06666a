import * as tf from "@tensorflow/tfjs";
import { DivergenceMonitor, type DivergenceOptions } from "./divergence-monitor";
import { EarlyStopping, type EarlyStoppingOptions } from "./early-stopping";
import { fusedAdam } from "./fused-adam";
import { checkBoolean, checkFunction, checkKnownKeys, checkNumber, checkOneOf, show } from "./option-checks";
import type { BatchSource, ModelTask } from "./training-batch";
import type { CheckpointStore, EpochRecord } from "./training-checkpoint";

/** Progress of a training run, reported after every batch. */
export interface TrainingProgress {
  /** 1-based epoch number. */
  epoch: number;
  epochs: number;
  /** Batches done in this epoch. */
  batch: number;
  /** Batches per epoch, when known (given, or learned from the first epoch). */
  batchesPerEpoch: number | null;
  /** Total optimizer steps. */
  step: number;
  /** Loss of this batch. */
  loss: number;
  /** Mean loss over the epoch so far. */
  meanLoss: number;
  /** Global gradient norm before clipping. */
  gradientNorm: number;
  /** Steps per second in this process (resumed batches excluded). */
  batchesPerSecond: number;
  /** Sequence positions (batch × time) per second. */
  tokensPerSecond: number;
  /** Estimated seconds until the run ends (its epochs or `maxSteps`), when the epoch length is known. */
  etaSeconds: number | null;
}

/** Options of `trainModel`. Unknown keys are errors, at compile time for object literals and at run time. */
export interface TrainModelOptions {
  /** What the model predicts: chooses the loss (binary or sparse categorical cross-entropy) and metrics. */
  task: ModelTask;
  /** Training batches, called once per epoch with its 0-based index. */
  train: BatchSource;
  /** Validation batches, evaluated after each epoch. */
  validation?: BatchSource;
  /**
   * Number of epochs, an integer ≥ 1. A finished run resumed with more epochs trains the extra ones.
   * @default 10
   */
  epochs?: number;
  /**
   * The optimizer (its state is checkpointed through `getWeights`/`setWeights`). It must update variables with
   * `assign`, as every tfjs optimizer does, so that a refused step can be undone.
   * @default fusedAdam(1e-3) (`tf.train.adam` with one kernel per variable update)
   */
  optimizer?: tf.Optimizer;
  /**
   * Scale the gradients down when their global L2 norm exceeds this value (see `clipByGlobalNorm`), a finite
   * number > 0. `undefined` disables clipping.
   * @default undefined
   */
  clipNorm?: number;
  /** Stop when the monitored figure stops improving. Disabled when absent. */
  earlyStopping?: EarlyStoppingOptions;
  /**
   * Stop with `ModelsError` `DIVERGED` when the loss stays many times above its lowest value (see
   * {@link DivergenceOptions}); `false` switches this off.
   * @default { factor: 10, patience: 50 }
   */
  divergence?: DivergenceOptions | false;
  /** Where to save a checkpoint after every epoch, and from which to resume. */
  checkpoint?: CheckpointStore;
  /**
   * Also save a checkpoint every this many steps within an epoch (a resumed run skips the batches done), an
   * integer ≥ 1.
   * @default undefined (end of epoch only)
   */
  checkpointEverySteps?: number;
  /**
   * Resume from the checkpoint store's checkpoint when there is one.
   * @default true
   */
  resume?: boolean;
  /**
   * Stop after this many optimizer steps in total (a checkpoint is saved; a later call with a larger value
   * continues), an integer ≥ 1 or `Infinity`. For smoke runs on real data.
   * @default Infinity
   */
  maxSteps?: number;
  /** Batches per epoch (an integer ≥ 1), used for the ETA before the first epoch has ended. */
  batchesPerEpoch?: number;
  /** Called after every batch. */
  onProgress?: (progress: TrainingProgress) => void;
  /** Called after every epoch with its record (validation included). */
  onEpochEnd?: (record: EpochRecord) => void;
  /**
   * Aborting saves a checkpoint (when there is a store and the run is not diverging) and rejects with a
   * `ModelsError` of code `ABORTED`.
   */
  signal?: AbortSignal;
}

/** `trainModel`'s options, checked, with defaults filled in. @internal */
export interface ResolvedTrainModelOptions {
  task: ModelTask;
  train: BatchSource;
  validation: BatchSource | undefined;
  epochs: number;
  optimizer: tf.Optimizer;
  clipNorm: number | undefined;
  earlyStopping: EarlyStopping | null;
  divergence: DivergenceMonitor | null;
  checkpoint: CheckpointStore | undefined;
  checkpointEverySteps: number | undefined;
  resume: boolean;
  maxSteps: number;
  batchesPerEpoch: number | undefined;
  onProgress: ((progress: TrainingProgress) => void) | undefined;
  onEpochEnd: ((record: EpochRecord) => void) | undefined;
  signal: AbortSignal | undefined;
}

const KEYS: Record<keyof TrainModelOptions, true> = {
  task: true,
  train: true,
  validation: true,
  epochs: true,
  optimizer: true,
  clipNorm: true,
  earlyStopping: true,
  divergence: true,
  checkpoint: true,
  checkpointEverySteps: true,
  resume: true,
  maxSteps: true,
  batchesPerEpoch: true,
  onProgress: true,
  onEpochEnd: true,
  signal: true,
};

/**
 * Checks every option of `trainModel` before anything is trained or loaded, and fills in the defaults. An option
 * set to `undefined` counts as absent.
 *
 * @throws {TypeError} for an unknown option or a value of the wrong type.
 * @throws {RangeError} for a value out of range (each message names the option, what was expected and what came).
 * @internal
 */
export function resolveTrainModelOptions(options: TrainModelOptions): ResolvedTrainModelOptions {
  checkKnownKeys(options, Object.keys(KEYS), "trainModel options");
  const o = options as Partial<Record<keyof TrainModelOptions, unknown>>;
  const task = checkOneOf("task", o.task, ["binary-classification", "language-model"] as const);
  const train = checkFunction<BatchSource>("train", o.train);
  const validation = o.validation === undefined ? undefined : checkFunction<BatchSource>("validation", o.validation);
  const epochs = o.epochs === undefined ? 10 : checkNumber("epochs", o.epochs, { integer: true, min: 1 });
  const maxSteps = o.maxSteps === undefined ? Number.POSITIVE_INFINITY : checkNumber("maxSteps", o.maxSteps, { integer: true, min: 1, infinite: true });
  const clipNorm = o.clipNorm === undefined ? undefined : checkNumber("clipNorm", o.clipNorm, { above: 0 });
  const checkpointEverySteps =
    o.checkpointEverySteps === undefined ? undefined : checkNumber("checkpointEverySteps", o.checkpointEverySteps, { integer: true, min: 1 });
  const batchesPerEpoch = o.batchesPerEpoch === undefined ? undefined : checkNumber("batchesPerEpoch", o.batchesPerEpoch, { integer: true, min: 1 });
  const resume = o.resume === undefined ? true : checkBoolean("resume", o.resume);
  const onProgress = o.onProgress === undefined ? undefined : checkFunction<(p: TrainingProgress) => void>("onProgress", o.onProgress);
  const onEpochEnd = o.onEpochEnd === undefined ? undefined : checkFunction<(r: EpochRecord) => void>("onEpochEnd", o.onEpochEnd);
  if (o.optimizer !== undefined && !(o.optimizer instanceof tf.Optimizer)) {
    throw new TypeError(`expected optimizer to be a tf.Optimizer (computeGradients, applyGradients), got ${show(o.optimizer)}`);
  }
  const checkpoint = o.checkpoint as CheckpointStore | undefined;
  if (checkpoint !== undefined && (typeof checkpoint !== "object" || checkpoint === null || typeof checkpoint.load !== "function" || typeof checkpoint.save !== "function")) {
    throw new TypeError(`expected checkpoint to be a CheckpointStore (load() and save(bytes)), got ${show(checkpoint)}`);
  }
  const signal = o.signal as AbortSignal | undefined;
  if (signal !== undefined && (typeof signal !== "object" || signal === null || typeof signal.aborted !== "boolean")) {
    throw new TypeError(`expected signal to be an AbortSignal, got ${show(signal)}`);
  }
  const earlyStopping = o.earlyStopping === undefined ? null : new EarlyStopping(o.earlyStopping as EarlyStoppingOptions);
  if (earlyStopping?.needsValidation === true && validation === undefined) {
    throw new RangeError(`expected a validation source to monitor ${earlyStopping.monitor}, got none`);
  }
  if (o.divergence !== undefined && o.divergence !== false && (typeof o.divergence !== "object" || o.divergence === null)) {
    throw new TypeError(`expected divergence to be false or { factor, patience }, got ${show(o.divergence)}`);
  }
  const divergence = o.divergence === false ? null : new DivergenceMonitor((o.divergence ?? {}) as DivergenceOptions);
  return {
    task,
    train,
    validation,
    epochs,
    // created last, once every other option is known to be good
    optimizer: (o.optimizer as tf.Optimizer | undefined) ?? fusedAdam(1e-3),
    clipNorm,
    earlyStopping,
    divergence,
    checkpoint,
    checkpointEverySteps,
    resume,
    maxSteps,
    batchesPerEpoch,
    onProgress,
    onEpochEnd,
    signal,
  };
}
