import * as tf from "@tensorflow/tfjs";
import { fusedAdam } from "./fused-adam";
import { evaluateLanguageModel, evaluateSentimentModel } from "../evaluation/evaluate-model";
import { batchTensors, taskCorrect, taskLoss } from "./losses";
import { ModelsError } from "../models-error";
import {
  decodeCheckpoint,
  encodeCheckpoint,
  type CheckpointStore,
  type EpochRecord,
  type NamedArray,
  type TrainingCheckpoint,
} from "./training-checkpoint";
import { checkBatch, iterateBatches, outputSize, type BatchSource, type ModelTask, type TrainingBatch } from "./training-batch";

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
  /** Estimated seconds until the last epoch ends, when the epoch length is known. */
  etaSeconds: number | null;
}

/** Early stopping options of {@link trainModel}. */
export interface EarlyStoppingOptions {
  /**
   * Figure watched at the end of each epoch. `val_*` needs a validation source.
   * @default "val_loss"
   */
  monitor?: "val_loss" | "val_accuracy" | "loss";
  /**
   * Epochs without improvement before stopping.
   * @default 2
   */
  patience?: number;
  /**
   * Smallest change that counts as an improvement.
   * @default 0
   */
  minDelta?: number;
  /**
   * Put back the weights of the best epoch when training ends.
   * @default true
   */
  restoreBestWeights?: boolean;
}

/** Options of {@link trainModel}. */
export interface TrainModelOptions {
  /** What the model predicts: chooses the loss (binary or sparse categorical cross-entropy) and metrics. */
  task: ModelTask;
  /** Training batches, called once per epoch with its 0-based index. */
  train: BatchSource;
  /** Validation batches, evaluated after each epoch. */
  validation?: BatchSource;
  /**
   * Number of epochs.
   * @default 10
   */
  epochs?: number;
  /**
   * The optimizer (its state is checkpointed through `getWeights`/`setWeights`).
   * @default fusedAdam(1e-3) (`tf.train.adam` with one kernel per variable update)
   */
  optimizer?: tf.Optimizer;
  /**
   * Scale the gradients down when their global L2 norm exceeds this value
   * (like `tf.clip_by_global_norm`). `undefined` disables clipping.
   * @default undefined
   */
  clipNorm?: number;
  /** Stop when the monitored figure stops improving. Disabled when absent. */
  earlyStopping?: EarlyStoppingOptions;
  /** Where to save a checkpoint after every epoch, and from which to resume. */
  checkpoint?: CheckpointStore;
  /**
   * Also save a checkpoint every this many steps within an epoch (a resumed run skips the batches done).
   * @default undefined (end of epoch only)
   */
  checkpointEverySteps?: number;
  /**
   * Resume from the checkpoint store's checkpoint when there is one.
   * @default true
   */
  resume?: boolean;
  /**
   * Stop after this many optimizer steps in total (a checkpoint is saved; a
   * later call with a larger value continues). For smoke runs on real data.
   * @default Infinity
   */
  maxSteps?: number;
  /** Batches per epoch, used for the ETA before the first epoch has ended. */
  batchesPerEpoch?: number;
  /** Called after every batch. */
  onProgress?: (progress: TrainingProgress) => void;
  /** Called after every epoch with its record (validation included). */
  onEpochEnd?: (record: EpochRecord) => void;
  /** Aborting saves a checkpoint and rejects with a `ModelsError` of code `ABORTED`. */
  signal?: AbortSignal;
}

/** What {@link trainModel} resolves to. */
export interface TrainingResult {
  history: EpochRecord[];
  /** 1-based epoch whose weights the model holds at the end (the best one with early stopping). */
  bestEpoch: number | null;
  stopReason: "epochs" | "early-stopping" | "max-steps";
  /** Total optimizer steps. */
  steps: number;
  /** Whether the run continued from a checkpoint. */
  resumed: boolean;
}

/**
 * Trains a model with a custom loop over typed-array batches (the dataset is
 * never materialized as one tensor): sigmoid binary cross-entropy for
 * `binary-classification`, softmax cross-entropy from logits for
 * `language-model`.
 *
 * Each step computes the gradients, clips them by global norm when
 * `clipNorm` is set, and applies them. A NaN or infinite loss or gradient
 * norm stops the run with a `ModelsError` of code `NON_FINITE_LOSS` before
 * the weights are touched. After every epoch it evaluates the validation
 * batches, updates early stopping, and saves a checkpoint (model and
 * optimizer weights, history, early-stopping state and best weights); a new
 * call with the same store resumes from it. Runs are reproducible when the
 * model's initialization and the batch source are seeded (dropout is the
 * exception: tfjs draws its masks from an unseeded generator). No tensor is
 * leaked.
 *
 * @throws {ModelsError} `NON_FINITE_LOSS`, `CHECKPOINT_MISMATCH`, `CHECKPOINT_MALFORMED`, `ABORTED`.
 * @throws {RangeError} on invalid options or malformed batches.
 * @example
 * const result = await trainModel(model, {
 *   task: "binary-classification",
 *   train: (epoch) => trainBatches(epoch),
 *   validation: () => validationBatches(),
 *   epochs: 10,
 *   clipNorm: 1,
 *   earlyStopping: { patience: 2 },
 *   checkpoint: new FileCheckpointStore("runs/imdb/checkpoint.bin"),
 *   onProgress: (p) => console.log(p.step, p.loss, p.etaSeconds),
 * });
 */
export async function trainModel(model: tf.LayersModel, options: TrainModelOptions): Promise<TrainingResult> {
  const epochs = options.epochs ?? 10;
  const maxSteps = options.maxSteps ?? Number.POSITIVE_INFINITY;
  validateOptions(options, epochs, maxSteps);
  const optimizer = options.optimizer ?? fusedAdam(1e-3);
  const early = options.earlyStopping;
  const monitor = early?.monitor ?? "val_loss";
  const patience = early?.patience ?? 2;
  const minDelta = early?.minDelta ?? 0;
  if (early !== undefined && monitor.startsWith("val_") && options.validation === undefined) {
    throw new RangeError(`expected a validation source to monitor ${monitor}, got none`);
  }
  const modes = monitor === "val_accuracy" ? "max" : "min";

  let state: TrainingCheckpoint = {
    epoch: 0,
    batchesDone: 0,
    step: 0,
    partial: { lossSum: 0, sequences: 0, correct: 0, examples: 0, tokens: 0, seconds: 0 },
    history: [],
    best: null,
    wait: 0,
    finished: false,
    stopReason: null,
    weights: [],
    optimizer: [],
  };
  let resumed = false;
  if (options.checkpoint !== undefined && options.resume !== false) {
    const bytes = await options.checkpoint.load();
    if (bytes !== null) {
      state = decodeCheckpoint(bytes);
      restoreWeights(model, state.weights, "checkpoint");
      if (state.optimizer.length > 0) {
        const named = state.optimizer.map((a) => ({ name: a.name, tensor: tf.tensor(a.data, a.shape) }));
        await optimizer.setWeights(named);
        tf.dispose(named.map((n) => n.tensor));
      }
      resumed = true;
    }
  }
  const result = (stopReason: TrainingResult["stopReason"]): TrainingResult => ({
    history: state.history,
    bestEpoch: state.best !== null && early?.restoreBestWeights !== false ? state.best.epoch : state.history.length > 0 ? state.history.length : null,
    stopReason,
    steps: state.step,
    resumed,
  });
  if (state.finished && state.stopReason !== "max-steps") return result(state.stopReason ?? "epochs");
  state.finished = false;
  state.stopReason = null;

  const save = async () => {
    if (options.checkpoint === undefined) return;
    state.weights = readWeights(model);
    state.optimizer = await readOptimizer(optimizer);
    await options.checkpoint.save(encodeCheckpoint(state));
  };

  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const sessionStart = performance.now();
  let sessionSteps = 0;
  let sessionTokens = 0;
  let batchesPerEpoch: number | null = options.batchesPerEpoch ?? state.history[0]?.batches ?? null;
  // A loop over a synchronous batch source only ever waits on microtasks; give the event loop a turn now and
  // then so that signal handlers (Ctrl-C → abort), timers (progress bars) and I/O get to run.
  let lastYield = performance.now();
  const yieldToEventLoop = async () => {
    if (performance.now() - lastYield < 50) return;
    await new Promise((resolve) => setTimeout(resolve, 0));
    lastYield = performance.now();
  };

  for (let epoch = state.epoch; epoch < epochs; epoch++) {
    const epochStart = performance.now() - state.partial.seconds * 1000;
    let batchIndex = 0;
    for await (const batch of iterateBatches(options.train(epoch))) {
      if (batchIndex < state.batchesDone) {
        batchIndex++; // trained before the interruption
        continue;
      }
      if (state.step >= maxSteps) {
        state.partial.seconds = (performance.now() - epochStart) / 1000;
        state.stopReason = "max-steps";
        state.finished = true;
        await save();
        return result("max-steps");
      }
      await yieldToEventLoop();
      if (options.signal?.aborted === true) {
        state.partial.seconds = (performance.now() - epochStart) / 1000;
        await save();
        throw new ModelsError("ABORTED", `training aborted at epoch ${epoch + 1}, batch ${batchIndex}; checkpoint saved`, {
          cause: options.signal.reason,
        });
      }
      const [batchSize, timeSteps] = checkBatch(batch, options.task, { vocabSize: outputSize(model) });
      const [loss, norm, correct] = trainStep(model, optimizer, variables, options.task, batch, options.clipNorm, {
        epoch: epoch + 1,
        batch: batchIndex + 1,
      });
      const examples = options.task === "binary-classification" ? batchSize : batchSize * timeSteps;
      const tokens = batchSize * timeSteps;
      state.partial.lossSum += loss * batchSize;
      state.partial.sequences += batchSize;
      state.partial.correct += correct;
      state.partial.examples += examples;
      state.partial.tokens += tokens;
      state.step++;
      batchIndex++;
      state.batchesDone = batchIndex;
      sessionSteps++;
      sessionTokens += tokens;
      if (options.onProgress !== undefined) {
        const elapsed = (performance.now() - sessionStart) / 1000;
        const rate = sessionSteps / Math.max(elapsed, 1e-9);
        const remaining =
          batchesPerEpoch === null
            ? null
            : Math.max(0, batchesPerEpoch - batchIndex) + (epochs - epoch - 1) * batchesPerEpoch;
        options.onProgress({
          epoch: epoch + 1,
          epochs,
          batch: batchIndex,
          batchesPerEpoch,
          step: state.step,
          loss,
          meanLoss: state.partial.lossSum / state.partial.sequences,
          gradientNorm: norm,
          batchesPerSecond: rate,
          tokensPerSecond: sessionTokens / Math.max(elapsed, 1e-9),
          etaSeconds: remaining === null ? null : remaining / rate,
        });
      }
      if (options.checkpointEverySteps !== undefined && state.step % options.checkpointEverySteps === 0) {
        state.partial.seconds = (performance.now() - epochStart) / 1000;
        await save();
      }
    }
    if (batchIndex === 0) throw new RangeError(`expected the training source to yield batches for epoch ${epoch + 1}, got none`);
    batchesPerEpoch ??= batchIndex;

    const record: EpochRecord = {
      epoch: epoch + 1,
      loss: state.partial.lossSum / state.partial.sequences,
      accuracy: state.partial.correct / state.partial.examples,
      seconds: 0,
      batches: batchIndex,
      tokens: state.partial.tokens,
    };
    if (options.validation !== undefined) {
      const source = options.validation(epoch);
      if (options.task === "binary-classification") {
        const m = await evaluateSentimentModel(model, source);
        record.valLoss = m.loss;
        record.valAccuracy = m.accuracy;
      } else {
        const m = await evaluateLanguageModel(model, source);
        record.valLoss = m.loss;
        record.valAccuracy = m.accuracy;
      }
    }
    record.seconds = (performance.now() - epochStart) / 1000;
    state.history.push(record);
    state.epoch = epoch + 1;
    state.batchesDone = 0;
    state.partial = { lossSum: 0, sequences: 0, correct: 0, examples: 0, tokens: 0, seconds: 0 };

    let stop = false;
    if (early !== undefined) {
      const value = monitor === "val_loss" ? record.valLoss : monitor === "val_accuracy" ? record.valAccuracy : record.loss;
      if (value === undefined) throw new RangeError(`expected ${monitor} to be recorded, got nothing`);
      const improved =
        state.best === null || (modes === "min" ? value < state.best.value - minDelta : value > state.best.value + minDelta);
      if (improved) {
        state.best = { value, epoch: epoch + 1, weights: readWeights(model) };
        state.wait = 0;
      } else {
        state.wait++;
        stop = state.wait >= patience;
      }
    }
    const lastEpoch = stop || epoch + 1 >= epochs;
    if (lastEpoch) {
      if (early !== undefined && early.restoreBestWeights !== false && state.best !== null) {
        restoreWeights(model, state.best.weights, "best epoch");
      }
      state.finished = true;
      state.stopReason = stop ? "early-stopping" : "epochs";
    }
    await save();
    options.onEpochEnd?.(record);
    if (stop) return result("early-stopping");
  }
  if (!state.finished) {
    // resumed a checkpoint whose epochs were all done but not marked finished
    state.finished = true;
    state.stopReason = "epochs";
    await save();
  }
  return result("epochs");
}


function trainStep(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  variables: tf.Variable[],
  task: ModelTask,
  batch: TrainingBatch,
  clipNorm: number | undefined,
  where: { epoch: number; batch: number },
): [number, number, number] {
  let correctTensor: tf.Scalar | null = null;
  const figures = tf.tidy(() => {
    const { x, y } = batchTensors(task, batch);
    const { value, grads } = optimizer.computeGradients(() => {
      const output = model.apply(x, { training: true }) as tf.Tensor;
      correctTensor = tf.keep(taskCorrect(task, output, y));
      return taskLoss(task, output, y);
    }, variables);
    const names = Object.keys(grads);
    const norm = tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n] as tf.Tensor))))) as tf.Scalar;
    const [lossValue, normValue] = [value.dataSync()[0] as number, norm.dataSync()[0] as number];
    if (!Number.isFinite(lossValue) || !Number.isFinite(normValue)) {
      return [lossValue, normValue] as const;
    }
    let applied: tf.NamedTensorMap = grads;
    if (clipNorm !== undefined && normValue > clipNorm) {
      const scale = clipNorm / normValue;
      applied = {};
      for (const n of names) applied[n] = tf.mul(grads[n] as tf.Tensor, scale);
    }
    optimizer.applyGradients(applied);
    return [lossValue, normValue] as const;
  });
  const ct = correctTensor as tf.Scalar | null;
  const correct = ct === null ? 0 : (ct.dataSync()[0] as number);
  ct?.dispose();
  const [loss, norm] = figures;
  if (!Number.isFinite(loss) || !Number.isFinite(norm)) {
    throw new ModelsError(
      "NON_FINITE_LOSS",
      `training diverged at epoch ${where.epoch}, batch ${where.batch}: loss ${loss}, gradient norm ${norm}; ` +
        "the weights were not updated (try a lower learning rate or clipNorm)",
    );
  }
  return [loss, norm, correct];
}

function validateOptions(options: TrainModelOptions, epochs: number, maxSteps: number): void {
  if (options.task !== "binary-classification" && options.task !== "language-model") {
    throw new RangeError(`expected task "binary-classification" | "language-model", got ${JSON.stringify(options.task)}`);
  }
  if (typeof options.train !== "function") throw new TypeError(`expected train to be a function, got ${typeof options.train}`);
  if (!Number.isInteger(epochs) || epochs <= 0) throw new RangeError(`expected epochs to be a positive integer, got ${epochs}`);
  if (!(maxSteps > 0)) throw new RangeError(`expected maxSteps > 0, got ${maxSteps}`);
  if (options.clipNorm !== undefined && !(options.clipNorm > 0 && Number.isFinite(options.clipNorm))) {
    throw new RangeError(`expected clipNorm > 0, got ${options.clipNorm}`);
  }
  const p = options.earlyStopping?.patience;
  if (p !== undefined && (!Number.isInteger(p) || p < 1)) throw new RangeError(`expected patience >= 1, got ${p}`);
  const every = options.checkpointEverySteps;
  if (every !== undefined && (!Number.isInteger(every) || every < 1)) {
    throw new RangeError(`expected checkpointEverySteps to be a positive integer, got ${every}`);
  }
}

/** @internal the model's weights, in `model.weights` order. */
export function readWeights(model: tf.LayersModel): NamedArray[] {
  return model.weights.map((w) => {
    const t = w.read();
    return { name: w.originalName, shape: [...t.shape], data: t.dataSync().slice() as Float32Array };
  });
}

/** @internal */
export function restoreWeights(model: tf.LayersModel, arrays: NamedArray[], what: string): void {
  const weights = model.weights;
  if (arrays.length !== weights.length) {
    throw new ModelsError(
      "CHECKPOINT_MISMATCH",
      `the ${what} holds ${arrays.length} weights, the model has ${weights.length}: was it written for another model?`,
    );
  }
  weights.forEach((w, i) => {
    const a = arrays[i] as NamedArray;
    if (a.shape.length !== w.shape.length || a.shape.some((d, k) => d !== w.shape[k])) {
      throw new ModelsError(
        "CHECKPOINT_MISMATCH",
        `the ${what}'s weight ${i} (${a.name}) has shape [${a.shape}], the model's (${w.originalName}) has [${w.shape}]`,
      );
    }
  });
  const tensors = arrays.map((a) => tf.tensor(a.data, a.shape));
  weights.forEach((w, i) => w.write(tensors[i] as tf.Tensor));
  tf.dispose(tensors);
}

async function readOptimizer(optimizer: tf.Optimizer): Promise<NamedArray[]> {
  const named = await optimizer.getWeights();
  const arrays = named.map(({ name, tensor }) => ({
    name,
    shape: [...tensor.shape],
    data: tensor.dtype === "int32" ? Int32Array.from(tensor.dataSync()) : Float32Array.from(tensor.dataSync()),
  }));
  // getWeights returns the optimizer's own variables plus fresh tensors (the iteration count): free the latter.
  tf.dispose(named.map((n) => n.tensor).filter((t) => !(t instanceof tf.Variable)));
  return arrays;
}
