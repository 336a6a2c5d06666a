import * as tf from "@tensorflow/tfjs";
import { SEQUENCE_KERNELS, sequenceKernelsAvailable } from "@recurrent/backends";
import type { CellKind } from "@recurrent/rnn-cells";
import type { SequenceOptions, SequenceWeights } from "./recurrent-sequence";
import { GATES, isRecordingGradients, runFused, STATE_COUNT } from "./recurrent-sequence";
import { packOutputs, unpackGradient, unpackOutputs } from "./packed-outputs";

/**
 * Whether the whole-sequence kernels of `cell` (both directions at once with `bidirectional`) serve the active
 * backend here: registered for it, and runnable (WebAssembly SIMD, threads and shared memory; the `sequenceKernels`
 * test switch on).
 */
export function wholeSequenceAvailable(cell: CellKind, bidirectional = false): boolean {
  const backend = tf.getBackend();
  const k = SEQUENCE_KERNELS[cell];
  const names = bidirectional ? [k.bidirectional, k.bidirectionalGrad] : [k.single, k.singleGrad];
  return names.every((name) => tf.getKernel(name, backend) !== undefined) && sequenceKernelsAvailable();
}

/** The kernels' attributes for a cell and the layer's options. */
function kernelAttrs(cell: CellKind, options: SequenceOptions): Record<string, number | string> {
  const attrs: Record<string, number | string> = { activation: options.activation, recurrentActivation: options.recurrentActivation };
  if (cell === "gru") attrs.resetAfter = options.resetAfter === true ? 1 : 0;
  return attrs;
}

/** The bias the kernels get when the layer has none (zeros, so that the gradient has somewhere to go). */
function zeroBias(cell: CellKind, options: SequenceOptions): tf.Tensor {
  const g = GATES[cell] * options.units;
  return tf.zeros(cell === "gru" && options.resetAfter === true ? [2, g] : [g]);
}

/** The state inputs of a cell's kernels: h0 (and c0 for the LSTM), with a suffix. */
function stateInputs(cell: CellKind, states: readonly tf.Tensor[], sfx = ""): Record<string, tf.Tensor> {
  return Object.fromEntries(states.slice(0, STATE_COUNT[cell]).map((s, i) => [`${i === 0 ? "h" : "c"}0${sfx}`, s]));
}

/**
 * Runs a recurrent layer (any cell, `tf.layers` semantics: LSTM, GRU in both `resetAfter` variants, SimpleRNN) over
 * a whole sequence through the whole-sequence kernels of `@recurrent/backends` (check {@link wholeSequenceAvailable}
 * first): the input projections and the recurrence are one kernel call forward, run by worker threads together with
 * this one, and the full BPTT with every weight gradient one call backward; what the backward pass needs stays in
 * the kernels' memory in between, with or without recurrent dropout (`options.recurrentDropoutMask`).
 *
 * @param x `[batch, time, inputDim]`, float32, time ≥ 1.
 * @param initialState the cell's states (`[h0]`, or `[h0, c0]` for the LSTM), each `[batch, units]`, or null for zeros.
 * @param mask `[batch, time]` float32 (1 = real step, 0 = padding) or null.
 * @param withStates also return the final states.
 * @returns `[output]` or `[output, ...final states]`; output is `[batch, time, units]` with `returnSequences`, else
 *   `[batch, units]`.
 */
export function wholeSequence(
  cell: CellKind,
  x: tf.Tensor3D,
  weights: SequenceWeights,
  initialState: readonly tf.Tensor[] | null,
  mask: tf.Tensor2D | null,
  options: SequenceOptions,
  withStates: boolean,
): tf.Tensor[] {
  const [batch, time] = x.shape;
  const units = options.units;
  const kernels = SEQUENCE_KERNELS[cell];
  const stateCount = STATE_COUNT[cell];
  const states = Array.from({ length: stateCount }, (_, i) => initialState?.[i] ?? tf.zeros([batch, units]));
  const attrs = { ...kernelAttrs(cell, options), goBackwards: options.goBackwards ? 1 : 0, returnSequences: options.returnSequences ? 1 : 0 };
  const outputShape = options.returnSequences ? [batch, time, units] : [batch, units];
  const stateShapes = states.map(() => [batch, units]);
  const inputs = (w: SequenceWeights, bias: tf.Tensor | null, s: readonly tf.Tensor[]) => ({
    x,
    mask,
    kernel: w.kernel,
    u: w.recurrentKernel,
    bias,
    recurrentMask: options.recurrentDropoutMask ?? null,
    ...stateInputs(cell, s),
  });
  if (!isRecordingGradients()) {
    const outs = runFused(kernels.single, inputs(weights, weights.bias, states), attrs);
    const finals = outs.slice(-stateCount);
    const output = options.returnSequences ? outs[0]! : finals[0]!;
    if (withStates) return [output, ...finals];
    tf.dispose(finals.filter((t) => t !== output));
    return [output];
  }
  const fused = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x1, kernel, recurrentKernel, bias, ...rest] = args as tf.Tensor[];
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const s = rest.slice(0, stateCount);
    const w = { kernel: kernel as tf.Tensor2D, recurrentKernel: recurrentKernel as tf.Tensor2D, bias: null };
    const outs = runFused(kernels.single, { ...inputs(w, bias!, s), x: x1 }, { ...attrs, forGradient: 1 });
    // [y,] the final states, and the handle to the activations the kernels keep for the backward pass
    const finals = outs.slice(-1 - stateCount, -1);
    const output = options.returnSequences ? outs[0]! : finals[0]!;
    const value = withStates ? packOutputs([output, ...finals]) : output;
    save([outs[outs.length - 1]!]);

    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const [dyOut, dhT, dcT] = withStates ? unpackGradient(dy, [outputShape, ...stateShapes]) : [dy, null, null];
      // the gradient of the output sequence, or of the last output (which is hT)
      const dSeq = options.returnSequences ? dyOut! : null;
      const dh = options.returnSequences ? dhT ?? null : dhT ? tf.add(dyOut!, dhT) : dyOut!;
      // dx, dkernel, du, dbias, dh0 (, dc0): the order of the customGrad function's inputs
      return runFused(kernels.singleGrad, { saved: saved[0], dy: dSeq, dh, dc: dcT ?? null }, {});
    };
    return { value, gradFunc };
  });
  const value = fused(x, weights.kernel, weights.recurrentKernel, weights.bias ?? zeroBias(cell, options), ...states);
  return withStates ? unpackOutputs(value, [outputShape, ...stateShapes]) : [value];
}

/**
 * Both directions of a bidirectional layer (`tf.layers.bidirectional` over an LSTM, GRU or SimpleRNN) in one kernel
 * call forward and one backward, the two directions running at the same time on two threads (check
 * {@link wholeSequenceAvailable} with `bidirectional` first). Zero initial states, no recurrent dropout.
 *
 * @param x `[batch, time, inputDim]`, float32, time ≥ 1.
 * @param forward the forward layer's weights; `backward` the backward layer's.
 * @param mask `[batch, time]` float32 (1 = real step, 0 = padding) or null.
 * @param options the layers' options (the same for both directions; `goBackwards` is ignored: the forward
 *   direction runs from the first step, the backward one from the last).
 * @returns `[forwardOutput, backwardOutput]`, each `[batch, time, units]` with returnSequences (the backward one in
 *   its processing order, as the stock backward layer returns it) or `[batch, units]`.
 */
export function bidirectionalSequence(
  cell: CellKind,
  x: tf.Tensor3D,
  forward: SequenceWeights,
  backward: SequenceWeights,
  mask: tf.Tensor2D | null,
  options: SequenceOptions,
): [tf.Tensor, tf.Tensor] {
  const [batch, time] = x.shape;
  const units = options.units;
  const kernels = SEQUENCE_KERNELS[cell];
  const stateCount = STATE_COUNT[cell];
  const attrs = { ...kernelAttrs(cell, options), returnSequences: options.returnSequences ? 1 : 0 };
  const zeros = Array.from({ length: stateCount }, () => tf.zeros([batch, units]));
  const laneInputs = (w: SequenceWeights, sfx: string, bias: tf.Tensor | null): Record<string, tf.Tensor | null> => ({
    [`kernel${sfx}`]: w.kernel,
    [`u${sfx}`]: w.recurrentKernel,
    [`bias${sfx}`]: bias,
    ...stateInputs(cell, zeros, sfx),
  });
  // the per-direction outputs: [y,] the final states
  const perLane = stateCount + (options.returnSequences ? 1 : 0);
  if (!isRecordingGradients()) {
    const outs = runFused(kernels.bidirectional, { x, mask, ...laneInputs(forward, "F", forward.bias), ...laneInputs(backward, "B", backward.bias) }, attrs);
    for (const [i, t] of outs.entries()) if (i !== 0 && i !== perLane) t.dispose();
    tf.dispose(zeros);
    return [outs[0]!, outs[perLane]!];
  }
  const outShape = options.returnSequences ? [batch, time, units] : [batch, units];
  const noBias = zeroBias(cell, options);
  // One customGrad over both directions: its value is the two outputs side by side on the last axis.
  const fused = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x1, kF, uF, bF, kB, uB, bB] = args as tf.Tensor[];
    const save = args[7] as tf.GradSaveFunc;
    const outs = runFused(
      kernels.bidirectional,
      {
        x: x1,
        mask,
        ...laneInputs({ kernel: kF as tf.Tensor2D, recurrentKernel: uF as tf.Tensor2D, bias: null }, "F", bF!),
        ...laneInputs({ kernel: kB as tf.Tensor2D, recurrentKernel: uB as tf.Tensor2D, bias: null }, "B", bB!),
      },
      { ...attrs, forGradient: 1 },
    );
    save([outs[outs.length - 1]!]);
    const value = tf.concat([outs[0]!, outs[perLane]!], -1);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const [dyF, dyB] = tf.split(dy, 2, -1) as [tf.Tensor, tf.Tensor];
      const incoming = options.returnSequences ? { dyF, dyB } : { dhF: dyF, dhB: dyB };
      // dx, then per direction dkernel, du, dbias and the initial states' gradients, dropped (zeros are constants)
      const g = runFused(kernels.bidirectionalGrad, { saved: saved[0], ...incoming }, {});
      const lane = 3 + stateCount;
      return [g[0]!, g[1]!, g[2]!, g[3]!, g[1 + lane]!, g[2 + lane]!, g[3 + lane]!];
    };
    return { value, gradFunc };
  });
  const value = fused(
    x,
    forward.kernel,
    forward.recurrentKernel,
    forward.bias ?? noBias,
    backward.kernel,
    backward.recurrentKernel,
    backward.bias ?? noBias,
  );
  const [outF, outB] = tf.split(value, 2, -1) as [tf.Tensor, tf.Tensor];
  return [tf.reshape(outF, outShape), tf.reshape(outB, outShape)];
}
