import * as tf from "@tensorflow/tfjs";
import type { RecurrentActivation } from "@recurrent/backends";
import type { CellKind } from "@recurrent/rnn-cells";

/** Options shared by the fused sequence functions. */
export interface SequenceOptions {
  /** Number of units (hidden size). */
  units: number;
  /** Activation of the candidate / state (tf.layers `activation`). */
  activation: RecurrentActivation;
  /** Activation of the gates (tf.layers `recurrentActivation`; unused by SimpleRNN). */
  recurrentActivation: RecurrentActivation;
  /** Process the sequence from the last time step to the first; outputs come in processing order (Keras). */
  goBackwards: boolean;
  /** Return the output of every time step `[batch, time, units]` instead of the last `[batch, units]`. */
  returnSequences: boolean;
  /**
   * GRU only: Keras's `reset_after=True` (the reset gate scales h·U_h + b′_h; bias `[2, 3·units]`, row 0 the input
   * bias, row 1 the recurrent bias). Absent or false: tf.layers' GRU.
   */
  resetAfter?: boolean;
  /**
   * Recurrent dropout (training only): a mask `[batch, units]` of 0 and 1 / (1 − rate), drawn once per call and
   * applied to h_{t−1} before the recurrent product at every step (one mask for all gate blocks, as tf.layers). Only
   * the per-step functions of this package take it; null or absent: no recurrent dropout.
   */
  recurrentDropoutMask?: tf.Tensor2D | null;
}

/** Tensors a recurrent sequence function works on. */
export interface SequenceWeights {
  /** `[inputDim, gates·units]` */
  kernel: tf.Tensor2D;
  /** `[units, gates·units]` */
  recurrentKernel: tf.Tensor2D;
  /**
   * `[gates·units]`, or null when the layer has no bias; for a GRU with `resetAfter`, `[2, 3·units]` (input bias,
   * recurrent bias).
   */
  bias: tf.Tensor1D | tf.Tensor2D | null;
}

/** Number of gate blocks in the kernel of each cell type. */
export const GATES: Readonly<Record<CellKind, number>> = { lstm: 4, gru: 3, "simple-rnn": 1 };

/** Number of state tensors of each cell type (LSTM: h and c). */
export const STATE_COUNT: Readonly<Record<CellKind, number>> = { lstm: 2, gru: 1, "simple-rnn": 1 };

/**
 * Whether tfjs is recording operations for a gradient right now. Outside of a gradient computation (inference)
 * the sequence functions free per-step tensors as they go instead of keeping them for the backward pass.
 */
export function isRecordingGradients(): boolean {
  const engine = tf.engine() as unknown as { isTapeOn?: () => boolean };
  return typeof engine.isTapeOn === "function" ? engine.isTapeOn() : true;
}

/**
 * a·b for 2-D tensors through the BatchMatMul kernel directly (what `tf.matMul` ends in, minus its argument
 * conversion, which costs a few µs per call: noticeable when called twice per time step).
 */
export function plainMatMul(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.engine().runKernel("BatchMatMul", { a, b }, { transposeA: false, transposeB: false }) as tf.Tensor;
}

/** Runs a fused kernel and returns its outputs. */
export function runFused(
  name: string,
  inputs: Record<string, tf.Tensor | null | undefined>,
  attrs: Record<string, number | string>,
): tf.Tensor[] {
  const named: tf.NamedTensorMap = {};
  for (const [key, value] of Object.entries(inputs)) {
    if (value !== null && value !== undefined) named[key] = value;
  }
  const out = tf.engine().runKernel(name, named, attrs as unknown as tf.NamedAttrMap);
  return Array.isArray(out) ? out : [out];
}

/**
 * x·kernel + bias for every time step in one matrix product.
 *
 * @param x `[batch, time, inputDim]`
 * @returns `[batch, time, gates·units]`
 */
export function inputProjection(x: tf.Tensor3D, kernel: tf.Tensor2D, bias: tf.Tensor1D | null): tf.Tensor3D {
  const [batch, time, inputDim] = x.shape;
  const cols = kernel.shape[1];
  const x2 = tf.reshape(x, [batch * time, inputDim]);
  const projected = bias === null ? tf.matMul(x2, kernel) : tf.add(tf.matMul(x2, kernel), bias);
  return tf.reshape(projected, [batch, time, cols]);
}

/**
 * The weight and input gradients of a sequence, from the per-step pre-activation gradients:
 * dW = Xᵀ·dZ, db = Σ dZ, dx = dZ·Wᵀ, each one matrix product over all batch·time rows, with explicit transposes
 * followed by plain products (the wasm backend's transposed products are about 10× slower).
 *
 * @param x `[batch, time, inputDim]`
 * @param dZ `[batch·time, gates·units]`, rows in (batch, time) order
 */
export function inputGradients(
  x: tf.Tensor3D,
  kernel: tf.Tensor2D,
  dZ: tf.Tensor2D,
): { dx: tf.Tensor3D; dKernel: tf.Tensor2D; dBias: tf.Tensor1D } {
  const [batch, time, inputDim] = x.shape;
  const x2 = tf.reshape(x, [batch * time, inputDim]);
  const dKernel = tf.matMul(tf.transpose(x2), dZ) as tf.Tensor2D;
  // Σ over rows as a [1, rows]·dZ product: the wasm backend's column sum transposes dZ first and is ~20× slower.
  const dBias = tf.reshape(tf.matMul(tf.ones([1, batch * time]), dZ), [dZ.shape[1]]) as tf.Tensor1D;
  const dx = tf.reshape(tf.matMul(dZ, tf.transpose(kernel)), [batch, time, inputDim]) as tf.Tensor3D;
  return { dx, dKernel, dBias };
}

/**
 * Stacks per-step tensors `[batch, n]` given in time order into `[batch·time, n]` rows in (batch, time) order.
 */
export function stackRows(steps: tf.Tensor[]): tf.Tensor2D {
  const stacked = tf.stack(steps, 1);
  const [batch, time, n] = stacked.shape as [number, number, number];
  return tf.reshape(stacked, [batch * time, n]);
}

/** Time index of processing step `s` of `time` steps. */
export function timeIndex(s: number, time: number, goBackwards: boolean): number {
  return goBackwards ? time - 1 - s : s;
}
