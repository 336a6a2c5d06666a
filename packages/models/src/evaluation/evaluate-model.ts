import * as tf from "@tensorflow/tfjs";
import { binaryClassificationMetrics, type BinaryClassificationMetrics } from "./binary-classification-metrics";
import { languageModelMetrics, type LanguageModelMetrics } from "./language-model-metrics";
import { batchTensors, taskCorrect, taskLoss } from "../training/losses";
import { checkBatch, iterateBatches, outputSize, type SequenceBatch, type TrainingBatch } from "../training/training-batch";

/** Batches to evaluate on: any sync or async iterable of {@link TrainingBatch}es (what text-prep's batchers yield). */
export type BatchIterable = Iterable<TrainingBatch> | AsyncIterable<TrainingBatch>;

/**
 * Predicted probabilities of a sentiment model for one batch (its `targets`, if any, are ignored).
 *
 * @param model a model whose output is `[batch, 1]` probabilities.
 * @param batch a {@link SequenceBatch}, e.g. one of `paddedBatches(sequences, { batchSize: 32 })`.
 * @returns `Float32Array` `[batchSize]`.
 * @throws {TypeError | RangeError} When the batch is malformed (the message names the field).
 * @example
 * const [batch] = paddedBatches([encoder.encode("a fine film")], { batchSize: 1 });
 * const [p] = predictProbabilities(model, batch);
 */
export function predictProbabilities(model: tf.LayersModel, batch: SequenceBatch): Float32Array {
  const shape = checkBatch(batch, null);
  return tf.tidy(() => {
    const x = tf.tensor2d(batch.inputs, shape, "int32");
    const out = model.apply(x, { training: false }) as tf.Tensor;
    return Float32Array.from(out.dataSync());
  });
}

/**
 * Evaluates a sentiment model (output: probabilities `[batch, 1]`) on
 * labelled batches: loss, accuracy, precision, recall, F1, ROC AUC and the
 * confusion matrix.
 *
 * @throws {RangeError} when a batch is malformed or there is no example.
 * @example
 * const metrics = await evaluateSentimentModel(model, testBatches);
 * console.log(metrics.accuracy, metrics.rocAuc);
 */
export async function evaluateSentimentModel(
  model: tf.LayersModel,
  batches: BatchIterable,
  options: { threshold?: number } = {},
): Promise<BinaryClassificationMetrics> {
  const probabilities: number[] = [];
  const labels: number[] = [];
  for await (const batch of iterateBatches(batches)) {
    checkBatch(batch, "binary-classification");
    const p = predictProbabilities(model, batch);
    for (let i = 0; i < p.length; i++) {
      probabilities.push(p[i] as number);
      labels.push(batch.targets[i] as number);
    }
  }
  return binaryClassificationMetrics(probabilities, labels, options);
}

/** Figures of a language model on held-out text. */
export interface LanguageModelEvaluation extends LanguageModelMetrics {
  /** Fraction of positions whose arg-max prediction is the next character. */
  accuracy: number;
  /** Number of predicted positions. */
  count: number;
}

/**
 * Evaluates a language model (output: logits `[batch, time, vocab]`) on
 * batches of inputs and next-character targets: mean cross-entropy per
 * character, perplexity, bits per character and next-character accuracy.
 *
 * @throws {RangeError} when a batch is malformed or there is no position.
 * @example
 * const { bitsPerCharacter } = await evaluateLanguageModel(model, heldOutBatches);
 */
export async function evaluateLanguageModel(
  model: tf.LayersModel,
  batches: BatchIterable,
): Promise<LanguageModelEvaluation> {
  let lossSum = 0;
  let correct = 0;
  let count = 0;
  const vocabSize = outputSize(model);
  for await (const batch of iterateBatches(batches)) {
    const [batchSize, timeSteps] = checkBatch(batch, "language-model", { vocabSize });
    const [loss, right] = tf.tidy(() => {
      const { x, y } = batchTensors("language-model", batch);
      const out = model.apply(x, { training: false }) as tf.Tensor;
      return [taskLoss("language-model", out, y).dataSync()[0] as number, taskCorrect("language-model", out, y).dataSync()[0] as number];
    });
    const positions = batchSize * timeSteps;
    lossSum += loss * positions;
    correct += right;
    count += positions;
  }
  if (count === 0) throw new RangeError("expected at least one batch to evaluate, got none");
  return { ...languageModelMetrics(lossSum / count), accuracy: correct / count, count };
}
