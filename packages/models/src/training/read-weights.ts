import * as tf from "@tensorflow/tfjs";
import { ModelsError } from "../models-error";
import type { NamedArray } from "./training-checkpoint";

/** @internal the model's weights (trainable or not), in `model.weights` order, copied out. */
export function readWeights(model: tf.LayersModel): NamedArray[] {
  return model.weights.map((w) => {
    const t = w.read();
    return { name: w.originalName, shape: [...t.shape], data: t.dataSync().slice() as Float32Array };
  });
}

/**
 * @internal writes arrays read by {@link readWeights} back into the model.
 * @throws {ModelsError} `CHECKPOINT_MISMATCH` when their number or shapes differ from the model's (`what` names
 *   their source in the message).
 */
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

/** @internal the optimizer's state (`getWeights`: iterations, then its variables), copied out. */
export async function readOptimizerWeights(optimizer: tf.Optimizer): Promise<NamedArray[]> {
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

/** @internal puts state read by {@link readOptimizerWeights} into an optimizer. */
export async function restoreOptimizerWeights(optimizer: tf.Optimizer, arrays: NamedArray[]): Promise<void> {
  if (arrays.length === 0) return;
  const named = arrays.map((a) => ({ name: a.name, tensor: tf.tensor(a.data, a.shape) }));
  await optimizer.setWeights(named);
  tf.dispose(named.map((n) => n.tensor));
}
