import * as tf from "@tensorflow/tfjs";
import { LSTM_STEP, LSTM_STEP_GRAD } from "@recurrent/backends";
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
import { wholeSequence, wholeSequenceAvailable } from "./whole-sequence";

/**
 * Runs an LSTM (`tf.layers.lstm` semantics, gate order i, f, c, o) over a whole sequence.
 *
 * Where the whole-sequence kernels of `@recurrent/backends` are registered for the active backend (cpu and wasm,
 * given WebAssembly SIMD and shared memory), forward and backward are one kernel call each, run by worker threads
 * together with this one (see {@link wholeSequence}), with recurrent dropout too (`options.recurrentDropoutMask`).
 * Otherwise the input projections of all steps are one
 * matrix product, then per step one `matMul` and one fused step kernel forward, and a custom BPTT gradient with one
 * fused kernel and one `matMul` per step whose weight gradients are single products. Either way the memory kept for
 * the backward pass (gates, cell and hidden states) is linear in time.
 *
 * @param x `[batch, time, inputDim]`, float32, time ≥ 1.
 * @param initialState `[h0, c0]`, each `[batch, units]`, or null for zeros.
 * @param mask `[batch, time]` float32 (1 = real step, 0 = padding) or null.
 * @param withStates also return the final states.
 * @returns `[output]` or `[output, hT, cT]`; output is `[batch, time, units]` with `returnSequences`, else `[batch, units]`.
 */
export function lstmSequence(
  x: tf.Tensor3D,
  weights: SequenceWeights,
  initialState: readonly tf.Tensor[] | null,
  mask: tf.Tensor2D | null,
  options: SequenceOptions,
  withStates: boolean,
): tf.Tensor[] {
  const drop = options.recurrentDropoutMask ?? null;
  if (wholeSequenceAvailable("lstm")) {
    return wholeSequence("lstm", x, weights, initialState, mask, options, withStates);
  }
  const [batch, time] = x.shape;
  const units = options.units;
  const h0Input = initialState?.[0] ?? tf.zeros([batch, units]);
  const c0Input = initialState?.[1] ?? tf.zeros([batch, units]);
  const biasInput = weights.bias ?? tf.zeros([4 * units]);
  const recording = isRecordingGradients();
  const attrs = { activation: options.activation, recurrentActivation: options.recurrentActivation };
  const outputShape = options.returnSequences ? [batch, time, units] : [batch, units];
  const stateShapes = [
    [batch, units],
    [batch, units],
  ];

  const fused = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x1, kernel, recurrentKernel, bias, h0, c0] = args as [
      tf.Tensor3D,
      tf.Tensor2D,
      tf.Tensor2D,
      tf.Tensor1D,
      tf.Tensor2D,
      tf.Tensor2D,
    ];
    const save = args[6] as tf.GradSaveFunc;
    const xw = inputProjection(x1, kernel, bias);
    let h: tf.Tensor = h0;
    let c: tf.Tensor = c0;
    // with recurrent dropout, the operand of each step's product is h ⊙ mask (the kernels return it as hDropped)
    const hd0 = drop === null ? h0 : tf.mul(h0, drop);
    let hd: tf.Tensor = hd0;
    const hs: tf.Tensor[] = [];
    const hds: tf.Tensor[] = [];
    const cs: tf.Tensor[] = [];
    const gs: tf.Tensor[] = [];
    for (let s = 0; s < time; s++) {
      const t = timeIndex(s, time, options.goBackwards);
      const hu = plainMatMul(hd, recurrentKernel);
      const [hn, cn, gates, hdn] = runFused(LSTM_STEP, { xw, hu, hPrev: h, cPrev: c, mask, recurrentMask: drop }, { t, ...attrs }) as [
        tf.Tensor,
        tf.Tensor,
        tf.Tensor,
        tf.Tensor | undefined,
      ];
      hu.dispose();
      if (recording) {
        hs.push(hn);
        if (hdn !== undefined) hds.push(hdn);
        cs.push(cn);
        gs.push(gates);
      } else {
        gates.dispose();
        if (c !== c0) c.dispose();
        if (hd !== hd0 && hd !== h) hd.dispose();
        if (options.returnSequences) hs.push(hn);
        else if (h !== h0) h.dispose();
      }
      h = hn;
      c = cn;
      hd = hdn ?? hn;
    }
    if (!recording && hd !== h && hd !== hd0) hd.dispose();
    xw.dispose();
    const output = options.returnSequences ? tf.stack(hs, 1) : h;
    const value = withStates ? packOutputs([output, h, c]) : output;
    // the products' operands: h (or h ⊙ mask) of the initial state and of every step
    const operands = drop === null ? [h0, ...hs] : [hd0, ...hds];
    if (recording) save([x1, kernel, recurrentKernel, operands[0]!, c0, ...(mask === null ? [] : [mask]), ...(drop === null ? [] : [drop]), ...operands.slice(1), ...cs, ...gs]);

    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const [xS, kernelS, recurrentKernelS, h0S, c0S] = saved as [
        tf.Tensor3D,
        tf.Tensor2D,
        tf.Tensor2D,
        tf.Tensor2D,
        tf.Tensor2D,
      ];
      let offset = 5;
      const maskS = mask === null ? null : saved[offset++]!;
      const dropS = drop === null ? null : saved[offset++]!;
      const hsS = saved.slice(offset, offset + time);
      const csS = saved.slice(offset + time, offset + 2 * time);
      const gsS = saved.slice(offset + 2 * time, offset + 3 * time);
      const [dyOut, dhT, dcT] = withStates
        ? unpackGradient(dy, [outputShape, ...stateShapes])
        : [dy, null, null];
      const dOut = options.returnSequences ? dyOut! : null;
      let dhCarry: tf.Tensor | null = options.returnSequences ? dhT ?? null : dhT ? tf.add(dyOut!, dhT) : dyOut!;
      let dcNext: tf.Tensor | null = dcT ?? null;
      let dhRec: tf.Tensor | null = null;
      const recurrentT = tf.transpose(recurrentKernelS);
      const dzByTime: tf.Tensor[] = new Array<tf.Tensor>(time);
      const hPrevByTime: tf.Tensor[] = new Array<tf.Tensor>(time);
      for (let s = time - 1; s >= 0; s--) {
        const t = timeIndex(s, time, options.goBackwards);
        const cPrev = s > 0 ? csS[s - 1]! : c0S;
        const [dz, dcPrev, dhCarryPrev] = runFused(
          LSTM_STEP_GRAD,
          { gates: gsS[s], c: csS[s], cPrev, dhRec, dhCarry, dOut, dcNext, mask: maskS, recurrentMask: dropS },
          { t, s, ...attrs },
        ) as [tf.Tensor, tf.Tensor, tf.Tensor];
        dhRec?.dispose();
        if (dhCarry !== null && dhCarry !== dy) dhCarry.dispose();
        dcNext?.dispose();
        dhRec = plainMatMul(dz, recurrentT);
        dzByTime[t] = dz;
        hPrevByTime[t] = s > 0 ? hsS[s - 1]! : h0S;
        dhCarry = dhCarryPrev;
        dcNext = dcPrev;
      }
      const dh0 = tf.add(dropS === null ? dhRec! : tf.mul(dhRec!, dropS), dhCarry!);
      const dc0 = dcNext!;
      const dZ = stackRows(dzByTime);
      for (const dz of dzByTime) dz.dispose();
      const dRecurrentKernel = tf.matMul(tf.transpose(stackRows(hPrevByTime)), dZ);
      const { dx, dKernel, dBias } = inputGradients(xS, kernelS, dZ);
      return [dx, dKernel, dRecurrentKernel, dBias, dh0, dc0];
    };
    return { value, gradFunc };
  });

  const value = fused(x, weights.kernel, weights.recurrentKernel, biasInput, h0Input, c0Input);
  return withStates ? unpackOutputs(value, [outputShape, ...stateShapes]) : [value];
}
