import type { NamedAttrMap } from "@tensorflow/tfjs";
import { activateRange, activationCode, derivativeFromOutput, flush } from "./recurrent-activation";
import type { FusedKernelSpec } from "./fused-kernel";
import { checkTime, expectShape, intAttr, shapeOf } from "./fused-kernel";

/** Kernel name of one SimpleRNN time step, forward. */
export const SIMPLE_RNN_STEP = "RecurrentSimpleRnnStep";
/** Kernel name of one SimpleRNN time step, backward. */
export const SIMPLE_RNN_STEP_GRAD = "RecurrentSimpleRnnStepGrad";

type Shapes = Readonly<Record<string, readonly number[] | undefined>>;

/**
 * One SimpleRNN time step (`tf.layers.simpleRNN`): h_t = φ(xw_t + h_{t−1}·U).
 *
 * Inputs: `xw` `[batch, time, units]` (x·kernel + bias), `hu` `[batch, units]`, `hPrev` `[batch, units]`, optional
 * `mask` `[batch, time]`, optional `recurrentMask` `[batch, units]` (recurrent dropout: `hu` is computed from
 * h_{t−1} ⊙ recurrentMask). Attributes: `t`, `activation`. Outputs: `h` `[batch, units]` (copy of `hPrev` on padded
 * rows), and with `recurrentMask` `hDropped` = h ⊙ recurrentMask `[batch, units]`.
 */
export const simpleRnnStepSpec: FusedKernelSpec = {
  name: SIMPLE_RNN_STEP,
  required: ["xw", "hu", "hPrev"],
  optional: ["mask", "recurrentMask"],
  outputShapes(shapes: Shapes, attrs: NamedAttrMap) {
    const [batch, time, units] = shapeOf(SIMPLE_RNN_STEP, shapes, "xw", 3) as [number, number, number];
    expectShape(SIMPLE_RNN_STEP, "hu", shapes.hu, [batch, units]);
    expectShape(SIMPLE_RNN_STEP, "hPrev", shapes.hPrev, [batch, units]);
    expectShape(SIMPLE_RNN_STEP, "mask", shapes.mask, [batch, time]);
    expectShape(SIMPLE_RNN_STEP, "recurrentMask", shapes.recurrentMask, [batch, units]);
    const t = intAttr(SIMPLE_RNN_STEP, attrs, "t");
    if (t >= time) throw new RangeError(`${SIMPLE_RNN_STEP}: expected t < ${time}, got ${t}`);
    activationCode(attrs.activation);
    return shapes.recurrentMask === undefined ? [[batch, units]] : [[batch, units], [batch, units]];
  },
  simd(kernels, inputs, outputs, shapes, attrs) {
    const [batch, time, units] = shapes.xw as [number, number, number];
    kernels.simpleForward(
      inputs.xw!, inputs.hu!, inputs.hPrev!, inputs.mask ?? 0, inputs.recurrentMask ?? 0, outputs[0]!, outputs[1] ?? 0,
      batch, time, units, attrs.t as number, activationCode(attrs.activation),
    );
  },
  compute(inputs, outputs, shapes, attrs) {
    const [batch, time, units] = shapes.xw as [number, number, number];
    const xw = inputs.xw!;
    const hu = inputs.hu!;
    const hPrev = inputs.hPrev!;
    const mask = inputs.mask ?? null;
    const drop = inputs.recurrentMask ?? null;
    const h = outputs[0]!;
    const hDropped = outputs[1];
    const t = attrs.t as number;
    const act = activationCode(attrs.activation);
    for (let b = 0; b < batch; b++) {
      const so = b * units;
      if (mask !== null && mask[b * time + t] === 0) {
        for (let j = 0; j < units; j++) h[so + j] = hPrev[so + j]!;
      } else {
        const xo = (b * time + t) * units;
        for (let j = 0; j < units; j++) h[so + j] = xw[xo + j]! + hu[so + j]!;
        activateRange(h, so, so + units, act);
        for (let j = 0; j < units; j++) h[so + j] = flush(h[so + j]!);
      }
      if (drop !== null && hDropped !== undefined) for (let j = 0; j < units; j++) hDropped[so + j] = flush(h[so + j]! * drop[so + j]!);
    }
  },
};

/**
 * Backward pass of one SimpleRNN step. Inputs: `h` `[batch, units]` (the step's output), optional `dhRec`, `dhCarry`
 * `[batch, units]`, `dOut` `[batch, time, units]` (read at `s`), `mask` `[batch, time]` (read at `t`),
 * `recurrentMask` `[batch, units]` (recurrent dropout: multiplies `dhRec`).
 * Attributes: `t`, `s`, `activation`. Outputs: `dz` `[batch, units]`, `dhCarryPrev` `[batch, units]`.
 */
export const simpleRnnStepGradSpec: FusedKernelSpec = {
  name: SIMPLE_RNN_STEP_GRAD,
  required: ["h"],
  optional: ["dhRec", "dhCarry", "dOut", "mask", "recurrentMask"],
  outputShapes(shapes: Shapes, attrs: NamedAttrMap) {
    const [batch, units] = shapeOf(SIMPLE_RNN_STEP_GRAD, shapes, "h", 2) as [number, number];
    for (const key of ["dhRec", "dhCarry", "recurrentMask"]) expectShape(SIMPLE_RNN_STEP_GRAD, key, shapes[key], [batch, units]);
    checkTime(SIMPLE_RNN_STEP_GRAD, shapes, "dOut", batch, intAttr(SIMPLE_RNN_STEP_GRAD, attrs, "s"), [units]);
    checkTime(SIMPLE_RNN_STEP_GRAD, shapes, "mask", batch, intAttr(SIMPLE_RNN_STEP_GRAD, attrs, "t"), []);
    activationCode(attrs.activation);
    return [
      [batch, units],
      [batch, units],
    ];
  },
  simd(kernels, inputs, outputs, shapes, attrs) {
    const [batch, units] = shapes.h as [number, number];
    const [dz, dhCarryPrev] = outputs as [number, number];
    kernels.simpleBackward(
      inputs.h!, inputs.dhRec ?? 0, inputs.dhCarry ?? 0, inputs.dOut ?? 0, inputs.mask ?? 0, inputs.recurrentMask ?? 0, dz, dhCarryPrev,
      batch, units, shapes.dOut?.[1] ?? 0, shapes.mask?.[1] ?? 0, attrs.t as number, attrs.s as number,
      activationCode(attrs.activation),
    );
  },
  compute(inputs, outputs, shapes, attrs) {
    const [batch, units] = shapes.h as [number, number];
    const h = inputs.h!;
    const dhRec = inputs.dhRec ?? null;
    const dhCarry = inputs.dhCarry ?? null;
    const dOut = inputs.dOut ?? null;
    const mask = inputs.mask ?? null;
    const drop = inputs.recurrentMask ?? null;
    const outTime = shapes.dOut?.[1] ?? 0;
    const maskTime = shapes.mask?.[1] ?? 0;
    const [dz, dhCarryPrev] = outputs as [Float32Array, Float32Array];
    const t = attrs.t as number;
    const s = attrs.s as number;
    const act = activationCode(attrs.activation);
    for (let b = 0; b < batch; b++) {
      const so = b * units;
      const oo = (b * outTime + s) * units;
      const valid = mask === null || mask[b * maskTime + t] !== 0;
      for (let j = 0; j < units; j++) {
        let dh = 0;
        if (dhRec !== null) dh += drop === null ? dhRec[so + j]! : dhRec[so + j]! * drop[so + j]!;
        if (dhCarry !== null) dh += dhCarry[so + j]!;
        if (dOut !== null) dh += dOut[oo + j]!;
        if (!valid) {
          dz[so + j] = 0;
          dhCarryPrev[so + j] = dh;
        } else {
          dz[so + j] = flush(dh * derivativeFromOutput(h[so + j]!, act));
          dhCarryPrev[so + j] = 0;
        }
      }
    }
  },
};
