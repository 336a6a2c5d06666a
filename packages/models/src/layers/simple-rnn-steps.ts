import * as tf from "@tensorflow/tfjs";
import { SIMPLE_RNN_STEP, SIMPLE_RNN_STEP_GRAD } from "@recurrent/backends";
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
 * Runs a SimpleRNN (h_t = φ(x_t·W + (h_{t−1} ⊙ m)·U + b), m = 1 without recurrent dropout) over a whole sequence on
 * the per-step kernels of `@recurrent/backends`, with a custom BPTT gradient: the input projections of all steps in
 * one product, per step one `matMul` and one fused step kernel, and weight gradients as single products over all
 * batch·time rows. `options.recurrentDropoutMask` `[batch, units]` (or none) is the recurrent dropout mask m.
 *
 * @param x `[batch, time, inputDim]`, float32, time ≥ 1.
 * @param initialState `[h0]` `[batch, units]`, or null for zeros.
 * @param mask `[batch, time]` float32 (1 = real step, 0 = padding) or null.
 * @returns `[output]` or, with `withStates`, `[output, hT]`.
 */
export function simpleRnnSteps(
  x: tf.Tensor3D,
  weights: SequenceWeights,
  initialState: readonly tf.Tensor[] | null,
  mask: tf.Tensor2D | null,
  options: SequenceOptions,
  withStates: boolean,
): tf.Tensor[] {
  const drop = options.recurrentDropoutMask ?? null;
  const [batch, time] = x.shape;
  const units = options.units;
  const h0Input = initialState?.[0] ?? tf.zeros([batch, units]);
  const biasInput = weights.bias ?? tf.zeros([units]);
  const recording = isRecordingGradients();
  const attrs = { activation: options.activation };
  const outputShape = options.returnSequences ? [batch, time, units] : [batch, units];
  const stateShapes = [[batch, units]];

  const fused = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x1, kernel, recurrentKernel, bias, h0] = args as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.Tensor2D];
    const save = args[5] as tf.GradSaveFunc;
    const xw = inputProjection(x1, kernel, bias);
    let h: tf.Tensor = h0;
    // the operand of each step's product: h, or h ⊙ m with recurrent dropout (the kernel returns it as hDropped)
    const hd0 = drop === null ? h0 : tf.mul(h0, drop);
    let hd: tf.Tensor = hd0;
    const hs: tf.Tensor[] = [];
    const hds: tf.Tensor[] = [hd0];
    for (let s = 0; s < time; s++) {
      const t = timeIndex(s, time, options.goBackwards);
      const hu = plainMatMul(hd, recurrentKernel);
      const [hn, hdn] = runFused(SIMPLE_RNN_STEP, { xw, hu, hPrev: h, mask, recurrentMask: drop }, { t, ...attrs }) as [
        tf.Tensor,
        tf.Tensor | undefined,
      ];
      hu.dispose();
      if (recording) {
        hs.push(hn);
        hds.push(hdn ?? hn);
      } else {
        if (hd !== hd0 && hd !== h) hd.dispose();
        if (options.returnSequences) hs.push(hn);
        else if (h !== h0) h.dispose();
      }
      h = hn;
      hd = hdn ?? hn;
    }
    if (!recording && hd !== h && hd !== hd0) hd.dispose();
    xw.dispose();
    const output = options.returnSequences ? tf.stack(hs, 1) : h;
    const value = withStates ? packOutputs([output, h]) : output;
    if (recording) save([x1, kernel, recurrentKernel, ...(drop === null ? [] : [drop]), ...(mask === null ? [] : [mask]), ...hs, ...hds]);

    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const [xS, kernelS, recurrentKernelS] = saved as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D];
      let offset = 3;
      const dropS = drop === null ? null : saved[offset++]!;
      const maskS = mask === null ? null : saved[offset++]!;
      const hsS = saved.slice(offset, offset + time);
      const hdsS = saved.slice(offset + time, offset + 2 * time + 1);
      const [dyOut, dhT] = withStates ? unpackGradient(dy, [outputShape, ...stateShapes]) : [dy, null];
      const dOut = options.returnSequences ? dyOut! : null;
      let dhCarry: tf.Tensor | null = options.returnSequences ? dhT ?? null : dhT ? tf.add(dyOut!, dhT) : dyOut!;
      let dhRec: tf.Tensor | null = null;
      const recurrentT = tf.transpose(recurrentKernelS);
      const dzByTime: tf.Tensor[] = new Array<tf.Tensor>(time);
      const hPrevByTime: tf.Tensor[] = new Array<tf.Tensor>(time);
      for (let s = time - 1; s >= 0; s--) {
        const t = timeIndex(s, time, options.goBackwards);
        const [dz, dhCarryPrev] = runFused(
          SIMPLE_RNN_STEP_GRAD,
          { h: hsS[s], dhRec, dhCarry, dOut, mask: maskS, recurrentMask: dropS },
          { t, s, ...attrs },
        ) as [tf.Tensor, tf.Tensor];
        dhRec?.dispose();
        if (dhCarry !== null && dhCarry !== dy) dhCarry.dispose();
        dhRec = plainMatMul(dz, recurrentT);
        dzByTime[t] = dz;
        hPrevByTime[t] = hdsS[s]!;
        dhCarry = dhCarryPrev;
      }
      const dh0 = tf.add(dropS === null ? dhRec! : tf.mul(dhRec!, dropS), dhCarry!);
      const dZ = stackRows(dzByTime);
      for (const dz of dzByTime) dz.dispose();
      const dRecurrentKernel = tf.matMul(tf.transpose(stackRows(hPrevByTime)), dZ);
      const { dx, dKernel, dBias } = inputGradients(xS, kernelS, dZ);
      return [dx, dKernel, dRecurrentKernel, dBias, dh0];
    };
    return { value, gradFunc };
  });

  const value = fused(x, weights.kernel, weights.recurrentKernel, biasInput, h0Input);
  return withStates ? unpackOutputs(value, [outputShape, ...stateShapes]) : [value];
}
