import type { KernelConfig } from "@tensorflow/tfjs";
import type { FusedKernelBackend } from "../step/fused-kernel";
import type { SequenceCell } from "./sequence-kernels";
import { sequenceKernelConfigs, variantFlag } from "./sequence-kernels";

/**
 * Kernel name of a whole GRU sequence (gate order z, r, h, as tf.layers and Keras), forward, in both variants of
 * the attribute `resetAfter`:
 *
 * - `resetAfter: 0` (`tf.layers.gru`, Keras's `reset_after=False`): ĥ = φ(x·W_h + b_h + (r ⊙ h_{t−1})·U_h), `bias`
 *   `[3·units]`.
 * - `resetAfter: 1` (Keras 2's default, cuDNN's GRU): ĥ = φ(x·W_h + b_h + r ⊙ (h_{t−1}·U_h + b′_h)), `bias`
 *   `[2, 3·units]` (row 0 the input bias b, row 1 the recurrent bias b′, as Keras stores it).
 *
 * Both: z = σ(x·W_z + b_z + h_{t−1}·U_z (+ b′_z)), r likewise, h_t = z ⊙ h_{t−1} + (1 − z) ⊙ ĥ.
 * Inputs: `x` `[batch, time, inputDim]`, `kernel` `[inputDim, 3·units]`, optional `bias`, `u` (the recurrent kernel)
 * `[units, 3·units]`, `h0` `[batch, units]`, optional `mask` `[batch, time]` (1 = real step, 0 = padding: the state
 * is carried over), optional `recurrentMask` `[batch, units]` (recurrent dropout, as tf.layers applies it: a real
 * step uses h_{t−1} ⊙ recurrentMask in its products, r ⊙ h and the update). Attributes: `activation`,
 * `recurrentActivation`, `resetAfter`, `goBackwards`,
 * `returnSequences`, `forGradient` (each 0/1, absent = 0).
 *
 * Outputs: `[y, hT]` with returnSequences (y `[batch, time, units]` in processing order) or `[hT]` without; with
 * `forGradient` 1, one more: the int32 `[1]` `saved` handle of what {@link GRU_SEQUENCE_GRAD} needs (the gates, the
 * reset gate's operand and the states of every step, kept in the kernels' shared memory until then).
 */
export const GRU_SEQUENCE = "RecurrentGruSequence";

/**
 * Kernel name of the backward pass (BPTT over the whole sequence) of {@link GRU_SEQUENCE}. Inputs: `saved`
 * (released by this call) and the optional incoming gradients `dy` `[batch, time, units]` (by processing step) and
 * `dh` `[batch, units]` (of the final state). Outputs: `[dx, dkernel, du, dbias, dh0]`, shaped as the forward call's
 * x, kernel, u, bias (also when it had none: `[3·units]`, or `[2, 3·units]` with `resetAfter`) and h0.
 */
export const GRU_SEQUENCE_GRAD = "RecurrentGruSequenceGrad";

/**
 * Kernel name of both directions of a bidirectional GRU at once (`tf.layers.bidirectional` over a GRU), forward: the
 * two directions run at the same time, one per thread. Inputs: `x`, optional `mask`, and per direction the inputs of
 * {@link GRU_SEQUENCE} with the suffix `F` (forward) or `B` (backward, processed from the last step): `kernelF`,
 * `uF`, optional `biasF`, `h0F`, and the same with `B`. Attributes as {@link GRU_SEQUENCE} without `goBackwards`
 * (`resetAfter` applies to both). Outputs: the forward direction's `[y, hT]` or `[hT]`, then the backward
 * direction's, then with `forGradient` 1 one `saved` handle for both.
 */
export const BIDIRECTIONAL_GRU_SEQUENCE = "RecurrentBidirectionalGruSequence";

/**
 * Kernel name of the backward pass of {@link BIDIRECTIONAL_GRU_SEQUENCE}. Inputs: `saved`, and the optional
 * `dyF`, `dhF`, `dyB`, `dhB`. Outputs: `dx` (both directions' summed), then per direction `[dkernel, du, dbias, dh0]`.
 */
export const BIDIRECTIONAL_GRU_SEQUENCE_GRAD = "RecurrentBidirectionalGruSequenceGrad";

/**
 * The GRU's whole-sequence kernels: 3 gate blocks, h; the backward pass needs the gates (z, r, ĥ) and aux
 * (r ⊙ h_{t−1} for resetAfter 0, h_{t−1}·U_h + b′_h for resetAfter 1), and scratch for dĥ·U_hᵀ (resetAfter 0) or for
 * the recurrent side's gate gradients (resetAfter 1).
 */
const GRU_CELL: SequenceCell = {
  gates: 3,
  cellState: false,
  gated: true,
  forward: "gruSequenceForward",
  backward: "gruSequenceBackward",
  variant: (attrs, kernel) => variantFlag(attrs, kernel, "resetAfter"),
  biasShape: (units, variant) => (variant === 1 ? [2, 3 * units] : [3 * units]),
  kept: (d) => ({ gates: 3 * d.batch * d.time * d.units, aux: d.batch * d.time * d.units }),
  scratch: (d, variant) => (variant === 1 ? { dZr: 3 * d.batch * d.time * d.units } : { dRh: d.batch * d.units }),
  forwardArgs: (p, d, c) => [
    p.x!, p.w!, p.bias!, p.recurrentBias!, p.u!, p.h0!, p.drop!, p.hd!, p.hd0!, p.mask!, p.xw!, p.y!, p.gates!, p.aux!,
    p.hT!, p.z!, p.bar!, d.batch, d.time, d.inputDim, d.units, c.goBackwards, c.act, c.rec, c.variant,
  ],
  backwardArgs: (p, d, c) => [
    p.x!, p.wT!, p.gates!, p.aux!, p.y!, p.h0!, p.uT!, p.drop!, p.hd!, p.hd0!, p.dy!, p.mask!, p.dh!, p.dhRec!,
    p.dRh ?? 0, p.dz!, p.dZr ?? 0, p.dx!, p.dw!, p.db!, p.du!, p.drb!, p.bar!, d.batch, d.time, d.inputDim, d.units, c.goBackwards, c.act, c.rec, c.variant,
  ],
};

/** Kernel configs of the single and bidirectional whole-sequence GRU kernels and their gradients, for one backend. */
export function gruSequenceConfigs(backendName: FusedKernelBackend): KernelConfig[] {
  return sequenceKernelConfigs(backendName, GRU_CELL, {
    single: GRU_SEQUENCE,
    singleGrad: GRU_SEQUENCE_GRAD,
    bidirectional: BIDIRECTIONAL_GRU_SEQUENCE,
    bidirectionalGrad: BIDIRECTIONAL_GRU_SEQUENCE_GRAD,
  });
}
