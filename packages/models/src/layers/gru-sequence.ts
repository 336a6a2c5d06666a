import type * as tf from "@tensorflow/tfjs";
import { gruSteps } from "./gru-steps";
import type { SequenceOptions, SequenceWeights } from "./recurrent-sequence";
import { wholeSequence, wholeSequenceAvailable } from "./whole-sequence";

/**
 * Runs a GRU (gate order z, r, h) over a whole sequence, in both variants: `options.resetAfter` false (tf.layers,
 * bias `[3·units]`) or true (Keras's default, bias `[2, 3·units]`). Where the whole-sequence kernels of
 * `@recurrent/backends` serve the active backend, forward and backward are one kernel call each, run by worker
 * threads together with this one (see {@link wholeSequence}), with or without recurrent dropout
 * (`options.recurrentDropoutMask`); otherwise the per-step kernels ({@link gruSteps}).
 *
 * @param x `[batch, time, inputDim]`, float32, time ≥ 1.
 * @param initialState `[h0]` `[batch, units]`, or null for zeros.
 * @param mask `[batch, time]` float32 (1 = real step, 0 = padding) or null.
 * @returns `[output]` or, with `withStates`, `[output, hT]`.
 */
export function gruSequence(
  x: tf.Tensor3D,
  weights: SequenceWeights,
  initialState: readonly tf.Tensor[] | null,
  mask: tf.Tensor2D | null,
  options: SequenceOptions,
  withStates: boolean,
): tf.Tensor[] {
  if (wholeSequenceAvailable("gru")) {
    return wholeSequence("gru", x, weights, initialState, mask, options, withStates);
  }
  return gruSteps(x, weights, initialState, mask, options, withStates);
}
