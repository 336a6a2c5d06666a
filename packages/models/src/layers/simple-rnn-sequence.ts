import type * as tf from "@tensorflow/tfjs";
import type { SequenceOptions, SequenceWeights } from "./recurrent-sequence";
import { simpleRnnSteps } from "./simple-rnn-steps";
import { wholeSequence, wholeSequenceAvailable } from "./whole-sequence";

/**
 * Runs a SimpleRNN (`tf.layers.simpleRNN`: h_t = φ(x_t·W + h_{t−1}·U + b)) over a whole sequence. Where the
 * whole-sequence kernels of `@recurrent/backends` serve the active backend, forward and backward are one kernel call
 * each, run by worker threads together with this one (see {@link wholeSequence}), with or without recurrent
 * dropout (`options.recurrentDropoutMask`); otherwise the per-step kernels ({@link simpleRnnSteps}).
 *
 * @param x `[batch, time, inputDim]`, float32, time ≥ 1.
 * @param initialState `[h0]` `[batch, units]`, or null for zeros.
 * @param mask `[batch, time]` float32 (1 = real step, 0 = padding) or null.
 * @returns `[output]` or, with `withStates`, `[output, hT]`.
 */
export function simpleRnnSequence(
  x: tf.Tensor3D,
  weights: SequenceWeights,
  initialState: readonly tf.Tensor[] | null,
  mask: tf.Tensor2D | null,
  options: SequenceOptions,
  withStates: boolean,
): tf.Tensor[] {
  if (wholeSequenceAvailable("simple-rnn")) {
    return wholeSequence("simple-rnn", x, weights, initialState, mask, options, withStates);
  }
  return simpleRnnSteps(x, weights, initialState, mask, options, withStates);
}
