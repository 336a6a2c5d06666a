import type { KernelConfig } from "@tensorflow/tfjs";
import type { FusedKernelBackend } from "../step/fused-kernel";
import type { SequenceCell } from "./sequence-kernels";
import { sequenceKernelConfigs } from "./sequence-kernels";

/**
 * Kernel name of a whole SimpleRNN sequence (`tf.layers.simpleRNN`: h_t = φ(x_t·W + b + h_{t−1}·U)), forward.
 *
 * Inputs: `x` `[batch, time, inputDim]`, `kernel` `[inputDim, units]`, optional `bias` `[units]`, `u` (the recurrent
 * kernel) `[units, units]`, `h0` `[batch, units]`, optional `mask` `[batch, time]` (1 = real step, 0 = padding: the
 * state is carried over), optional `recurrentMask` `[batch, units]` (recurrent dropout: the product takes
 * h_{t−1} ⊙ recurrentMask). Attributes: `activation`, `goBackwards`, `returnSequences`, `forGradient` (0/1).
 * Outputs: `[y, hT]` with returnSequences (y `[batch, time, units]` in processing order) or `[hT]` without; with
 * `forGradient` 1, one more: the int32 `[1]` `saved` handle of what {@link SIMPLE_RNN_SEQUENCE_GRAD} needs (the
 * states of every step, kept in the kernels' shared memory until then).
 */
export const SIMPLE_RNN_SEQUENCE = "RecurrentSimpleRnnSequence";

/**
 * Kernel name of the backward pass (BPTT over the whole sequence) of {@link SIMPLE_RNN_SEQUENCE}. Inputs: `saved`
 * (released by this call) and the optional `dy` `[batch, time, units]` (by processing step) and `dh`
 * `[batch, units]`. Outputs: `[dx, dkernel, du, dbias, dh0]` (dbias `[units]` also when the call had no bias).
 */
export const SIMPLE_RNN_SEQUENCE_GRAD = "RecurrentSimpleRnnSequenceGrad";

/**
 * Kernel name of both directions of a bidirectional SimpleRNN at once, forward, one direction per thread. Inputs:
 * `x`, optional `mask`, and per direction `kernelF`, `uF`, optional `biasF`, `h0F` and the same with `B` (processed
 * from the last step). Attributes as {@link SIMPLE_RNN_SEQUENCE} without `goBackwards`. Outputs: the forward
 * direction's `[y, hT]` or `[hT]`, then the backward direction's, then with `forGradient` 1 one `saved` handle.
 */
export const BIDIRECTIONAL_SIMPLE_RNN_SEQUENCE = "RecurrentBidirectionalSimpleRnnSequence";

/**
 * Kernel name of the backward pass of {@link BIDIRECTIONAL_SIMPLE_RNN_SEQUENCE}. Inputs: `saved`, and the optional
 * `dyF`, `dhF`, `dyB`, `dhB`. Outputs: `dx` (both directions' summed), then per direction `[dkernel, du, dbias, dh0]`.
 */
export const BIDIRECTIONAL_SIMPLE_RNN_SEQUENCE_GRAD = "RecurrentBidirectionalSimpleRnnSequenceGrad";

/** The SimpleRNN's whole-sequence kernels: 1 gate block, h; the backward pass needs the states alone. */
const SIMPLE_RNN_CELL: SequenceCell = {
  gates: 1,
  cellState: false,
  gated: false,
  forward: "simpleRnnSequenceForward",
  backward: "simpleRnnSequenceBackward",
  variant: () => 0,
  biasShape: (units) => [units],
  kept: () => ({}),
  scratch: () => ({}),
  forwardArgs: (p, d, c) => [
    p.x!, p.w!, p.bias!, p.u!, p.h0!, p.drop!, p.hd!, p.hd0!, p.mask!, p.xw!, p.y!, p.hT!, p.z!, p.bar!,
    d.batch, d.time, d.inputDim, d.units, c.goBackwards, c.act,
  ],
  backwardArgs: (p, d, c) => [
    p.x!, p.wT!, p.y!, p.h0!, p.uT!, p.drop!, p.hd!, p.hd0!, p.dy!, p.mask!, p.dh!, p.dhRec!, p.dz!, p.dx!, p.dw!, p.db!, p.du!, p.bar!,
    d.batch, d.time, d.inputDim, d.units, c.goBackwards, c.act,
  ],
};

/** Kernel configs of the single and bidirectional whole-sequence SimpleRNN kernels and their gradients, for one backend. */
export function simpleRnnSequenceConfigs(backendName: FusedKernelBackend): KernelConfig[] {
  return sequenceKernelConfigs(backendName, SIMPLE_RNN_CELL, {
    single: SIMPLE_RNN_SEQUENCE,
    singleGrad: SIMPLE_RNN_SEQUENCE_GRAD,
    bidirectional: BIDIRECTIONAL_SIMPLE_RNN_SEQUENCE,
    bidirectionalGrad: BIDIRECTIONAL_SIMPLE_RNN_SEQUENCE_GRAD,
  });
}
