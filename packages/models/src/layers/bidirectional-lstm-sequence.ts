import * as tf from "@tensorflow/tfjs";
import { BIDIRECTIONAL_LSTM_SEQUENCE, BIDIRECTIONAL_LSTM_SEQUENCE_GRAD, lstmSequenceAvailable } from "@recurrent/backends";
import type { SequenceOptions, SequenceWeights } from "./recurrent-sequence";
import { isRecordingGradients, runFused } from "./recurrent-sequence";

/** Whether the bidirectional whole-sequence kernels serve the active backend here. */
export function bidirectionalLstmAvailable(): boolean {
  const backend = tf.getBackend();
  return (
    tf.getKernel(BIDIRECTIONAL_LSTM_SEQUENCE, backend) !== undefined &&
    tf.getKernel(BIDIRECTIONAL_LSTM_SEQUENCE_GRAD, backend) !== undefined &&
    lstmSequenceAvailable()
  );
}

/**
 * Both directions of a bidirectional LSTM (`tf.layers.bidirectional` over `tf.layers.lstm`) in one kernel call
 * forward and one backward, the two directions running at the same time on two threads. Zero initial states.
 *
 * @param x `[batch, time, inputDim]`, float32, time ≥ 1.
 * @param forward the forward layer's weights; `backward` the backward layer's.
 * @param mask `[batch, time]` float32 (1 = real step, 0 = padding) or null.
 * @param options the layers' options (the same for both directions; `goBackwards` is ignored: the forward
 *   direction runs from the first step, the backward one from the last).
 * @returns `[forwardOutput, backwardOutput]`, each `[batch, time, units]` with returnSequences (the backward one in
 *   its processing order, as the stock backward layer returns it) or `[batch, units]`.
 */
export function bidirectionalLstmSequence(
  x: tf.Tensor3D,
  forward: SequenceWeights,
  backward: SequenceWeights,
  mask: tf.Tensor2D | null,
  options: SequenceOptions,
): [tf.Tensor, tf.Tensor] {
  const [batch, time] = x.shape;
  const units = options.units;
  const attrs = {
    activation: options.activation,
    recurrentActivation: options.recurrentActivation,
    returnSequences: options.returnSequences ? 1 : 0,
  };
  const zeros = tf.zeros([batch, units]);
  const laneInputs = (w: SequenceWeights, sfx: string, bias: tf.Tensor | null): Record<string, tf.Tensor | null> => ({
    [`kernel${sfx}`]: w.kernel,
    [`u${sfx}`]: w.recurrentKernel,
    [`bias${sfx}`]: bias,
    [`h0${sfx}`]: zeros,
    [`c0${sfx}`]: zeros,
  });
  // the per-direction outputs: [y,] hT, cT
  const perLane = options.returnSequences ? 3 : 2;
  if (!isRecordingGradients()) {
    const outs = runFused(BIDIRECTIONAL_LSTM_SEQUENCE, { x, mask, ...laneInputs(forward, "F", forward.bias), ...laneInputs(backward, "B", backward.bias) }, attrs);
    const pick = (lane: number): tf.Tensor => outs[lane * perLane]!;
    for (const [i, t] of outs.entries()) if (i !== 0 && i !== perLane) t.dispose();
    zeros.dispose();
    return [pick(0), pick(1)];
  }
  const outShape = options.returnSequences ? [batch, time, units] : [batch, units];
  const zeroBias = tf.zeros([4 * units]);
  // One customGrad over both directions: its value is the two outputs side by side on the last axis.
  const fused = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x1, kF, uF, bF, kB, uB, bB] = args as tf.Tensor[];
    const save = args[7] as tf.GradSaveFunc;
    const outs = runFused(
      BIDIRECTIONAL_LSTM_SEQUENCE,
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
      // dx, then per direction dkernel, du, dbias, dh0, dc0: drop the initial states' gradients (zeros are constants)
      const g = runFused(BIDIRECTIONAL_LSTM_SEQUENCE_GRAD, { saved: saved[0], ...incoming }, {});
      return [g[0]!, g[1]!, g[2]!, g[3]!, g[6]!, g[7]!, g[8]!];
    };
    return { value, gradFunc };
  });
  const value = fused(
    x,
    forward.kernel,
    forward.recurrentKernel,
    forward.bias ?? zeroBias,
    backward.kernel,
    backward.recurrentKernel,
    backward.bias ?? zeroBias,
  );
  const [outF, outB] = tf.split(value, 2, -1) as [tf.Tensor, tf.Tensor];
  return [tf.reshape(outF, outShape), tf.reshape(outB, outShape)];
}
