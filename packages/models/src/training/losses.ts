import * as tf from "@tensorflow/tfjs";
import type { ModelTask, TrainingBatch } from "./training-batch";

/** Keras's epsilon for clipping probabilities in binary cross-entropy. */
export const PROBABILITY_EPSILON = 1e-7;

/**
 * Mean loss of a batch, as a scalar tensor.
 *
 * - `binary-classification`: `output` holds probabilities `[batch, 1]`, `targets` labels `[batch]`;
 *   binary cross-entropy with probabilities clipped to [ε, 1 − ε] (ε = 1e-7, as Keras).
 * - `language-model`: `output` holds logits `[batch, time, vocab]`, `targets` ids `[batch, time]`;
 *   sparse softmax cross-entropy from logits, averaged over every position.
 *
 * @internal
 */
export function taskLoss(task: ModelTask, output: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    if (task === "binary-classification") {
      const p = tf.clipByValue(tf.reshape(output, [-1]), PROBABILITY_EPSILON, 1 - PROBABILITY_EPSILON);
      const y = tf.cast(targets, "float32");
      const ll = tf.add(tf.mul(y, tf.log(p)), tf.mul(tf.sub(1, y), tf.log(tf.sub(1, p))));
      return tf.neg(tf.mean(ll)) as tf.Scalar;
    }
    const vocab = output.shape[output.shape.length - 1] as number;
    const logits = tf.reshape(output, [-1, vocab]);
    const logProbs = tf.logSoftmax(logits);
    const oneHot = tf.oneHot(tf.reshape(tf.cast(targets, "int32"), [-1]), vocab);
    return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, logProbs), -1))) as tf.Scalar;
  });
}

/**
 * Number of correct predictions of a batch, as a scalar tensor (threshold 0.5
 * for probabilities; arg-max for logits).
 *
 * @internal
 */
export function taskCorrect(task: ModelTask, output: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    if (task === "binary-classification") {
      const predicted = tf.cast(tf.greaterEqual(tf.reshape(output, [-1]), 0.5), "float32");
      return tf.sum(tf.cast(tf.equal(predicted, tf.cast(targets, "float32")), "float32")) as tf.Scalar;
    }
    const predicted = tf.argMax(output, -1);
    return tf.sum(tf.cast(tf.equal(predicted, tf.cast(targets, "int32")), "float32")) as tf.Scalar;
  });
}

/** @internal batch tensors: inputs `[batch, time]` int32, targets as the task needs. */
export function batchTensors(task: ModelTask, batch: TrainingBatch): { x: tf.Tensor2D; y: tf.Tensor } {
  const x = tf.tensor2d(batch.inputs, batch.shape, "int32");
  const y =
    task === "binary-classification"
      ? tf.tensor1d(Float32Array.from(batch.targets), "float32")
      : tf.tensor2d(batch.targets, batch.shape, "int32");
  return { x, y };
}
