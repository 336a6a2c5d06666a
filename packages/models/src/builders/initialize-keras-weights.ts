import * as tf from "@tensorflow/tfjs";
import { orthogonalMatrix } from "./orthogonal-matrix";
import { createRandom, deriveSeed } from "../random";

/**
 * Draws every weight of a model the way Keras initializes it by default, from
 * one seed, and assigns it in place:
 *
 * - `embeddings`: uniform in [-0.05, 0.05];
 * - `kernel` `[fanIn, fanOut]`: Glorot uniform, limit √(6 / (fanIn + fanOut));
 * - `recurrent_kernel` `[units, k·units]`: orthogonal ({@link orthogonalMatrix});
 * - `bias`: zeros, except the forget-gate slice `[units, 2·units)` of an LSTM
 *   bias, which is 1 (Keras `unit_forget_bias=True`). A bias is an LSTM's when
 *   the recurrent kernel beside it has shape `[units, 4·units]`.
 *
 * Weights are visited in the model's order and each gets its own stream
 * derived from `seed` and its index, so the result does not depend on tfjs's
 * global random state.
 *
 * @param model a built model.
 * @param seed integer seed.
 * @throws {TypeError} when the seed is not an integer.
 * @example
 * initializeKerasWeights(model, 42);
 */
export function initializeKerasWeights(model: tf.LayersModel, seed: number): void {
  if (!Number.isInteger(seed)) throw new TypeError(`expected an integer seed, got ${seed}`);
  const weights = model.weights;
  // units of the LSTM cells, keyed by the weight-name prefix they share
  const lstmUnitsByPrefix = new Map<string, number>();
  for (const w of weights) {
    const { prefix, leaf } = splitName(w.originalName);
    if (leaf === "recurrent_kernel" && w.shape.length === 2 && w.shape[1] === 4 * (w.shape[0] as number)) {
      lstmUnitsByPrefix.set(prefix, w.shape[0] as number);
    }
  }
  const values: tf.Tensor[] = [];
  weights.forEach((w, index) => {
    const random = createRandom(deriveSeed(seed, "weight", index));
    const size = w.shape.reduce((a, b) => (a as number) * (b as number), 1) as number;
    const data = new Float32Array(size);
    const { prefix, leaf } = splitName(w.originalName);
    if (leaf === "embeddings") {
      for (let i = 0; i < size; i++) data[i] = -0.05 + 0.1 * random.next();
    } else if (leaf === "recurrent_kernel" && w.shape.length === 2) {
      data.set(orthogonalMatrix(w.shape[0] as number, w.shape[1] as number, random));
    } else if (leaf === "kernel" && w.shape.length >= 2) {
      const fanOut = w.shape[w.shape.length - 1] as number;
      const fanIn = size / fanOut;
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < size; i++) data[i] = limit * (2 * random.next() - 1);
    } else if (leaf === "bias") {
      const units = lstmUnitsByPrefix.get(prefix);
      if (units !== undefined && size === 4 * units) data.fill(1, units, 2 * units);
    } else {
      // Unknown weight kind: keep what the layer drew.
      return;
    }
    values.push(tf.tensor(data, w.shape as number[]));
    w.write(values[values.length - 1] as tf.Tensor);
  });
  tf.dispose(values);
}

function splitName(name: string): { prefix: string; leaf: string } {
  // tfjs appends a uniquifying suffix like "_1" only to layer names, not to
  // the leaf, but strip a trailing "_<n>" from the leaf to be safe.
  const cut = name.lastIndexOf("/");
  const prefix = cut < 0 ? "" : name.slice(0, cut);
  const leaf = (cut < 0 ? name : name.slice(cut + 1)).replace(/_\d+$/, "");
  return { prefix, leaf };
}
