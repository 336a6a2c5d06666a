import * as tf from "@tensorflow/tfjs";
import { ModelsError } from "../models-error";
import { clipByGlobalNorm } from "./clip-by-global-norm";
import { FusedAdamOptimizer } from "./fused-adam";
import { batchTensors, taskCorrect, taskLoss } from "./losses";
import { StepSnapshot, type ChangedVariable, type WatchedVariable } from "./step-snapshot";
import type { ModelTask, TrainingBatch } from "./training-batch";

/** Where a step is in the run, for messages (all 1-based). */
export interface StepPosition {
  step: number;
  epoch: number;
  batch: number;
}

/** What one applied step measured. */
export interface StepFigures {
  /** Mean loss of the batch, before the update. */
  loss: number;
  /** Global L2 norm of the gradients, before clipping. */
  gradientNorm: number;
  /** Correct predictions in the batch (examples, or characters for a language model). */
  correct: number;
  /** Whether the gradients were scaled down to `clipNorm`. */
  clipped: boolean;
}

/**
 * One checked optimizer step: gradients of the task's loss, global-norm clipping, the update, and checks that
 * make a bad step leave no trace.
 *
 * Before the update: the loss must be finite (else `NON_FINITE_LOSS`) and every gradient finite with a squared norm
 * that fits in float32 (else `NON_FINITE_GRADIENT`); then nothing has changed. After the update, before the step
 * counts: every trainable variable's new values must be finite with a squared norm that fits in float32 (no value
 * beyond about 1e19, whose products overflow the next forward pass), and, for optimizers other than plain SGD and
 * Adam (`tf.train.adam`, `fusedAdam`), every optimizer variable the step changed or created must be finite. Adam's
 * new moments are averages of the old ones with g and g², which are finite once the gradients passed; its β powers
 * only shrink, so they need no pass. A failure puts the weights and the optimizer state back exactly as they were
 * (see {@link StepSnapshot}: no copy is made to allow this) and throws `NON_FINITE_WEIGHTS`.
 *
 * Cost on top of the plain step: one sum of squares per trainable variable after the update, and the two reads
 * of the figures (before and after), each one `dataSync` of a short vector.
 *
 * @internal
 */
export class TrainingStep {
  private readonly weights: WatchedVariable[];
  private readonly variables: tf.Variable[];
  private readonly checkOptimizerState: boolean;

  constructor(
    private readonly model: tf.LayersModel,
    private readonly optimizer: tf.Optimizer,
    private readonly task: ModelTask,
    private readonly clipNorm: number | undefined,
  ) {
    this.weights = model.trainableWeights.map((w) => ({ variable: w.read() as tf.Variable, label: w.name }));
    this.variables = this.weights.map((w) => w.variable);
    const kind = optimizer.constructor;
    this.checkOptimizerState = !(kind === tf.SGDOptimizer || kind === tf.AdamOptimizer || kind === FusedAdamOptimizer);
  }

  /**
   * Trains on one batch.
   *
   * @throws {ModelsError} `NON_FINITE_LOSS`, `NON_FINITE_GRADIENT` (nothing changed) or `NON_FINITE_WEIGHTS`
   *   (weights and optimizer state put back).
   */
  run(batch: TrainingBatch, where: StepPosition): StepFigures {
    let correctTensor: tf.Scalar | null = null;
    try {
      return tf.tidy(() => {
        const { x, y } = batchTensors(this.task, batch);
        const { value, grads } = this.optimizer.computeGradients(() => {
          const output = this.model.apply(x, { training: true }) as tf.Tensor;
          correctTensor = tf.keep(taskCorrect(this.task, output, y));
          return taskLoss(this.task, output, y);
        }, this.variables);
        const withGradient = this.weights.filter((w) => grads[w.variable.name] != null);
        const sums = withGradient.map((w) => tf.sum(tf.square(grads[w.variable.name] as tf.Tensor)));
        const figures = tf.stack([value, correctTensor as unknown as tf.Scalar, ...sums]).dataSync();
        const loss = figures[0] as number;
        const correct = figures[1] as number;
        const squares = Array.from(figures.subarray(2));
        const gradientNorm = Math.sqrt(squares.reduce((a, b) => a + b, 0));
        if (!Number.isFinite(loss)) {
          throw this.refused("NON_FINITE_LOSS", where, `the loss is ${loss} (gradient norm ${gradientNorm})`, [], false);
        }
        const badGradients = withGradient.filter((_, i) => !Number.isFinite(squares[i]));
        if (badGradients.length > 0) {
          const what = badGradients.map((w) => `${w.label} (sum of squares ${squares[withGradient.indexOf(w)]})`);
          throw this.refused(
            "NON_FINITE_GRADIENT",
            where,
            `the gradient of ${list(what)} is not finite or overflows float32 (loss ${loss})`,
            badGradients.map((w) => w.label),
            false,
          );
        }
        const present: tf.NamedTensorMap = {};
        for (const w of withGradient) present[w.variable.name] = grads[w.variable.name] as tf.Tensor;
        const { gradients, clipped } =
          this.clipNorm === undefined ? { gradients: present, clipped: false } : clipByGlobalNorm(present, this.clipNorm, gradientNorm);

        const snapshot = StepSnapshot.take(this.weights, this.optimizer);
        try {
          this.optimizer.applyGradients(gradients);
        } catch (error) {
          snapshot.restore();
          throw error;
        }
        const bad = this.nonFinite(snapshot.changed());
        if (bad.length > 0) {
          snapshot.restore();
          const what = bad.map((b) => `${b.label} (${b.kind === "weight" ? "sum of squares" : "optimizer state, sum"} ${b.value})`);
          throw this.refused(
            "NON_FINITE_WEIGHTS",
            where,
            `the update would make ${list(what)} not finite or too large for float32 ` +
              `(loss ${loss}, gradient norm ${gradientNorm}${clipped ? `, clipped to ${this.clipNorm}` : ""})`,
            bad.map((b) => b.label),
            true,
          );
        }
        snapshot.release();
        return { loss, gradientNorm, correct, clipped };
      });
    } finally {
      (correctTensor as tf.Scalar | null)?.dispose();
    }
  }

  /** Mean loss of the model on `batch` in inference mode (no gradients, no update). */
  loss(batch: TrainingBatch): number {
    return tf.tidy(() => {
      const { x, y } = batchTensors(this.task, batch);
      const output = this.model.apply(x, { training: false }) as tf.Tensor;
      return taskLoss(this.task, output, y).dataSync()[0] as number;
    });
  }

  /** The changed variables that fail the check, with the figure that failed (one read for all). */
  private nonFinite(changed: ChangedVariable[]): (ChangedVariable & { value: number })[] {
    const checked = changed.filter((c) => c.kind === "weight" || this.checkOptimizerState);
    if (checked.length === 0) return [];
    const values = tf.tidy(() =>
      tf.stack(checked.map((c) => (c.kind === "weight" ? tf.sum(tf.square(c.variable)) : tf.sum(c.variable)))).dataSync(),
    );
    return checked.map((c, i) => ({ ...c, value: values[i] as number })).filter((c) => !Number.isFinite(c.value));
  }

  private refused(code: "NON_FINITE_LOSS" | "NON_FINITE_GRADIENT" | "NON_FINITE_WEIGHTS", where: StepPosition, what: string, variables: string[], putBack: boolean): ModelsError {
    return new ModelsError(
      code,
      `step ${where.step} (epoch ${where.epoch}, batch ${where.batch}): ${what}; the step was not applied ` +
        `(${putBack ? "the weights and the optimizer state were put back as they were before it" : "the weights and the optimizer state are as before it"})`,
      { details: { ...where, variables } },
    );
  }
}

function list(items: string[]): string {
  return items.length <= 3 ? items.join(", ") : `${items.slice(0, 3).join(", ")} and ${items.length - 3} more`;
}
