import * as tf from "@tensorflow/tfjs";
import { GRU_GATES, GRU_GATES_GRAD, GRU_STATE, GRU_STATE_GRAD } from "@recurrent/backends";
import type { SequenceOptions, SequenceWeights } from "./recurrent-sequence";
import {
  inputGradients,
  inputProjection,
  isRecordingGradients,
  plainMatMul,
  runFused,
  stackRows,
  timeIndex,
} from "./recurrent-sequence";
import { packOutputs, unpackGradient, unpackOutputs } from "./packed-outputs";

/**
 * Runs a GRU (gate order z, r, h) over a whole sequence on the per-step kernels of `@recurrent/backends`, with a
 * custom BPTT gradient, in both variants and with recurrent dropout:
 *
 * - `options.resetAfter` false (tf.layers): per step h·U_zr, `GRU_GATES`, (r ⊙ h)·U_h, `GRU_STATE`.
 * - `options.resetAfter` true (Keras's default, cuDNN's): ĥ = φ(xW_h + b_h + r ⊙ (hU_h + b′_h)); per step one product
 *   h·U (all three blocks) and the two kernels (`GRU_GATES` with `resetAfter: 1` adds the recurrent bias b′, row 1 of
 *   the `[2, 3·units]` bias, and scales the candidate's recurrent term by r).
 * - `options.recurrentDropoutMask` `[batch, units]`: h_{t−1} ⊙ mask replaces h_{t−1} in the step's products and in
 *   the update z ⊙ h_{t−1} (as tf.layers' GRUCell and Keras 3 do); padded steps still carry the undropped state.
 *
 * Backward: per step the two gradient kernels and one product with Uᵀ blocks (transposed once); the weight gradients
 * are single products over all batch·time rows.
 *
 * @param x `[batch, time, inputDim]`, float32, time ≥ 1.
 * @param weights bias `[3·units]` (resetAfter false), `[2, 3·units]` (resetAfter true), or null.
 * @param initialState `[h0]` `[batch, units]`, or null for zeros.
 * @param mask `[batch, time]` float32 (1 = real step, 0 = padding) or null.
 * @returns `[output]` or, with `withStates`, `[output, hT]`.
 */
export function gruSteps(
  x: tf.Tensor3D,
  weights: SequenceWeights,
  initialState: readonly tf.Tensor[] | null,
  mask: tf.Tensor2D | null,
  options: SequenceOptions,
  withStates: boolean,
): tf.Tensor[] {
  const [batch, time] = x.shape;
  const units = options.units;
  const after = options.resetAfter === true;
  const drop = options.recurrentDropoutMask ?? null;
  const h0Input = initialState?.[0] ?? tf.zeros([batch, units]);
  const biasInput = weights.bias ?? tf.zeros(after ? [2, 3 * units] : [3 * units]);
  const recording = isRecordingGradients();
  const attrs = { activation: options.activation, recurrentActivation: options.recurrentActivation, resetAfter: after ? 1 : 0 };
  const outputShape = options.returnSequences ? [batch, time, units] : [batch, units];
  const stateShapes = [[batch, units]];

  const fused = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x1, kernel, recurrentKernel, bias, h0] = args as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D, tf.Tensor, tf.Tensor2D];
    const save = args[5] as tf.GradSaveFunc;
    const [inputBias, recurrentBias] = after ? (tf.unstack(bias) as [tf.Tensor1D, tf.Tensor1D]) : [bias as tf.Tensor1D, null];
    const xw = inputProjection(x1, kernel, inputBias);
    const [uzr, uh] = after ? [recurrentKernel, null] : (tf.split(recurrentKernel, [2 * units, units], 1) as [tf.Tensor2D, tf.Tensor2D]);
    let h: tf.Tensor = h0;
    const hd0 = drop === null ? h0 : tf.mul(h0, drop);
    let hd: tf.Tensor = hd0; // the operand of the step's products: h, or h ⊙ mask with recurrent dropout
    const hs: tf.Tensor[] = [];
    const operands: tf.Tensor[] = [hd0];
    const zrs: tf.Tensor[] = [];
    const seconds: tf.Tensor[] = []; // resetAfter false: r ⊙ h per step (for dU_h); true: h·U per step (for dr)
    const hhs: tf.Tensor[] = [];
    for (let s = 0; s < time; s++) {
      const t = timeIndex(s, time, options.goBackwards);
      const hu = plainMatMul(hd, uzr);
      const gatesIn = after ? { xw, hu, recurrentBias } : { xw, hu, hPrev: hd };
      const [zr, second] = runFused(GRU_GATES, gatesIn, { t, ...attrs }) as [tf.Tensor, tf.Tensor];
      const rhu = after ? second : plainMatMul(second, uh!);
      const [hn, hh, hdn] = runFused(GRU_STATE, { xw, zr, rhu, hPrev: h, mask, recurrentMask: drop }, { t, ...attrs }) as [
        tf.Tensor,
        tf.Tensor,
        tf.Tensor | undefined,
      ];
      if (!after) rhu.dispose();
      if (recording) {
        hs.push(hn);
        if (hdn !== undefined) operands.push(hdn);
        zrs.push(zr);
        seconds.push(after ? hu : second);
        (after ? second : hu).dispose();
        hhs.push(hh);
      } else {
        tf.dispose([hu, zr, second, hh]);
        if (hd !== hd0 && hd !== h) hd.dispose();
        if (options.returnSequences) hs.push(hn);
        else if (h !== h0) h.dispose();
      }
      h = hn;
      hd = hdn ?? hn;
      if (recording && hdn === undefined) operands.push(hn);
    }
    if (!recording && hd !== h && hd !== hd0) hd.dispose();
    xw.dispose();
    const output = options.returnSequences ? tf.stack(hs, 1) : h;
    const value = withStates ? packOutputs([output, h]) : output;
    if (recording) {
      const optional = [...(mask === null ? [] : [mask]), ...(drop === null ? [] : [drop]), ...(recurrentBias === null ? [] : [recurrentBias])];
      // operands: time + 1 tensors (the initial state's operand, then each step's)
      save([x1, kernel, recurrentKernel, ...optional, ...operands, ...zrs, ...seconds, ...hhs]);
    }

    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const [xS, kernelS, recurrentKernelS] = saved as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D];
      let offset = 3;
      const maskS = mask === null ? null : saved[offset++]!;
      const dropS = drop === null ? null : saved[offset++]!;
      const recurrentBiasS = recurrentBias === null ? null : saved[offset++]!;
      const operandsS = saved.slice(offset, offset + time + 1);
      offset += time + 1;
      const part = (k: number): tf.Tensor[] => saved.slice(offset + k * time, offset + (k + 1) * time);
      const [zrsS, secondsS, hhsS] = [part(0), part(1), part(2)];
      const [dyOut, dhT] = withStates ? unpackGradient(dy, [outputShape, ...stateShapes]) : [dy, null];
      const dOut = options.returnSequences ? dyOut! : null;
      let dhCarry: tf.Tensor | null = options.returnSequences ? dhT ?? null : dhT ? tf.add(dyOut!, dhT) : dyOut!;
      let dhRec: tf.Tensor | null = null;
      // the transposed blocks the per-step products need: [U_zrᵀ, U_hᵀ] (resetAfter false) or Uᵀ
      const [uzrT, uhT] = after
        ? [tf.transpose(recurrentKernelS), null]
        : (tf.split(recurrentKernelS, [2 * units, units], 1).map((u) => tf.transpose(u)) as [tf.Tensor, tf.Tensor]);
      const dzrByTime: tf.Tensor[] = new Array<tf.Tensor>(time);
      const dzhByTime: tf.Tensor[] = new Array<tf.Tensor>(time);
      const hPrevByTime: tf.Tensor[] = new Array<tf.Tensor>(time);
      const rhByTime: tf.Tensor[] = new Array<tf.Tensor>(time);
      for (let s = time - 1; s >= 0; s--) {
        const t = timeIndex(s, time, options.goBackwards);
        const hPrev = operandsS[s]!;
        const [dzh, dzz, dhPartial] = runFused(
          GRU_STATE_GRAD,
          { zr: zrsS[s], hh: hhsS[s], hPrev, dhRec, dhCarry, dOut, mask: maskS, recurrentMask: dropS },
          { t, s, ...attrs },
        ) as [tf.Tensor, tf.Tensor, tf.Tensor];
        dhRec?.dispose();
        if (dhCarry !== null && dhCarry !== dy) dhCarry.dispose();
        const dRh = after ? null : plainMatMul(dzh, uhT!);
        const gatesGradIn = after
          ? { dzh, zr: zrsS[s], hu: secondsS[s], recurrentBias: recurrentBiasS, dzz, dhPartial, mask: maskS, recurrentMask: dropS }
          : { dRh, zr: zrsS[s], hPrev, dzz, dhPartial, mask: maskS, recurrentMask: dropS };
        const [dzr, dhCarryPrev] = runFused(GRU_GATES_GRAD, gatesGradIn, { t, ...attrs }) as [tf.Tensor, tf.Tensor];
        dRh?.dispose();
        dzz.dispose();
        dhPartial.dispose();
        dhRec = plainMatMul(dzr, uzrT);
        dzrByTime[t] = dzr;
        dzhByTime[t] = dzh;
        hPrevByTime[t] = hPrev;
        if (!after) rhByTime[t] = secondsS[s]!;
        dhCarry = dhCarryPrev;
      }
      const dh0 = tf.add(dropS === null ? dhRec! : tf.mul(dhRec!, dropS), dhCarry!);
      const dZr = stackRows(dzrByTime); // resetAfter: the recurrent side's [z, r, dzh ⊙ r]; else [z, r]
      const dZh = stackRows(dzhByTime);
      for (const d of [...dzrByTime, ...dzhByTime]) d.dispose();
      const hPrevT = tf.transpose(stackRows(hPrevByTime));
      if (after) {
        const dRecurrentKernel = tf.matMul(hPrevT, dZr);
        const dRecurrentBias = tf.reshape(tf.matMul(tf.ones([1, batch * time]), dZr), [3 * units]);
        const dZ = tf.concat([tf.slice(dZr, [0, 0], [batch * time, 2 * units]), dZh], 1) as tf.Tensor2D;
        const { dx, dKernel, dBias } = inputGradients(xS, kernelS, dZ);
        return [dx, dKernel, dRecurrentKernel, tf.stack([dBias, dRecurrentBias]), dh0];
      }
      const dUzr = tf.matMul(hPrevT, dZr);
      const dUh = tf.matMul(tf.transpose(stackRows(rhByTime)), dZh);
      const dRecurrentKernel = tf.concat([dUzr, dUh], 1);
      const dZ = tf.concat([dZr, dZh], 1) as tf.Tensor2D;
      const { dx, dKernel, dBias } = inputGradients(xS, kernelS, dZ);
      return [dx, dKernel, dRecurrentKernel, dBias, dh0];
    };
    return { value, gradFunc };
  });

  const value = fused(x, weights.kernel, weights.recurrentKernel, biasInput, h0Input);
  return withStates ? unpackOutputs(value, [outputShape, ...stateShapes]) : [value];
}
