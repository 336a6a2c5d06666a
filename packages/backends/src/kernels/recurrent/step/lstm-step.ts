import type { NamedAttrMap } from "@tensorflow/tfjs";
import { activate, activateRange, activationCode, derivativeFromOutput, flush } from "./recurrent-activation";
import type { FusedKernelSpec } from "./fused-kernel";
import { checkTime, expectShape, intAttr, shapeOf } from "./fused-kernel";

/** Kernel name of one LSTM time step, forward. */
export const LSTM_STEP = "RecurrentLstmStep";
/** Kernel name of one LSTM time step, backward. */
export const LSTM_STEP_GRAD = "RecurrentLstmStepGrad";

type Shapes = Readonly<Record<string, readonly number[] | undefined>>;

/**
 * One LSTM time step with the gate layout of `tf.layers.lstm` (i, f, c, o), everything after the two matrix
 * products fused in one pass.
 *
 * Inputs: `xw` `[batch, time, 4·units]` (x·kernel + bias for the whole sequence), `hu` `[batch, 4·units]`
 * (h_{t−1}·recurrentKernel), `hPrev`, `cPrev` `[batch, units]`, optional `mask` `[batch, time]` (0 = padded).
 * Optional `recurrentMask` `[batch, units]` (recurrent dropout, drawn once per sequence): the caller computes `hu` from
 * h_{t−1} ⊙ recurrentMask, and the kernel returns that product's next operand as a fourth output.
 * Attributes: `t` (time index read from `xw` and `mask`), `activation`, `recurrentActivation`.
 * Outputs: `h`, `c` `[batch, units]` (on padded rows: copies of `hPrev`, `cPrev`) and `gates` `[batch, 4·units]`
 * (the activated gates i, f, g, o; zeros on padded rows), which the backward kernel needs; with `recurrentMask`
 * also `hDropped` = h ⊙ recurrentMask `[batch, units]`.
 */
export const lstmStepSpec: FusedKernelSpec = {
  name: LSTM_STEP,
  required: ["xw", "hu", "hPrev", "cPrev"],
  optional: ["mask", "recurrentMask"],
  outputShapes(shapes: Shapes, attrs: NamedAttrMap) {
    const [batch, time, g4] = shapeOf(LSTM_STEP, shapes, "xw", 3) as [number, number, number];
    const units = g4 / 4;
    expectShape(LSTM_STEP, "hu", shapes.hu, [batch, g4]);
    expectShape(LSTM_STEP, "hPrev", shapes.hPrev, [batch, units]);
    expectShape(LSTM_STEP, "cPrev", shapes.cPrev, [batch, units]);
    expectShape(LSTM_STEP, "mask", shapes.mask, [batch, time]);
    expectShape(LSTM_STEP, "recurrentMask", shapes.recurrentMask, [batch, units]);
    const t = intAttr(LSTM_STEP, attrs, "t");
    if (t >= time) throw new RangeError(`${LSTM_STEP}: expected t < ${time}, got ${t}`);
    activationCode(attrs.activation);
    activationCode(attrs.recurrentActivation);
    const out = [
      [batch, units],
      [batch, units],
      [batch, g4],
    ];
    return shapes.recurrentMask === undefined ? out : [...out, [batch, units]];
  },
  simd(kernels, inputs, outputs, shapes, attrs) {
    const [batch, time, g4] = shapes.xw as [number, number, number];
    const [h, c, gates, hDropped] = outputs as [number, number, number, number | undefined];
    kernels.lstmForward(
      inputs.xw!, inputs.hu!, inputs.hPrev!, inputs.cPrev!, inputs.mask ?? 0, inputs.recurrentMask ?? 0, h, c, gates, hDropped ?? 0,
      batch, time, g4 / 4, attrs.t as number, activationCode(attrs.activation), activationCode(attrs.recurrentActivation),
    );
  },
  compute(inputs, outputs, shapes, attrs) {
    const [batch, time, g4] = shapes.xw as [number, number, number];
    const units = g4 / 4;
    const xw = inputs.xw!;
    const hu = inputs.hu!;
    const hPrev = inputs.hPrev!;
    const cPrev = inputs.cPrev!;
    const mask = inputs.mask ?? null;
    const drop = inputs.recurrentMask ?? null;
    const [h, c, gates, hDropped] = outputs as [Float32Array, Float32Array, Float32Array, Float32Array | undefined];
    const t = attrs.t as number;
    const act = activationCode(attrs.activation);
    const rec = activationCode(attrs.recurrentActivation);
    for (let b = 0; b < batch; b++) {
      const so = b * units;
      const go = b * g4;
      if (mask !== null && mask[b * time + t] === 0) {
        for (let j = 0; j < units; j++) {
          h[so + j] = hPrev[so + j]!;
          c[so + j] = cPrev[so + j]!;
        }
        gates.fill(0, go, go + g4);
        if (drop !== null && hDropped !== undefined) for (let j = 0; j < units; j++) hDropped[so + j] = flush(h[so + j]! * drop[so + j]!);
        continue;
      }
      const xo = (b * time + t) * g4;
      for (let k = 0; k < g4; k++) gates[go + k] = xw[xo + k]! + hu[go + k]!;
      activateRange(gates, go, go + 2 * units, rec);
      activateRange(gates, go + 2 * units, go + 3 * units, act);
      activateRange(gates, go + 3 * units, go + g4, rec);
      for (let j = 0; j < units; j++) {
        const i = gates[go + j]!;
        const f = gates[go + units + j]!;
        const g = gates[go + 2 * units + j]!;
        const o = gates[go + 3 * units + j]!;
        const cn = flush(f * cPrev[so + j]! + i * g);
        c[so + j] = cn;
        h[so + j] = flush(o * activate(Math.fround(cn), act));
      }
      if (drop !== null && hDropped !== undefined) for (let j = 0; j < units; j++) hDropped[so + j] = flush(h[so + j]! * drop[so + j]!);
    }
  },
};

/**
 * Backward pass of one LSTM time step (see {@link lstmStepSpec}).
 *
 * Inputs: `gates` `[batch, 4·units]` and `c` `[batch, units]` saved by the forward step, `cPrev` `[batch, units]`;
 * the gradient reaching h_t arrives in up to three parts, summed: optional `dhRec` `[batch, units]`
 * (dz_{t+1}·recurrentKernelᵀ), optional `dhCarry` `[batch, units]` (gradient passed straight through padded steps,
 * or from the final state), optional `dOut` `[batch, time, units]` (gradient of the output sequence, read at
 * index `s`); optional `dcNext` `[batch, units]` (gradient reaching c_t), optional `mask` `[batch, time]`, optional
 * `recurrentMask` `[batch, units]` (recurrent dropout: multiplies `dhRec`, the gradient of the dropped h_t that the
 * next step's product read).
 * Attributes: `t`, `s`, `activation`, `recurrentActivation`.
 * Outputs: `dz` `[batch, 4·units]` (gradient of the pre-activation gates; zeros on padded rows), `dcPrev`
 * `[batch, units]`, `dhCarryPrev` `[batch, units]` (on padded rows the whole incoming gradient, else 0).
 */
export const lstmStepGradSpec: FusedKernelSpec = {
  name: LSTM_STEP_GRAD,
  required: ["gates", "c", "cPrev"],
  optional: ["dhRec", "dhCarry", "dOut", "dcNext", "mask", "recurrentMask"],
  outputShapes(shapes: Shapes, attrs: NamedAttrMap) {
    const [batch, g4] = shapeOf(LSTM_STEP_GRAD, shapes, "gates", 2) as [number, number];
    const units = g4 / 4;
    for (const key of ["c", "cPrev", "dhRec", "dhCarry", "dcNext", "recurrentMask"]) {
      expectShape(LSTM_STEP_GRAD, key, shapes[key], [batch, units]);
    }
    checkTime(LSTM_STEP_GRAD, shapes, "dOut", batch, intAttr(LSTM_STEP_GRAD, attrs, "s"), [units]);
    checkTime(LSTM_STEP_GRAD, shapes, "mask", batch, intAttr(LSTM_STEP_GRAD, attrs, "t"), []);
    activationCode(attrs.activation);
    activationCode(attrs.recurrentActivation);
    return [
      [batch, g4],
      [batch, units],
      [batch, units],
    ];
  },
  simd(kernels, inputs, outputs, shapes, attrs) {
    const [batch, g4] = shapes.gates as [number, number];
    const [dz, dcPrev, dhCarryPrev] = outputs as [number, number, number];
    kernels.lstmBackward(
      inputs.gates!, inputs.c!, inputs.cPrev!, inputs.dhRec ?? 0, inputs.dhCarry ?? 0, inputs.dOut ?? 0,
      inputs.dcNext ?? 0, inputs.mask ?? 0, inputs.recurrentMask ?? 0, dz, dcPrev, dhCarryPrev,
      batch, g4 / 4, shapes.dOut?.[1] ?? 0, shapes.mask?.[1] ?? 0, attrs.t as number, attrs.s as number,
      activationCode(attrs.activation), activationCode(attrs.recurrentActivation),
    );
  },
  compute(inputs, outputs, shapes, attrs) {
    const [batch, g4] = shapes.gates as [number, number];
    const units = g4 / 4;
    const gates = inputs.gates!;
    const c = inputs.c!;
    const cPrev = inputs.cPrev!;
    const dhRec = inputs.dhRec ?? null;
    const dhCarry = inputs.dhCarry ?? null;
    const dOut = inputs.dOut ?? null;
    const dcNext = inputs.dcNext ?? null;
    const mask = inputs.mask ?? null;
    const drop = inputs.recurrentMask ?? null;
    const outTime = shapes.dOut?.[1] ?? 0;
    const maskTime = shapes.mask?.[1] ?? 0;
    const [dz, dcPrev, dhCarryPrev] = outputs as [Float32Array, Float32Array, Float32Array];
    const t = attrs.t as number;
    const s = attrs.s as number;
    const act = activationCode(attrs.activation);
    const rec = activationCode(attrs.recurrentActivation);
    for (let b = 0; b < batch; b++) {
      const so = b * units;
      const go = b * g4;
      const oo = (b * outTime + s) * units;
      const valid = mask === null || mask[b * maskTime + t] !== 0;
      for (let j = 0; j < units; j++) {
        let dh = 0;
        if (dhRec !== null) dh += drop === null ? dhRec[so + j]! : dhRec[so + j]! * drop[so + j]!;
        if (dhCarry !== null) dh += dhCarry[so + j]!;
        if (dOut !== null) dh += dOut[oo + j]!;
        const dcIn = dcNext === null ? 0 : dcNext[so + j]!;
        if (!valid) {
          dz[go + j] = 0;
          dz[go + units + j] = 0;
          dz[go + 2 * units + j] = 0;
          dz[go + 3 * units + j] = 0;
          dcPrev[so + j] = dcIn;
          dhCarryPrev[so + j] = dh;
          continue;
        }
        const i = gates[go + j]!;
        const f = gates[go + units + j]!;
        const g = gates[go + 2 * units + j]!;
        const o = gates[go + 3 * units + j]!;
        const tc = Math.fround(activate(c[so + j]!, act));
        const dc = dcIn + dh * o * derivativeFromOutput(tc, act);
        dz[go + j] = flush(dc * g * derivativeFromOutput(i, rec));
        dz[go + units + j] = flush(dc * cPrev[so + j]! * derivativeFromOutput(f, rec));
        dz[go + 2 * units + j] = flush(dc * i * derivativeFromOutput(g, act));
        dz[go + 3 * units + j] = flush(dh * tc * derivativeFromOutput(o, rec));
        dcPrev[so + j] = flush(dc * f);
        dhCarryPrev[so + j] = 0;
      }
    }
  },
};
