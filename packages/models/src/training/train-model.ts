import type * as tf from "@tensorflow/tfjs";
import { evaluateLanguageModel, evaluateSentimentModel } from "../evaluation/evaluate-model";
import { ModelsError } from "../models-error";
import { CheckpointKeeper } from "./checkpoint-keeper";
import { DivergenceMonitor } from "./divergence-monitor";
import { readWeights, restoreWeights } from "./read-weights";
import { ThroughputMeter, remainingSteps } from "./throughput-meter";
import { resolveTrainModelOptions, type TrainModelOptions } from "./train-model-options";
import { checkBatch, iterateBatches, outputSize, type ModelTask, type TrainingBatch } from "./training-batch";
import type { EpochRecord, TrainingCheckpoint } from "./training-checkpoint";
import { TrainingStep, type StepFigures } from "./training-step";

/** Figures of one `trainModel` call, as opposed to the whole run (which may span resumed calls). */
export interface TrainingSession {
  /** Optimizer steps trained by this call. */
  steps: number;
  /** Wall time of this call, loading and saving checkpoints included, in seconds. */
  seconds: number;
  /** Time this call spent in optimizer steps, in seconds. */
  stepSeconds: number;
}

/** What {@link trainModel} resolves to. */
export interface TrainingResult {
  history: EpochRecord[];
  /** 1-based epoch whose weights the model holds at the end (the best one with early stopping). */
  bestEpoch: number | null;
  stopReason: "epochs" | "early-stopping" | "max-steps";
  /** Total optimizer steps of the run. */
  steps: number;
  /** Whether the run continued from a checkpoint. */
  resumed: boolean;
  /**
   * Whether this call trained anything (a step, or the end of an epoch). False when the checkpoint's run was
   * already complete: finished with as many epochs as asked, or stopped early.
   */
  trained: boolean;
  /** Wall time of the run over all its sessions, in seconds (the epochs' `seconds` plus the epoch in progress). */
  seconds: number;
  /**
   * Time the run spent in optimizer steps over all its sessions, in seconds: `1000 * stepSeconds / steps` is its
   * milliseconds per step, right across resumed runs.
   */
  stepSeconds: number;
  /** This call alone. */
  session: TrainingSession;
}

/**
 * Trains a model with a custom loop over typed-array batches (the dataset is never materialized as one tensor):
 * sigmoid binary cross-entropy for `binary-classification`, softmax cross-entropy from logits for
 * `language-model`.
 *
 * Every step is checked before it counts (see the README's "Training" section): a NaN or infinite loss or
 * gradient, or an update that would make a weight non-finite or overflow float32, is refused with the weights
 * and the optimizer state as before it, and the run stops with `ModelsError` `NON_FINITE_LOSS`,
 * `NON_FINITE_GRADIENT` or `NON_FINITE_WEIGHTS` naming the step and the variable. A loss that stays many times
 * above its lowest value (`divergence`) stops the run with `DIVERGED`. No checkpoint is written while the loss is
 * diverging, nor one whose weights give a loss beyond that limit on the last batch, so the store keeps the last
 * good one.
 *
 * After every epoch it evaluates the validation batches, updates early stopping, and saves a checkpoint (model and
 * optimizer weights, history, early-stopping and divergence state, timings); a new call with the same store
 * resumes from it, and one with more `epochs` than a finished run trains the extra epochs. Runs are reproducible
 * when the model's initialization and the batch source are seeded (dropout is the exception: tfjs draws its masks
 * from an unseeded generator). No tensor is leaked.
 *
 * All options are checked before anything is loaded or trained.
 *
 * @throws {ModelsError} `NON_FINITE_LOSS`, `NON_FINITE_GRADIENT`, `NON_FINITE_WEIGHTS`, `DIVERGED`,
 *   `CHECKPOINT_MISMATCH`, `CHECKPOINT_MALFORMED`, `ABORTED`.
 * @throws {TypeError} / {RangeError} on unknown or invalid options and malformed batches.
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
 * console.log(`${(1000 * result.stepSeconds) / result.steps} ms/step`);
 */
export async function trainModel(model: tf.LayersModel, options: TrainModelOptions): Promise<TrainingResult> {
  const o = resolveTrainModelOptions(options);
  const clock = () => performance.now();
  const sessionStart = clock();
  const early = o.earlyStopping;
  const monitor = o.divergence;
  const keeper = new CheckpointKeeper(model, o.optimizer, o.checkpoint);
  const step = new TrainingStep(model, o.optimizer, o.task, o.clipNorm);

  let state = initialTrainingState();
  let resumed = false;
  if (o.resume) {
    const loaded = await keeper.load();
    if (loaded !== null) {
      state = loaded;
      resumed = true;
    }
  }

  const session = { steps: 0, epochs: 0, stepSeconds: 0 };
  const restoresBest = () => early !== null && early.restoreBestWeights && state.best !== null && state.best.weights.length > 0;
  const result = (stopReason: TrainingResult["stopReason"]): TrainingResult => ({
    history: state.history,
    bestEpoch: restoresBest() ? state.best!.epoch : state.history.length > 0 ? state.history.length : null,
    stopReason,
    steps: state.step,
    resumed,
    trained: session.steps > 0 || session.epochs > 0,
    seconds: state.history.reduce((sum, r) => sum + r.seconds, 0) + state.partial.seconds,
    stepSeconds: state.history.reduce((sum, r) => sum + (r.stepSeconds ?? 0), 0) + state.partial.stepSeconds,
    session: { steps: session.steps, seconds: (clock() - sessionStart) / 1000, stepSeconds: session.stepSeconds },
  });
  const finish = (stopReason: TrainingResult["stopReason"]): TrainingResult => {
    if (restoresBest()) restoreWeights(model, state.best!.weights, "best epoch");
    return result(stopReason);
  };

  if (state.finished) {
    const more = state.stopReason === "max-steps" || (state.stopReason === "epochs" && o.epochs > state.epoch);
    if (!more) return finish(state.stopReason ?? "epochs");
    state.finished = false;
    state.stopReason = null;
  }

  // --- checkpoints: written only when the state changed, and never of weights that look diverged. A checkpoint
  // due after step s is written when the next batch has come, with the weights' loss on that batch (one the
  // update of step s did not see: on its own batch a wild update can still look good) as the check.
  let dirty = false; // the state differs from what the store holds
  let savePending = false; // a checkpoint is due (every N steps, end of epoch) and not written yet
  let lastBatch: TrainingBatch | null = null; // the batch of the last step
  let previousBatch: TrainingBatch | null = null; // the one before it
  let healthyStep = -1; // the last step whose weights passed the check below
  let probeLoss: number | undefined; // the loss of the last check that failed
  let epochStart = clock() - state.partial.seconds * 1000;
  const stampEpochTime = () => {
    state.partial.seconds = (clock() - epochStart) / 1000;
  };
  /**
   * Whether the current weights may be checkpointed or returned (see `DivergenceMonitor.accepts`): the run is not
   * diverging, and their loss on `probe` is within the limit (no probe needed when no step was trained since the
   * checkpoint was loaded). A check passed holds until the next step.
   */
  const healthy = (probe: TrainingBatch | null, use: "checkpoint" | "end"): boolean => {
    if (monitor === null) return true;
    if (monitor.diverging(state.divergence)) return false;
    if (probe === null || session.steps === 0 || healthyStep === state.step) return true;
    const loss = step.loss(probe);
    if (!monitor.accepts(state.divergence, loss, use)) {
      probeLoss = loss;
      return false;
    }
    healthyStep = state.step;
    return true;
  };
  const save = async (probe: TrainingBatch | null, use: "checkpoint" | "end" = "checkpoint"): Promise<"written" | "clean" | "refused" | "no-store"> => {
    if (!keeper.enabled) return "no-store";
    if (!dirty) return "clean";
    if (!healthy(probe, use)) return "refused";
    await keeper.write(state);
    dirty = false;
    return "written";
  };
  const divergedError = () => monitor!.diverged(state.divergence, state.step, keeper.describeKept(), keeper.storedStep, probeLoss);
  /** Ends the run: refuses to return diverged weights, saves, restores the best epoch. */
  const end = async (stopReason: TrainingResult["stopReason"], probe: TrainingBatch | null, midEpoch: boolean): Promise<TrainingResult> => {
    if (midEpoch) stampEpochTime();
    state.finished = true;
    state.stopReason = stopReason;
    dirty = true;
    if (!healthy(probe, "end")) throw divergedError();
    await save(probe, "end");
    return finish(stopReason);
  };

  const meter = new ThroughputMeter(clock);
  let batchesPerEpoch: number | null = o.batchesPerEpoch ?? state.history[0]?.batches ?? null;
  // A loop over a synchronous batch source only ever waits on microtasks; give the event loop a turn now and
  // then so that signal handlers (Ctrl-C → abort), timers (progress bars) and I/O get to run.
  let lastYield = clock();
  const yieldToEventLoop = async () => {
    if (clock() - lastYield < 50) return;
    await new Promise((resolve) => setTimeout(resolve, 0));
    lastYield = clock();
  };

  const vocabSize = outputSize(model);
  for (let epoch = state.epoch; epoch < o.epochs; epoch++) {
    epochStart = clock() - state.partial.seconds * 1000;
    let batchIndex = 0;
    for await (const batch of iterateBatches(o.train(epoch))) {
      if (batchIndex < state.batchesDone) {
        batchIndex++; // trained before the interruption
        continue;
      }
      const shape = checkBatch(batch, o.task, { vocabSize });
      if (state.step >= o.maxSteps) return end("max-steps", batch, true);
      await yieldToEventLoop();
      if (o.signal?.aborted === true) {
        stampEpochTime();
        const saved = await save(batch);
        const refusal =
          monitor !== null && !monitor.diverging(state.divergence)
            ? `the weights' loss on the next batch, ${probeLoss}, is above √${monitor.factor} × the lowest level ${state.divergence.lowest}`
            : "the loss is diverging";
        throw new ModelsError("ABORTED", `training aborted at epoch ${epoch + 1}, batch ${batchIndex} (step ${state.step}); ${abortNote(saved, keeper, state.step, refusal)}`, {
          cause: o.signal.reason,
          details: { step: state.step, epoch: epoch + 1, batch: batchIndex, checkpointWritten: saved === "written", checkpointStep: keeper.storedStep },
        });
      }
      if (savePending) {
        stampEpochTime();
        if ((await save(batch)) !== "refused") savePending = false;
      }
      const where = { step: state.step + 1, epoch: epoch + 1, batch: batchIndex + 1 };
      const started = clock();
      let figures: StepFigures;
      try {
        figures = step.run(batch, where);
      } catch (error) {
        throw withCheckpointNote(error, keeper);
      }
      const seconds = (clock() - started) / 1000;
      const counts = batchCounts(shape, o.task);
      state.partial.lossSum += figures.loss * counts.sequences;
      state.partial.sequences += counts.sequences;
      state.partial.correct += figures.correct;
      state.partial.examples += counts.examples;
      state.partial.tokens += counts.tokens;
      state.partial.stepSeconds += seconds;
      state.step++;
      batchIndex++;
      state.batchesDone = batchIndex;
      dirty = true;
      previousBatch = lastBatch;
      lastBatch = batch;
      session.steps++;
      session.stepSeconds += seconds;
      meter.record(counts.tokens);
      if (monitor !== null) {
        state.divergence = monitor.observe(state.divergence, figures.loss);
        if (monitor.exhausted(state.divergence)) throw divergedError();
      }
      if (o.onProgress !== undefined) {
        const remaining = remainingSteps({ epoch, epochs: o.epochs, batch: batchIndex, batchesPerEpoch, step: state.step, maxSteps: o.maxSteps });
        o.onProgress({
          epoch: epoch + 1,
          epochs: o.epochs,
          batch: batchIndex,
          batchesPerEpoch,
          step: state.step,
          loss: figures.loss,
          meanLoss: state.partial.lossSum / state.partial.sequences,
          gradientNorm: figures.gradientNorm,
          batchesPerSecond: meter.batchesPerSecond(),
          tokensPerSecond: meter.tokensPerSecond(),
          etaSeconds: meter.etaSeconds(remaining),
        });
      }
      if (o.checkpointEverySteps !== undefined && state.step % o.checkpointEverySteps === 0) savePending = true;
    }
    if (batchIndex === 0) throw new RangeError(`expected the training source to yield batches for epoch ${epoch + 1}, got none`);
    batchesPerEpoch ??= batchIndex;

    const record: EpochRecord = {
      epoch: epoch + 1,
      loss: state.partial.lossSum / state.partial.sequences,
      accuracy: state.partial.correct / state.partial.examples,
      seconds: 0,
      stepSeconds: state.partial.stepSeconds,
      batches: batchIndex,
      tokens: state.partial.tokens,
    };
    if (o.validation !== undefined) {
      const source = o.validation(epoch);
      const m = o.task === "binary-classification" ? await evaluateSentimentModel(model, source) : await evaluateLanguageModel(model, source);
      record.valLoss = m.loss;
      record.valAccuracy = m.accuracy;
    }
    record.seconds = (clock() - epochStart) / 1000;
    state.history.push(record);
    state.epoch = epoch + 1;
    state.batchesDone = 0;
    state.partial = emptyPartial();
    dirty = true;
    session.epochs++;

    const stop = early !== null && early.update(state, record, () => readWeights(model)).stop;
    if (stop || epoch + 1 >= o.epochs) {
      // no batch comes after the last one: check on the one before it
      const ended = await end(stop ? "early-stopping" : "epochs", previousBatch ?? lastBatch, false);
      o.onEpochEnd?.(record);
      return ended;
    }
    savePending = true; // written when the next epoch's first batch has come
    o.onEpochEnd?.(record);
  }
  // resumed a checkpoint whose epochs were all done but not marked finished (or asked for fewer epochs)
  return end("epochs", previousBatch ?? lastBatch, false);
}

/** The state of a run before its first step. */
function initialTrainingState(): TrainingCheckpoint {
  return {
    epoch: 0,
    batchesDone: 0,
    step: 0,
    partial: emptyPartial(),
    history: [],
    best: null,
    wait: 0,
    finished: false,
    stopReason: null,
    weights: [],
    optimizer: [],
    divergence: DivergenceMonitor.initial(),
  };
}

function emptyPartial(): TrainingCheckpoint["partial"] {
  return { lossSum: 0, sequences: 0, correct: 0, examples: 0, tokens: 0, seconds: 0, stepSeconds: 0 };
}

/** What the loop counts of a batch: the one place it reads the batch's shape. */
function batchCounts(
  [batchSize, timeSteps]: [batchSize: number, timeSteps: number],
  task: ModelTask,
): { sequences: number; tokens: number; examples: number } {
  const sequences = batchSize;
  const tokens = batchSize * timeSteps;
  return { sequences, tokens, examples: task === "binary-classification" ? sequences : tokens };
}

function abortNote(saved: "written" | "clean" | "refused" | "no-store", keeper: CheckpointKeeper, step: number, refusal: string): string {
  switch (saved) {
    case "written":
      return `checkpoint saved (step ${step})`;
    case "clean":
      return keeper.storedStep === null ? "nothing was trained, so no checkpoint was written" : `the checkpoint of step ${keeper.storedStep} is up to date`;
    case "refused":
      return `no checkpoint was written because ${refusal}; ${keeper.describeKept()}`;
    case "no-store":
      return "no checkpoint store was given, so nothing was saved";
  }
}

/** A refused step's error, with what the checkpoint store still holds. */
function withCheckpointNote(error: unknown, keeper: CheckpointKeeper): unknown {
  if (!(error instanceof ModelsError) || !error.code.startsWith("NON_FINITE")) return error;
  return new ModelsError(error.code, `${error.message}; ${keeper.describeKept()}`, {
    cause: error.cause,
    details: { ...error.details, checkpointWritten: false, checkpointStep: keeper.storedStep },
  });
}
