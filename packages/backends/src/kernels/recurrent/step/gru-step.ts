import type { NamedAttrMap } from "@tensorflow/tfjs";
import { activateRange, activationCode, derivativeFromOutput, flush } from "./recurrent-activation";
import type { FusedKernelSpec } from "./fused-kernel";
import { checkTime, expectShape, flagAttr, intAttr, rejectInput, requireInput, shapeOf } from "./fused-kernel";

/** Kernel name of the GRU step's update/reset gates, forward. */
export const GRU_GATES = "RecurrentGruGates";
/** Kernel name of the GRU step's candidate and new state, forward. */
export const GRU_STATE = "RecurrentGruState";
/** Kernel name of the first half of the GRU step's backward pass. */
export const GRU_STATE_GRAD = "RecurrentGruStateGrad";
/** Kernel name of the second half of the GRU step's backward pass. */
export const GRU_GATES_GRAD = "RecurrentGruGatesGrad";

type Shapes = Readonly<Record<string, readonly number[] | undefined>>;

const BEFORE = "resetAfter 0";
const AFTER = "resetAfter 1";

/**
 * GRU (gate layout z, r, h), first part of a time step: the update and reset gates, and the term of the candidate
 * that the reset gate scales. Two variants, chosen by the attribute `resetAfter` (0 when absent):
 *
 * - `resetAfter: 0` (`tf.layers.gru`, Keras `reset_after=False`): z = σ(xw_z + hu_z), r = σ(xw_r + hu_r), and
 *   `rh` = r ⊙ h_{t−1}, which the candidate's matrix product (r ⊙ h_{t−1})·U_h needs.
 *   Inputs: `xw` `[batch, time, 3·units]` (x·kernel + bias), `hu` `[batch, 2·units]`
 *   (h_{t−1}·recurrentKernel[:, :2·units]), `hPrev` `[batch, units]`.
 * - `resetAfter: 1` (Keras's default, cuDNN's GRU): z = σ(xw_z + hu_z + b′_z), r = σ(xw_r + hu_r + b′_r), and
 *   `rhu` = r ⊙ (hu_h + b′_h), the candidate's whole recurrent term (one product h_{t−1}·U per step).
 *   Inputs: `xw` `[batch, time, 3·units]` (x·kernel + input bias), `hu` `[batch, 3·units]` (h_{t−1}·recurrentKernel),
 *   optional `recurrentBias` `[3·units]` (b′, row 1 of Keras's `[2, 3·units]` bias).
 *
 * Attributes: `t`, `recurrentActivation`, `resetAfter`.
 * Outputs: `zr` `[batch, 2·units]` (activated z, r) and `rh` / `rhu` `[batch, units]`.
 */
export const gruGatesSpec: FusedKernelSpec = {
  name: GRU_GATES,
  required: ["xw", "hu"],
  optional: ["hPrev", "recurrentBias"],
  outputShapes(shapes: Shapes, attrs: NamedAttrMap) {
    const [batch, , g3] = shapeOf(GRU_GATES, shapes, "xw", 3) as [number, number, number];
    const units = g3 / 3;
    if (flagAttr(GRU_GATES, attrs, "resetAfter")) {
      expectShape(GRU_GATES, "hu", shapes.hu, [batch, 3 * units]);
      expectShape(GRU_GATES, "recurrentBias", shapes.recurrentBias, [3 * units]);
    } else {
      requireInput(GRU_GATES, shapes, "hPrev", BEFORE);
      rejectInput(GRU_GATES, shapes, "recurrentBias", BEFORE);
      expectShape(GRU_GATES, "hu", shapes.hu, [batch, 2 * units]);
      expectShape(GRU_GATES, "hPrev", shapes.hPrev, [batch, units]);
    }
    checkTime(GRU_GATES, shapes, "xw", batch, intAttr(GRU_GATES, attrs, "t"));
    activationCode(attrs.recurrentActivation);
    return [
      [batch, 2 * units],
      [batch, units],
    ];
  },
  simd(kernels, inputs, outputs, shapes, attrs) {
    const [batch, time, g3] = shapes.xw as [number, number, number];
    const [zr, second] = outputs as [number, number];
    kernels.gruGates(
      inputs.xw!, inputs.hu!, inputs.hPrev ?? 0, inputs.recurrentBias ?? 0, zr, second, batch, time, g3 / 3,
      attrs.t as number, activationCode(attrs.recurrentActivation), flagAttr(GRU_GATES, attrs, "resetAfter") ? 1 : 0,
    );
  },
  compute(inputs, outputs, shapes, attrs) {
    const [batch, time, g3] = shapes.xw as [number, number, number];
    const units = g3 / 3;
    const xw = inputs.xw!;
    const hu = inputs.hu!;
    const [zr, second] = outputs as [Float32Array, Float32Array];
    const t = attrs.t as number;
    const rec = activationCode(attrs.recurrentActivation);
    if (flagAttr(GRU_GATES, attrs, "resetAfter")) {
      const rb = inputs.recurrentBias ?? null;
      for (let b = 0; b < batch; b++) {
        const xo = (b * time + t) * g3;
        const ho = b * g3;
        const zo = b * 2 * units;
        const so = b * units;
        for (let k = 0; k < 2 * units; k++) zr[zo + k] = xw[xo + k]! + hu[ho + k]! + (rb === null ? 0 : rb[k]!);
        activateRange(zr, zo, zo + 2 * units, rec);
        for (let j = 0; j < units; j++) {
          const rc = hu[ho + 2 * units + j]! + (rb === null ? 0 : rb[2 * units + j]!);
          second[so + j] = flush(zr[zo + units + j]! * Math.fround(rc));
        }
      }
      return;
    }
    const hPrev = inputs.hPrev!;
    for (let b = 0; b < batch; b++) {
      const xo = (b * time + t) * g3;
      const zo = b * 2 * units;
      const so = b * units;
      for (let k = 0; k < 2 * units; k++) zr[zo + k] = xw[xo + k]! + hu[zo + k]!;
      activateRange(zr, zo, zo + 2 * units, rec);
      for (let j = 0; j < units; j++) second[so + j] = flush(zr[zo + units + j]! * hPrev[so + j]!);
    }
  },
};

/**
 * GRU, second part of a time step (both variants): hh = φ(xw_h + rhu), h_t = z ⊙ h_{t−1} + (1 − z) ⊙ hh.
 *
 * Inputs: `xw` `[batch, time, 3·units]`, `zr` `[batch, 2·units]`, `rhu` `[batch, units]` (`resetAfter: 0`:
 * (r ⊙ h_{t−1})·recurrentKernel[:, 2·units:]; `resetAfter: 1`: the `rhu` output of {@link gruGatesSpec}),
 * `hPrev` `[batch, units]`, optional `mask` `[batch, time]`, optional `recurrentMask` `[batch, units]` (recurrent
 * dropout: the caller passes hPrev undropped, the kernel uses hPrev ⊙ recurrentMask in the update, as tf.layers and
 * Keras 3 do, and returns the dropped new state for the next step's product).
 * Attributes: `t`, `activation`. Outputs: `h` `[batch, units]` (copy of `hPrev` on padded rows), `hh` `[batch, units]`,
 * and with `recurrentMask` `hDropped` = h ⊙ recurrentMask `[batch, units]`.
 */
export const gruStateSpec: FusedKernelSpec = {
  name: GRU_STATE,
  required: ["xw", "zr", "rhu", "hPrev"],
  optional: ["mask", "recurrentMask"],
  outputShapes(shapes: Shapes, attrs: NamedAttrMap) {
    const [batch, time, g3] = shapeOf(GRU_STATE, shapes, "xw", 3) as [number, number, number];
    const units = g3 / 3;
    expectShape(GRU_STATE, "zr", shapes.zr, [batch, 2 * units]);
    expectShape(GRU_STATE, "rhu", shapes.rhu, [batch, units]);
    expectShape(GRU_STATE, "hPrev", shapes.hPrev, [batch, units]);
    expectShape(GRU_STATE, "mask", shapes.mask, [batch, time]);
    expectShape(GRU_STATE, "recurrentMask", shapes.recurrentMask, [batch, units]);
    checkTime(GRU_STATE, shapes, "xw", batch, intAttr(GRU_STATE, attrs, "t"));
    activationCode(attrs.activation);
    const state = [batch, units];
    return shapes.recurrentMask === undefined ? [state, [batch, units]] : [state, [batch, units], [batch, units]];
  },
  simd(kernels, inputs, outputs, shapes, attrs) {
    const [batch, time, g3] = shapes.xw as [number, number, number];
    const [h, hh, hDropped] = outputs as [number, number, number | undefined];
    kernels.gruState(
      inputs.xw!, inputs.zr!, inputs.rhu!, inputs.hPrev!, inputs.mask ?? 0, inputs.recurrentMask ?? 0, h, hh, hDropped ?? 0,
      batch, time, g3 / 3, attrs.t as number, activationCode(attrs.activation),
    );
  },
  compute(inputs, outputs, shapes, attrs) {
    const [batch, time, g3] = shapes.xw as [number, number, number];
    const units = g3 / 3;
    const xw = inputs.xw!;
    const zr = inputs.zr!;
    const rhu = inputs.rhu!;
    const hPrev = inputs.hPrev!;
    const mask = inputs.mask ?? null;
    const drop = inputs.recurrentMask ?? null;
    const [h, hh, hDropped] = outputs as [Float32Array, Float32Array, Float32Array | undefined];
    const t = attrs.t as number;
    const act = activationCode(attrs.activation);
    for (let b = 0; b < batch; b++) {
      const xo = (b * time + t) * g3 + 2 * units;
      const so = b * units;
      for (let j = 0; j < units; j++) hh[so + j] = xw[xo + j]! + rhu[so + j]!;
      activateRange(hh, so, so + units, act);
      if (mask !== null && mask[b * time + t] === 0) {
        for (let j = 0; j < units; j++) h[so + j] = hPrev[so + j]!;
      } else {
        const zo = b * 2 * units;
        for (let j = 0; j < units; j++) {
          const z = zr[zo + j]!;
          const hp = drop === null ? hPrev[so + j]! : Math.fround(hPrev[so + j]! * drop[so + j]!);
          h[so + j] = flush(z * hp + (1 - z) * hh[so + j]!);
        }
      }
      if (hDropped !== undefined && drop !== null) {
        for (let j = 0; j < units; j++) hDropped[so + j] = flush(h[so + j]! * drop[so + j]!);
      }
    }
  },
};

/**
 * GRU backward, first part (both variants): from the gradient reaching h_t, the gradients of the candidate's and
 * the update gate's pre-activations, and the part of dh_{t−1} that does not go through a matrix product.
 *
 * Inputs: `zr`, `hh`, `hPrev` as the forward step used them (with recurrent dropout: h_{t−1} ⊙ recurrentMask);
 * optional `dhRec`, `dhCarry` `[batch, units]`, `dOut` `[batch, time, units]` (read at index `s`), `mask`
 * `[batch, time]` (read at `t`), `recurrentMask` `[batch, units]` (multiplies `dhRec`, which is the gradient of the
 * dropped state the next step's product read).
 * Attributes: `t`, `s`, `activation`, `recurrentActivation`.
 * Outputs: `dzh` `[batch, units]`, `dzz` `[batch, units]`, `dhPartial` `[batch, units]` (dh ⊙ z, or all of dh on
 * padded rows).
 */
export const gruStateGradSpec: FusedKernelSpec = {
  name: GRU_STATE_GRAD,
  required: ["zr", "hh", "hPrev"],
  optional: ["dhRec", "dhCarry", "dOut", "mask", "recurrentMask"],
  outputShapes(shapes: Shapes, attrs: NamedAttrMap) {
    const [batch, g2] = shapeOf(GRU_STATE_GRAD, shapes, "zr", 2) as [number, number];
    const units = g2 / 2;
    for (const key of ["hh", "hPrev", "dhRec", "dhCarry", "recurrentMask"]) expectShape(GRU_STATE_GRAD, key, shapes[key], [batch, units]);
    checkTime(GRU_STATE_GRAD, shapes, "dOut", batch, intAttr(GRU_STATE_GRAD, attrs, "s"));
    if (shapes.dOut !== undefined) expectShape(GRU_STATE_GRAD, "dOut", shapes.dOut, [batch, shapes.dOut[1] ?? 0, units]);
    checkTime(GRU_STATE_GRAD, shapes, "mask", batch, intAttr(GRU_STATE_GRAD, attrs, "t"));
    activationCode(attrs.activation);
    activationCode(attrs.recurrentActivation);
    return [
      [batch, units],
      [batch, units],
      [batch, units],
    ];
  },
  simd(kernels, inputs, outputs, shapes, attrs) {
    const [batch, g2] = shapes.zr as [number, number];
    const [dzh, dzz, dhPartial] = outputs as [number, number, number];
    kernels.gruStateGrad(
      inputs.zr!, inputs.hh!, inputs.hPrev!, inputs.dhRec ?? 0, inputs.dhCarry ?? 0, inputs.dOut ?? 0, inputs.mask ?? 0,
      inputs.recurrentMask ?? 0, dzh, dzz, dhPartial, batch, g2 / 2, shapes.dOut?.[1] ?? 0, shapes.mask?.[1] ?? 0,
      attrs.t as number, attrs.s as number, activationCode(attrs.activation), activationCode(attrs.recurrentActivation),
    );
  },
  compute(inputs, outputs, shapes, attrs) {
    const [batch, g2] = shapes.zr as [number, number];
    const units = g2 / 2;
    const zr = inputs.zr!;
    const hh = inputs.hh!;
    const hPrev = inputs.hPrev!;
    const dhRec = inputs.dhRec ?? null;
    const dhCarry = inputs.dhCarry ?? null;
    const dOut = inputs.dOut ?? null;
    const mask = inputs.mask ?? null;
    const drop = inputs.recurrentMask ?? null;
    const outTime = shapes.dOut?.[1] ?? 0;
    const maskTime = shapes.mask?.[1] ?? 0;
    const [dzh, dzz, dhPartial] = outputs as [Float32Array, Float32Array, Float32Array];
    const t = attrs.t as number;
    const s = attrs.s as number;
    const act = activationCode(attrs.activation);
    const rec = activationCode(attrs.recurrentActivation);
    for (let b = 0; b < batch; b++) {
      const so = b * units;
      const zo = b * g2;
      const oo = (b * outTime + s) * units;
      const valid = mask === null || mask[b * maskTime + t] !== 0;
      for (let j = 0; j < units; j++) {
        let dh = 0;
        if (dhRec !== null) dh += drop === null ? dhRec[so + j]! : dhRec[so + j]! * drop[so + j]!;
        if (dhCarry !== null) dh += dhCarry[so + j]!;
        if (dOut !== null) dh += dOut[oo + j]!;
        if (!valid) {
          dzh[so + j] = 0;
          dzz[so + j] = 0;
          dhPartial[so + j] = dh;
          continue;
        }
        const z = zr[zo + j]!;
        const cand = hh[so + j]!;
        dzh[so + j] = flush(dh * (1 - z) * derivativeFromOutput(cand, act));
        dzz[so + j] = flush(dh * (hPrev[so + j]! - cand) * derivativeFromOutput(z, rec));
        dhPartial[so + j] = flush(dh * z);
      }
    }
  },
};

/**
 * GRU backward, second part: the reset gate's pre-activation gradient and the rest of dh_{t−1}. Variants as
 * {@link gruGatesSpec}:
 *
 * - `resetAfter: 0`: inputs `dRh` `[batch, units]` (dzh·recurrentKernel[:, 2·units:]ᵀ), `zr`, `hPrev` (as the
 *   forward step used it), `dzz`, `dhPartial`. Outputs `dzr` `[batch, 2·units]` (gradients of the z and r
 *   pre-activations) and `dhCarryPrev` `[batch, units]` (dhPartial + dRh ⊙ r).
 * - `resetAfter: 1`: inputs `dzh` `[batch, units]` (from {@link gruStateGradSpec}), `zr`, `hu` `[batch, 3·units]`
 *   and optional `recurrentBias` `[3·units]` (as the forward step had them), `dzz`, `dhPartial`. Outputs `dzr`
 *   `[batch, 3·units]`, the gradients of the recurrent pre-activations hu + b′ (z, r, and dzh ⊙ r for the candidate
 *   block; the input side's are the same for z and r, and dzh for the candidate), and `dhCarryPrev` = dhPartial.
 *
 * Both take optional `mask` `[batch, time]` (read at `t`; padded rows: dzr 0, dhCarryPrev = dhPartial) and
 * `recurrentMask` `[batch, units]` (recurrent dropout: dhCarryPrev of real rows is multiplied by it).
 * Attributes: `t`, `recurrentActivation`, `resetAfter`.
 */
export const gruGatesGradSpec: FusedKernelSpec = {
  name: GRU_GATES_GRAD,
  required: ["zr", "dzz", "dhPartial"],
  optional: ["dRh", "hPrev", "dzh", "hu", "recurrentBias", "mask", "recurrentMask"],
  outputShapes(shapes: Shapes, attrs: NamedAttrMap) {
    const [batch, g2] = shapeOf(GRU_GATES_GRAD, shapes, "zr", 2) as [number, number];
    const units = g2 / 2;
    const after = flagAttr(GRU_GATES_GRAD, attrs, "resetAfter");
    if (after) {
      for (const key of ["dzh", "hu"]) requireInput(GRU_GATES_GRAD, shapes, key, AFTER);
      for (const key of ["dRh", "hPrev"]) rejectInput(GRU_GATES_GRAD, shapes, key, AFTER);
      expectShape(GRU_GATES_GRAD, "hu", shapes.hu, [batch, 3 * units]);
      expectShape(GRU_GATES_GRAD, "recurrentBias", shapes.recurrentBias, [3 * units]);
    } else {
      for (const key of ["dRh", "hPrev"]) requireInput(GRU_GATES_GRAD, shapes, key, BEFORE);
      for (const key of ["dzh", "hu", "recurrentBias"]) rejectInput(GRU_GATES_GRAD, shapes, key, BEFORE);
    }
    for (const key of ["dRh", "hPrev", "dzh", "dzz", "dhPartial", "recurrentMask"]) {
      expectShape(GRU_GATES_GRAD, key, shapes[key], [batch, units]);
    }
    checkTime(GRU_GATES_GRAD, shapes, "mask", batch, intAttr(GRU_GATES_GRAD, attrs, "t"));
    activationCode(attrs.recurrentActivation);
    return [
      [batch, after ? 3 * units : g2],
      [batch, units],
    ];
  },
  simd(kernels, inputs, outputs, shapes, attrs) {
    const [batch, g2] = shapes.zr as [number, number];
    const [dzr, dhCarryPrev] = outputs as [number, number];
    const after = flagAttr(GRU_GATES_GRAD, attrs, "resetAfter");
    kernels.gruGatesGrad(
      after ? inputs.dzh! : inputs.dRh!, inputs.zr!, after ? inputs.hu! : inputs.hPrev!, inputs.recurrentBias ?? 0,
      inputs.dzz!, inputs.dhPartial!, inputs.mask ?? 0, inputs.recurrentMask ?? 0, dzr, dhCarryPrev,
      batch, g2 / 2, shapes.mask?.[1] ?? 0, attrs.t as number, activationCode(attrs.recurrentActivation), after ? 1 : 0,
    );
  },
  compute(inputs, outputs, shapes, attrs) {
    const [batch, g2] = shapes.zr as [number, number];
    const units = g2 / 2;
    const zr = inputs.zr!;
    const dzz = inputs.dzz!;
    const dhPartial = inputs.dhPartial!;
    const mask = inputs.mask ?? null;
    const drop = inputs.recurrentMask ?? null;
    const maskTime = shapes.mask?.[1] ?? 0;
    const [dzr, dhCarryPrev] = outputs as [Float32Array, Float32Array];
    const t = attrs.t as number;
    const rec = activationCode(attrs.recurrentActivation);
    const after = flagAttr(GRU_GATES_GRAD, attrs, "resetAfter");
    const width = after ? 3 * units : g2;
    const rb = inputs.recurrentBias ?? null;
    for (let b = 0; b < batch; b++) {
      const so = b * units;
      const zo = b * g2;
      const dO = b * width;
      const valid = mask === null || mask[b * maskTime + t] !== 0;
      for (let j = 0; j < units; j++) {
        if (!valid) {
          dzr[dO + j] = 0;
          dzr[dO + units + j] = 0;
          if (after) dzr[dO + 2 * units + j] = 0;
          dhCarryPrev[so + j] = dhPartial[so + j]!;
          continue;
        }
        const r = zr[zo + units + j]!;
        const m = drop === null ? 1 : drop[so + j]!;
        dzr[dO + j] = dzz[so + j]!;
        if (after) {
          const hu = inputs.hu!;
          const dzh = inputs.dzh![so + j]!;
          const rc = Math.fround(hu[b * 3 * units + 2 * units + j]! + (rb === null ? 0 : rb[2 * units + j]!));
          dzr[dO + units + j] = flush(dzh * rc * derivativeFromOutput(r, rec));
          dzr[dO + 2 * units + j] = flush(dzh * r);
          dhCarryPrev[so + j] = flush(dhPartial[so + j]! * m);
        } else {
          const drh = inputs.dRh![so + j]!;
          dzr[dO + units + j] = flush(drh * inputs.hPrev![so + j]! * derivativeFromOutput(r, rec));
          dhCarryPrev[so + j] = flush((dhPartial[so + j]! + drh * r) * m);
        }
      }
    }
  },
};
