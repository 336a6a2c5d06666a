import type { NamedAttrMap } from "@tensorflow/tfjs";
import { activateRange, activationCode, derivativeFromOutput, flush } from "./recurrent-activation";
import type { FusedKernelSpec } from "./fused-kernel";
import { checkTime, expectShape, intAttr, shapeOf } from "./fused-kernel";

/** Kernel name of the GRU step's update/reset gates, forward. */
export const GRU_GATES = "RecurrentGruGates";
/** Kernel name of the GRU step's candidate and new state, forward. */
export const GRU_STATE = "RecurrentGruState";
/** Kernel name of the first half of the GRU step's backward pass. */
export const GRU_STATE_GRAD = "RecurrentGruStateGrad";
/** Kernel name of the second half of the GRU step's backward pass. */
export const GRU_GATES_GRAD = "RecurrentGruGatesGrad";

type Shapes = Readonly<Record<string, readonly number[] | undefined>>;

/**
 * GRU (`tf.layers.gru`, `resetAfter: false`, gate layout z, r, h), first part of a time step:
 * z = σ(xw_z + hu_z), r = σ(xw_r + hu_r), and r ⊙ h_{t−1}, which the candidate's matrix product needs.
 *
 * Inputs: `xw` `[batch, time, 3·units]` (x·kernel + bias), `hu` `[batch, 2·units]` (h_{t−1}·recurrentKernel[:, :2·units]),
 * `hPrev` `[batch, units]`. Attributes: `t`, `recurrentActivation`.
 * Outputs: `zr` `[batch, 2·units]` (activated z, r), `rh` `[batch, units]`.
 */
export const gruGatesSpec: FusedKernelSpec = {
  name: GRU_GATES,
  required: ["xw", "hu", "hPrev"],
  optional: [],
  outputShapes(shapes: Shapes, attrs: NamedAttrMap) {
    const [batch, , g3] = shapeOf(GRU_GATES, shapes, "xw", 3) as [number, number, number];
    const units = g3 / 3;
    expectShape(GRU_GATES, "hu", shapes.hu, [batch, 2 * units]);
    expectShape(GRU_GATES, "hPrev", shapes.hPrev, [batch, units]);
    checkTime(GRU_GATES, shapes, "xw", batch, intAttr(GRU_GATES, attrs, "t"));
    activationCode(attrs.recurrentActivation);
    return [
      [batch, 2 * units],
      [batch, units],
    ];
  },
  simd(kernels, inputs, outputs, shapes, attrs) {
    const [batch, time, g3] = shapes.xw as [number, number, number];
    const [zr, rh] = outputs as [number, number];
    kernels.gruGates(inputs.xw!, inputs.hu!, inputs.hPrev!, zr, rh, batch, time, g3 / 3, attrs.t as number, activationCode(attrs.recurrentActivation));
  },
  compute(inputs, outputs, shapes, attrs) {
    const [batch, time, g3] = shapes.xw as [number, number, number];
    const units = g3 / 3;
    const xw = inputs.xw!;
    const hu = inputs.hu!;
    const hPrev = inputs.hPrev!;
    const [zr, rh] = outputs as [Float32Array, Float32Array];
    const t = attrs.t as number;
    const rec = activationCode(attrs.recurrentActivation);
    for (let b = 0; b < batch; b++) {
      const xo = (b * time + t) * g3;
      const zo = b * 2 * units;
      const so = b * units;
      for (let k = 0; k < 2 * units; k++) zr[zo + k] = xw[xo + k]! + hu[zo + k]!;
      activateRange(zr, zo, zo + 2 * units, rec);
      for (let j = 0; j < units; j++) rh[so + j] = flush(zr[zo + units + j]! * hPrev[so + j]!);
    }
  },
};

/**
 * GRU, second part of a time step: hh = φ(xw_h + rhu), h_t = z ⊙ h_{t−1} + (1 − z) ⊙ hh.
 *
 * Inputs: `xw` `[batch, time, 3·units]`, `zr` `[batch, 2·units]`, `rhu` `[batch, units]`
 * ((r ⊙ h_{t−1})·recurrentKernel[:, 2·units:]), `hPrev` `[batch, units]`, optional `mask` `[batch, time]`.
 * Attributes: `t`, `activation`. Outputs: `h` `[batch, units]` (copy of `hPrev` on padded rows), `hh` `[batch, units]`.
 */
export const gruStateSpec: FusedKernelSpec = {
  name: GRU_STATE,
  required: ["xw", "zr", "rhu", "hPrev"],
  optional: ["mask"],
  outputShapes(shapes: Shapes, attrs: NamedAttrMap) {
    const [batch, time, g3] = shapeOf(GRU_STATE, shapes, "xw", 3) as [number, number, number];
    const units = g3 / 3;
    expectShape(GRU_STATE, "zr", shapes.zr, [batch, 2 * units]);
    expectShape(GRU_STATE, "rhu", shapes.rhu, [batch, units]);
    expectShape(GRU_STATE, "hPrev", shapes.hPrev, [batch, units]);
    expectShape(GRU_STATE, "mask", shapes.mask, [batch, time]);
    checkTime(GRU_STATE, shapes, "xw", batch, intAttr(GRU_STATE, attrs, "t"));
    activationCode(attrs.activation);
    return [
      [batch, units],
      [batch, units],
    ];
  },
  simd(kernels, inputs, outputs, shapes, attrs) {
    const [batch, time, g3] = shapes.xw as [number, number, number];
    const [h, hh] = outputs as [number, number];
    kernels.gruState(
      inputs.xw!, inputs.zr!, inputs.rhu!, inputs.hPrev!, inputs.mask ?? 0, h, hh,
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
    const [h, hh] = outputs as [Float32Array, Float32Array];
    const t = attrs.t as number;
    const act = activationCode(attrs.activation);
    for (let b = 0; b < batch; b++) {
      const xo = (b * time + t) * g3 + 2 * units;
      const so = b * units;
      for (let j = 0; j < units; j++) hh[so + j] = xw[xo + j]! + rhu[so + j]!;
      activateRange(hh, so, so + units, act);
      if (mask !== null && mask[b * time + t] === 0) {
        for (let j = 0; j < units; j++) h[so + j] = hPrev[so + j]!;
        continue;
      }
      const zo = b * 2 * units;
      for (let j = 0; j < units; j++) {
        const z = zr[zo + j]!;
        h[so + j] = flush(z * hPrev[so + j]! + (1 - z) * hh[so + j]!);
      }
    }
  },
};

/**
 * GRU backward, first part: from the gradient reaching h_t, the gradients of the candidate's and the update
 * gate's pre-activations, and the part of dh_{t−1} that does not go through a matrix product.
 *
 * Inputs: `zr`, `hh`, `hPrev` as saved by the forward step; optional `dhRec`, `dhCarry` `[batch, units]`,
 * `dOut` `[batch, time, units]` (read at index `s`), `mask` `[batch, time]` (read at `t`).
 * Attributes: `t`, `s`, `activation`, `recurrentActivation`.
 * Outputs: `dzh` `[batch, units]`, `dzz` `[batch, units]`, `dhPartial` `[batch, units]` (dh ⊙ z, or all of dh on
 * padded rows).
 */
export const gruStateGradSpec: FusedKernelSpec = {
  name: GRU_STATE_GRAD,
  required: ["zr", "hh", "hPrev"],
  optional: ["dhRec", "dhCarry", "dOut", "mask"],
  outputShapes(shapes: Shapes, attrs: NamedAttrMap) {
    const [batch, g2] = shapeOf(GRU_STATE_GRAD, shapes, "zr", 2) as [number, number];
    const units = g2 / 2;
    for (const key of ["hh", "hPrev", "dhRec", "dhCarry"]) expectShape(GRU_STATE_GRAD, key, shapes[key], [batch, units]);
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
      dzh, dzz, dhPartial, batch, g2 / 2, shapes.dOut?.[1] ?? 0, shapes.mask?.[1] ?? 0, attrs.t as number,
      attrs.s as number, activationCode(attrs.activation), activationCode(attrs.recurrentActivation),
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
        if (dhRec !== null) dh += dhRec[so + j]!;
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
 * GRU backward, second part: the reset gate's pre-activation gradient and the rest of dh_{t−1}.
 *
 * Inputs: `dRh` `[batch, units]` (dzh·recurrentKernel[:, 2·units:]ᵀ), `zr`, `hPrev`, `dzz`, `dhPartial` and optional
 * `mask` `[batch, time]` (read at `t`). Attributes: `t`, `recurrentActivation`.
 * Outputs: `dzr` `[batch, 2·units]` (gradients of the z and r pre-activations), `dhCarryPrev` `[batch, units]`
 * (dhPartial + dRh ⊙ r).
 */
export const gruGatesGradSpec: FusedKernelSpec = {
  name: GRU_GATES_GRAD,
  required: ["dRh", "zr", "hPrev", "dzz", "dhPartial"],
  optional: ["mask"],
  outputShapes(shapes: Shapes, attrs: NamedAttrMap) {
    const [batch, g2] = shapeOf(GRU_GATES_GRAD, shapes, "zr", 2) as [number, number];
    const units = g2 / 2;
    for (const key of ["dRh", "hPrev", "dzz", "dhPartial"]) expectShape(GRU_GATES_GRAD, key, shapes[key], [batch, units]);
    checkTime(GRU_GATES_GRAD, shapes, "mask", batch, intAttr(GRU_GATES_GRAD, attrs, "t"));
    activationCode(attrs.recurrentActivation);
    return [
      [batch, g2],
      [batch, units],
    ];
  },
  simd(kernels, inputs, outputs, shapes, attrs) {
    const [batch, g2] = shapes.zr as [number, number];
    const [dzr, dhCarryPrev] = outputs as [number, number];
    kernels.gruGatesGrad(
      inputs.dRh!, inputs.zr!, inputs.hPrev!, inputs.dzz!, inputs.dhPartial!, inputs.mask ?? 0, dzr, dhCarryPrev,
      batch, g2 / 2, shapes.mask?.[1] ?? 0, attrs.t as number, activationCode(attrs.recurrentActivation),
    );
  },
  compute(inputs, outputs, shapes, attrs) {
    const [batch, g2] = shapes.zr as [number, number];
    const units = g2 / 2;
    const dRh = inputs.dRh!;
    const zr = inputs.zr!;
    const hPrev = inputs.hPrev!;
    const dzz = inputs.dzz!;
    const dhPartial = inputs.dhPartial!;
    const mask = inputs.mask ?? null;
    const maskTime = shapes.mask?.[1] ?? 0;
    const [dzr, dhCarryPrev] = outputs as [Float32Array, Float32Array];
    const t = attrs.t as number;
    const rec = activationCode(attrs.recurrentActivation);
    for (let b = 0; b < batch; b++) {
      const so = b * units;
      const zo = b * g2;
      const valid = mask === null || mask[b * maskTime + t] !== 0;
      for (let j = 0; j < units; j++) {
        if (!valid) {
          dzr[zo + j] = 0;
          dzr[zo + units + j] = 0;
          dhCarryPrev[so + j] = dhPartial[so + j]!;
          continue;
        }
        const r = zr[zo + units + j]!;
        const drh = dRh[so + j]!;
        dzr[zo + j] = dzz[so + j]!;
        dzr[zo + units + j] = flush(drh * hPrev[so + j]! * derivativeFromOutput(r, rec));
        dhCarryPrev[so + j] = flush(dhPartial[so + j]! + drh * r);
      }
    }
  },
};
