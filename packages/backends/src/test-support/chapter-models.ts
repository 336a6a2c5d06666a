/**
 * The two models of the RNN chapter, built from stock `tf.layers`, and one training step for each. Shared by the
 * training tests (tiny sizes) and the benchmarks (the chapter's sizes); not part of the public API.
 */
import * as tf from "@tensorflow/tfjs";

/** Sizes of the sentiment model: Embedding → Bidirectional(LSTM) → Dense relu → Dense 1 sigmoid. */
export interface SentimentSizes {
  /** @default 87009 in the chapter */
  vocab: number;
  /** @default 20 */
  embed: number;
  /** LSTM units per direction. @default 64 */
  units: number;
  /** @default 64 */
  dense: number;
}

/** Sizes of the character model: Embedding → LSTM (sequences) → Dense logits. */
export interface CharSizes {
  /** @default 80 */
  vocab: number;
  /** @default 256 */
  embed: number;
  /** @default 512 */
  units: number;
}

export const CHAPTER_SENTIMENT: SentimentSizes = { vocab: 87009, embed: 20, units: 64, dense: 64 };
export const CHAPTER_CHAR: CharSizes = { vocab: 80, embed: 256, units: 512 };

/** Seeded Glorot-uniform initialiser so that two builds of a model start from the same weights. */
function init(seed: number) {
  return tf.initializers.glorotUniform({ seed });
}

/** Sentiment model; input `[batch, T]` token ids (float32), output `[batch, 1]` probabilities. */
export function buildSentimentModel(s: SentimentSizes, seed = 1): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.embedding({ inputShape: [null], inputDim: s.vocab, outputDim: s.embed, embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed }) }));
  model.add(
    tf.layers.bidirectional({
      layer: tf.layers.lstm({ units: s.units, kernelInitializer: init(seed + 1), recurrentInitializer: init(seed + 2) }) as tf.RNN,
      mergeMode: "concat",
    }),
  );
  model.add(tf.layers.dense({ units: s.dense, activation: "relu", kernelInitializer: init(seed + 3) }));
  model.add(tf.layers.dense({ units: 1, activation: "sigmoid", kernelInitializer: init(seed + 4) }));
  return model;
}

/** Character model; input `[batch, T]` char ids (float32), output `[batch, T, vocab]` logits. */
export function buildCharModel(s: CharSizes, seed = 1): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.embedding({ inputShape: [null], inputDim: s.vocab, outputDim: s.embed, embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed }) }));
  model.add(tf.layers.lstm({ units: s.units, returnSequences: true, kernelInitializer: init(seed + 1), recurrentInitializer: init(seed + 2) }));
  model.add(tf.layers.dense({ units: s.vocab, kernelInitializer: init(seed + 3) }));
  return model;
}

/**
 * Mean sparse categorical cross-entropy from logits, as Keras' `SparseCategoricalCrossentropy(from_logits=True)`.
 * @param labels `[batch, T]` int32 class ids.
 * @param logits `[batch, T, vocab]`.
 */
export function sparseCrossEntropyFromLogits(labels: tf.Tensor, logits: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const vocab = logits.shape[logits.shape.length - 1] as number;
    const logProbs = tf.logSoftmax(logits);
    const oneHot = tf.oneHot(tf.cast(labels, "int32"), vocab);
    return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, logProbs), -1))) as tf.Scalar;
  });
}

/** Mean binary cross-entropy of probabilities `[batch, 1]` against 0/1 labels `[batch, 1]`. */
export function binaryCrossEntropy(labels: tf.Tensor, probs: tf.Tensor): tf.Scalar {
  return tf.metrics.binaryCrossentropy(labels, probs).mean() as tf.Scalar;
}

/** One optimiser step on `model`; returns the loss before the update. */
export function trainStep(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  loss: (labels: tf.Tensor, output: tf.Tensor) => tf.Scalar,
  xs: tf.Tensor,
  ys: tf.Tensor,
): number {
  const value = optimizer.minimize(() => loss(ys, model.apply(xs, { training: true }) as tf.Tensor), true);
  if (value === null) throw new Error("optimizer.minimize returned no loss");
  const out = value.dataSync()[0] as number;
  value.dispose();
  return out;
}

/** Deterministic ids in `[0, vocab)` (LCG), shape `[batch, T]`, as float32 as tf.layers' Embedding expects. */
export function randomIds(batch: number, time: number, vocab: number, seed: number): tf.Tensor2D {
  const data = new Float32Array(batch * time);
  let state = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    data[i] = state % vocab;
  }
  return tf.tensor2d(data, [batch, time]);
}

/** The weights of a model as plain arrays with their shapes, to copy a model to another backend. */
export function snapshotWeights(model: tf.LayersModel): { shape: number[]; values: Float32Array }[] {
  return model.getWeights().map((w) => ({ shape: w.shape.slice(), values: w.dataSync().slice() as Float32Array }));
}

/** Loads weights taken by {@link snapshotWeights} into a model of the same architecture. */
export function loadWeights(model: tf.LayersModel, weights: { shape: number[]; values: Float32Array }[]): void {
  const tensors = weights.map((w) => tf.tensor(w.values, w.shape));
  model.setWeights(tensors);
  tf.dispose(tensors);
}
