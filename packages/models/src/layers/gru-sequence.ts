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
 * Runs a GRU (`tf.layers.gru`, `resetAfter: false`, gate order z, r, h) over a whole sequence with fused per-step
 * kernels and a custom BPTT gradient. Per step: h·U_zr, a fused gate kernel, (r⊙h)·U_h, a fused state kernel;
 * backward mirrors it with Uᵀ blocks transposed once, and weight gradients as single products over all steps.
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
  const [batch, time] = x.shape;
  const units = options.units;
  const h0Input = initialState?.[0] ?? tf.zeros([batch, units]);
  const biasInput = weights.bias ?? tf.zeros([3 * units]);
  const recording = isRecordingGradients();
  const attrs = { activation: options.activation, recurrentActivation: options.recurrentActivation };
  const outputShape = options.returnSequences ? [batch, time, units] : [batch, units];
  const stateShapes = [[batch, units]];

  const fused = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x1, kernel, recurrentKernel, bias, h0] = args as [
      tf.Tensor3D,
      tf.Tensor2D,
      tf.Tensor2D,
      tf.Tensor1D,
      tf.Tensor2D,
    ];
    const save = args[5] as tf.GradSaveFunc;
    const xw = inputProjection(x1, kernel, bias);
    const [uzr, uh] = tf.split(recurrentKernel, [2 * units, units], 1) as [tf.Tensor2D, tf.Tensor2D];
    let h: tf.Tensor = h0;
    const hs: tf.Tensor[] = [];
    const zrs: tf.Tensor[] = [];
    const rhs: tf.Tensor[] = [];
    const hhs: tf.Tensor[] = [];
    for (let s = 0; s < time; s++) {
      const t = timeIndex(s, time, options.goBackwards);
      const hu = plainMatMul(h, uzr);
      const [zr, rh] = runFused(GRU_GATES, { xw, hu, hPrev: h }, { t, ...attrs }) as [tf.Tensor, tf.Tensor];
      hu.dispose();
      const rhu = plainMatMul(rh, uh);
      const [hn, hh] = runFused(GRU_STATE, { xw, zr, rhu, hPrev: h, mask }, { t, ...attrs }) as [tf.Tensor, tf.Tensor];
      rhu.dispose();
      if (recording) {
        hs.push(hn);
        zrs.push(zr);
        rhs.push(rh);
        hhs.push(hh);
      } else {
        zr.dispose();
        rh.dispose();
        hh.dispose();
        if (options.returnSequences) hs.push(hn);
        else if (h !== h0) h.dispose();
      }
      h = hn;
    }
    xw.dispose();
    const output = options.returnSequences ? tf.stack(hs, 1) : h;
    const value = withStates ? packOutputs([output, h]) : output;
    if (recording) {
      save([x1, kernel, recurrentKernel, h0, ...(mask === null ? [] : [mask]), ...hs, ...zrs, ...rhs, ...hhs]);
    }

    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const [xS, kernelS, recurrentKernelS, h0S] = saved as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      let offset = 4;
      const maskS = mask === null ? null : saved[offset++]!;
      const part = (k: number): tf.Tensor[] => saved.slice(offset + k * time, offset + (k + 1) * time);
      const [hsS, zrsS, rhsS, hhsS] = [part(0), part(1), part(2), part(3)];
      const [dyOut, dhT] = withStates ? unpackGradient(dy, [outputShape, ...stateShapes]) : [dy, null];
      const dOut = options.returnSequences ? dyOut! : null;
      let dhCarry: tf.Tensor | null = options.returnSequences ? dhT ?? null : dhT ? tf.add(dyOut!, dhT) : dyOut!;
      let dhRec: tf.Tensor | null = null;
      const [uzrS, uhS] = tf.split(recurrentKernelS, [2 * units, units], 1);
      const uzrT = tf.transpose(uzrS!);
      const uhT = tf.transpose(uhS!);
      const dzrByTime: tf.Tensor[] = new Array<tf.Tensor>(time);
      const dzhByTime: tf.Tensor[] = new Array<tf.Tensor>(time);
      const hPrevByTime: tf.Tensor[] = new Array<tf.Tensor>(time);
      const rhByTime: tf.Tensor[] = new Array<tf.Tensor>(time);
      for (let s = time - 1; s >= 0; s--) {
        const t = timeIndex(s, time, options.goBackwards);
        const hPrev = s > 0 ? hsS[s - 1]! : h0S;
        const [dzh, dzz, dhPartial] = runFused(
          GRU_STATE_GRAD,
          { zr: zrsS[s], hh: hhsS[s], hPrev, dhRec, dhCarry, dOut, mask: maskS },
          { t, s, ...attrs },
        ) as [tf.Tensor, tf.Tensor, tf.Tensor];
        dhRec?.dispose();
        if (dhCarry !== null && dhCarry !== dy) dhCarry.dispose();
        const dRh = plainMatMul(dzh, uhT);
        const [dzr, dhCarryPrev] = runFused(
          GRU_GATES_GRAD,
          { dRh, zr: zrsS[s], hPrev, dzz, dhPartial, mask: maskS },
          { t, ...attrs },
        ) as [tf.Tensor, tf.Tensor];
        dRh.dispose();
        dzz.dispose();
        dhPartial.dispose();
        dhRec = plainMatMul(dzr, uzrT);
        dzrByTime[t] = dzr;
        dzhByTime[t] = dzh;
        hPrevByTime[t] = hPrev;
        rhByTime[t] = rhsS[s]!;
        dhCarry = dhCarryPrev;
      }
      const dh0 = tf.add(dhRec!, dhCarry!);
      const dZr = stackRows(dzrByTime);
      const dZh = stackRows(dzhByTime);
      for (const d of [...dzrByTime, ...dzhByTime]) d.dispose();
      const dUzr = tf.matMul(tf.transpose(stackRows(hPrevByTime)), dZr);
      const dUh = tf.matMul(tf.transpose(stackRows(rhByTime)), dZh);
      const dRecurrentKernel = tf.concat([dUzr, dUh], 1);
      const dZ = tf.concat([dZr, dZh], 1);
      const { dx, dKernel, dBias } = inputGradients(xS, kernelS, dZ);
      return [dx, dKernel, dRecurrentKernel, dBias, dh0];
    };
    return { value, gradFunc };
  });

  const value = fused(x, weights.kernel, weights.recurrentKernel, biasInput, h0Input);
  return withStates ? unpackOutputs(value, [outputShape, ...stateShapes]) : [value];
}
