import type { KernelConfig } from "@tensorflow/tfjs";
import type { FusedKernelBackend } from "../step/fused-kernel";
import type { SequenceExports } from "../../../wasm/sequence-module";
import { MAX_WORKERS } from "./sequence-protocol";
import type { SequenceCell } from "./sequence-kernels";
import { sequenceKernelConfigs, sequenceKernelsAvailable } from "./sequence-kernels";

/**
 * Kernel name of a whole LSTM sequence (`tf.layers.lstm` semantics, gate order i, f, c, o), forward.
 *
 * Inputs: `x` `[batch, time, inputDim]`, `kernel` `[inputDim, 4·units]`, optional `bias` `[4·units]`, `u` (the
 * recurrent kernel) `[units, 4·units]`, `h0`, `c0` `[batch, units]`, optional `mask` `[batch, time]` (1 = real
 * step, 0 = padding: the state is carried over), optional `recurrentMask` `[batch, units]` (recurrent dropout, as
 * tf.layers applies it: the recurrent product of every step takes h ⊙ recurrentMask). The input projections
 * x·kernel + bias are computed inside, by the threads that use them. Attributes:
 * `activation`, `recurrentActivation`, `goBackwards` (0/1), `returnSequences` (0/1), `forGradient` (0/1).
 *
 * Outputs: `[y, hT, cT]` with returnSequences (y `[batch, time, units]` in processing order, as tf.layers orders
 * a goBackwards output) or `[hT, cT]` without. With `forGradient` 1, one more output: `saved`, an int32 `[1]`
 * handle to what {@link LSTM_SEQUENCE_GRAD} needs (the inputs, gates, cell and hidden states of every step),
 * which stay in the kernels' shared memory until that backward call: no copies out and back in.
 */
export const LSTM_SEQUENCE = "RecurrentLstmSequence";

/**
 * Kernel name of the backward pass (BPTT over the whole sequence) of {@link LSTM_SEQUENCE}.
 *
 * Inputs: `saved` (the handle output by the forward call with `forGradient` 1; released by this call) and the
 * incoming gradients, each optional: `dy` `[batch, time, units]` (of the output sequence, by processing step),
 * `dh`, `dc` `[batch, units]` (of the final state). Outputs: `[dx, dkernel, du, dbias, dh0, dc0]`, shaped as the
 * forward call's x, kernel, u, bias (`[4·units]`, also when it had no bias), h0 and c0. A handle can be used
 * once; when more than 64 forward calls wait for their backward call, the oldest handle is released.
 */
export const LSTM_SEQUENCE_GRAD = "RecurrentLstmSequenceGrad";

/**
 * Kernel name of both directions of a bidirectional LSTM at once (`tf.layers.bidirectional` over
 * `tf.layers.lstm`), forward: the two directions run at the same time, one per thread, without meeting.
 *
 * Inputs: `x`, optional `mask` (shared), and per direction the inputs of {@link LSTM_SEQUENCE} with the suffix
 * `F` (forward, processed from the first step) or `B` (backward, processed from the last step): `kernelF`, `uF`,
 * optional `biasF`, `h0F`, `c0F`, `kernelB`, `uB`, optional `biasB`, `h0B`, `c0B`, optional `recurrentMaskF`,
 * `recurrentMaskB` (both or neither). Attributes as
 * {@link LSTM_SEQUENCE} without `goBackwards`. Outputs: the forward direction's outputs, then the backward
 * direction's (each `[y, hT, cT]` or `[hT, cT]`; the backward y in processing order), then with `forGradient` 1
 * one `saved` handle for both.
 */
export const BIDIRECTIONAL_LSTM_SEQUENCE = "RecurrentBidirectionalLstmSequence";

/**
 * Kernel name of the backward pass of {@link BIDIRECTIONAL_LSTM_SEQUENCE}. Inputs: `saved`, and per direction the
 * optional incoming gradients `dyF`, `dhF`, `dcF`, `dyB`, `dhB`, `dcB`. Outputs: `dx` (both directions' input
 * gradients summed), then per direction `[dkernel, du, dbias, dh0, dc0]`, forward first.
 */
export const BIDIRECTIONAL_LSTM_SEQUENCE_GRAD = "RecurrentBidirectionalLstmSequenceGrad";

/**
 * Floats of the per-thread scratch of the packed products for one lane: one share per thread the pool can have
 * (the pool decides the count when it runs the call, and a lane runs on all of them or on one).
 */
function threadScratchFloats(exports: SequenceExports): number {
  return (MAX_WORKERS + 1) * exports.packScratchFloats();
}

/** The LSTM's whole-sequence kernels: 4 gate blocks, h and c; the backward pass needs the gates and cell states. */
const LSTM_CELL: SequenceCell = {
  gates: 4,
  cellState: true,
  gated: true,
  forward: "lstmSequenceForward",
  backward: "lstmSequenceBackward",
  variant: () => 0,
  biasShape: (units) => [4 * units],
  // the kernels pack w and u into panels themselves (sequence-common.ts), so the backward pass reads them as they came
  keepsWeights: true,
  sharesInputRows: true,
  kept: (d) => ({ cs: d.batch * d.time * d.units, gates: 4 * d.batch * d.time * d.units }),
  forwardScratch: (d, _variant, exports) => ({ pack: exports.lstmForwardPackFloats(d.inputDim, d.units), threads: threadScratchFloats(exports) }),
  scratch: (d, _variant, exports) => ({
    pack: exports.lstmBackwardPackFloats(d.batch, d.time, d.inputDim, d.units),
    threads: threadScratchFloats(exports),
  }),
  forwardArgs: (p, d, c) => [
    p.xRows! !== 0 ? p.xDistinct! : p.x!, p.xRows!, c.distinct, p.w!, p.bias!, p.u!, p.h0!, p.c0!, p.drop!, p.hd!, p.hd0!,
    p.mask!, p.xw!, p.y!, p.cs!, p.gates!, p.hT!, p.cT!, p.z!, p.pack!, p.threads!, p.bar!, d.batch, d.time, d.inputDim,
    d.units, c.goBackwards, c.act, c.rec,
  ],
  backwardArgs: (p, d, c) => [
    p.x!, p.w!, p.gates!, p.cs!, p.y!, p.h0!, p.c0!, p.u!, p.drop!, p.hd!, p.hd0!, p.dy!, p.mask!, p.dh!, p.dc!,
    p.dhRec!, p.dz!, p.dx!, p.dw!, p.db!, p.du!, p.pack!, p.threads!, p.bar!, d.batch, d.time, d.inputDim, d.units, c.goBackwards, c.act, c.rec,
  ],
};

/** Kernel configs of the single and bidirectional whole-sequence LSTM kernels and their gradients, for one backend. */
export function lstmSequenceConfigs(backendName: FusedKernelBackend): KernelConfig[] {
  return sequenceKernelConfigs(backendName, LSTM_CELL, {
    single: LSTM_SEQUENCE,
    singleGrad: LSTM_SEQUENCE_GRAD,
    bidirectional: BIDIRECTIONAL_LSTM_SEQUENCE,
    bidirectionalGrad: BIDIRECTIONAL_LSTM_SEQUENCE_GRAD,
  });
}

/**
 * Whether the fast layers should use the whole-sequence kernels (of every cell: the name is kept from when only the
 * LSTM had them; see {@link sequenceKernelsAvailable}).
 *
 * @example
 * lstmSequenceAvailable() // true in Node 20 with the default settings
 */
export function lstmSequenceAvailable(): boolean {
  return sequenceKernelsAvailable();
}
