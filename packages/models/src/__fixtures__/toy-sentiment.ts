import type * as tf from "@tensorflow/tfjs";
import { buildSentimentModel } from "../builders/build-sentiment-model";
import { createRandom } from "../random";
import type { TrainingBatch } from "../training/training-batch";

/**
 * Test fixture: batches of a learnable toy task, label 1 when token 7 occurs in the sequence (tokens 1..6
 * otherwise), `[batchSize, timeSteps]`, drawn from `seed`. `flipLabels` gives the opposite rule.
 */
export function toyBatches(seed: number, count: number, batchSize = 16, timeSteps = 6, flipLabels = false): TrainingBatch[] {
  const random = createRandom(seed);
  const batches: TrainingBatch[] = [];
  for (let b = 0; b < count; b++) {
    const inputs = new Int32Array(batchSize * timeSteps);
    const targets = new Float32Array(batchSize);
    for (let i = 0; i < batchSize; i++) {
      const positive = random.next() < 0.5;
      for (let t = 0; t < timeSteps; t++) inputs[i * timeSteps + t] = 1 + Math.floor(random.next() * 6); // 1..6
      if (positive) inputs[i * timeSteps + Math.floor(random.next() * timeSteps)] = 7;
      targets[i] = positive !== flipLabels ? 1 : 0;
    }
    batches.push({ inputs, shape: [batchSize, timeSteps], targets });
  }
  return batches;
}

/** Test fixture: a small seeded sentiment model (Embedding 9×4, BiLSTM 4, Dense 8, Dense 1) on stock layers. */
export const smallModel = (seed = 3): tf.LayersModel =>
  buildSentimentModel({ vocabSize: 9, embeddingDim: 4, units: 4, denseUnits: 8, seed, implementation: "stock" });

/** Test fixture: copies of a model's weight values, in `model.weights` order. */
export const values = (m: tf.LayersModel): Float32Array[] => m.weights.map((w) => Float32Array.from(w.read().dataSync()));
