import * as tf from "@tensorflow/tfjs";

/**
 * `tf.customGrad` functions return one tensor; a layer that also returns its final states packs them with its
 * output into one flat tensor and unpacks them after the call (the slices carry the gradient back).
 */
export function packOutputs(tensors: readonly tf.Tensor[]): tf.Tensor1D {
  return tf.concat(tensors.map((t) => tf.reshape(t, [-1])));
}

/** Splits a packed tensor back into tensors of the given shapes. */
export function unpackOutputs(packed: tf.Tensor, shapes: readonly (readonly number[])[]): tf.Tensor[] {
  const sizes = shapes.map((shape) => shape.reduce((a, b) => a * b, 1));
  const parts = tf.split(tf.reshape(packed, [-1]), sizes);
  return parts.map((part, i) => tf.reshape(part, shapes[i] as number[]));
}

/** Same as {@link unpackOutputs}, for the gradient of a packed value. */
export function unpackGradient(dy: tf.Tensor, shapes: readonly (readonly number[])[]): tf.Tensor[] {
  return unpackOutputs(dy, shapes);
}
