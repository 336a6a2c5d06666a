import * as tf from "@tensorflow/tfjs";
import { hasRecurrentKernels, RECURRENT_ACTIVATIONS, registerRecurrentKernels } from "@recurrent/backends";
import type { RecurrentActivation } from "@recurrent/backends";
import { gruSequence } from "./gru-sequence";
import { lstmSequence } from "./lstm-sequence";
import type { CellKind } from "@recurrent/rnn-cells";
import type { SequenceOptions, SequenceWeights } from "./recurrent-sequence";
import { STATE_COUNT } from "./recurrent-sequence";
import { simpleRnnSequence } from "./simple-rnn-sequence";

/**
 * Backends on which the fused path runs; on any other backend the stock tf.layers implementation is used.
 *
 * @example
 * FAST_RECURRENT_BACKENDS.includes(tf.getBackend())
 */
export const FAST_RECURRENT_BACKENDS: readonly string[] = ["cpu", "wasm"];

/** The parts of a tf.layers recurrent cell the fused path reads. */
interface CellView {
  units: number;
  kernel: { read(): tf.Tensor } | null;
  recurrentKernel: { read(): tf.Tensor } | null;
  bias: { read(): tf.Tensor } | null;
  activation: { getClassName(): string };
  recurrentActivation?: { getClassName(): string };
  dropout: number;
  recurrentDropout: number;
}

/** The state handling of a stateful tf.layers RNN layer. */
interface StatefulView {
  states_: tf.Tensor[] | null;
  resetStates(states: tf.Tensor[], training: boolean): void;
}

/** The parts of a tf.layers RNN layer the fused path reads. */
interface RnnView {
  cell: unknown;
  returnSequences: boolean;
  returnState: boolean;
  goBackwards: boolean;
  stateful: boolean;
}

type Kwargs = Record<string, unknown> | undefined | null;

function asActivation(name: string | undefined): RecurrentActivation | null {
  return name !== undefined && (RECURRENT_ACTIVATIONS as readonly string[]).includes(name)
    ? (name as RecurrentActivation)
    : null;
}

/** The cell kind of a recurrent layer class name (`"LSTM"` → `"lstm"`), or null for other layers. */
function cellOfClass(className: string): CellKind | null {
  return className === "LSTM" ? "lstm" : className === "GRU" ? "gru" : className === "SimpleRNN" ? "simple-rnn" : null;
}

/** Whether a layer is one of this package's fast layers (they mark their prototype). */
function isFastLayer(layer: object): boolean {
  return (layer as { [FAST_LAYER]?: true })[FAST_LAYER] === true;
}

const FAST_LAYER: unique symbol = Symbol.for("@recurrent/models.fastLayer");

/** @internal Marks a fast layer class, so {@link fastPathBlocker} can tell its instances from stock ones. */
export function markFastLayer(layerClass: { prototype: object }): void {
  Object.defineProperty(layerClass.prototype, FAST_LAYER, { value: true });
}

/**
 * Why the fused path cannot run a call of `layer`, or null when it can (it then runs on the fused kernels).
 * Works for every fast layer (`FastLSTM`, `FastGRU`, `FastSimpleRNN`, `FastBidirectional`, and the layers the
 * builders make); for a stock `tf.layers` layer it says that it is stock. Registers the fused kernels on first use.
 *
 * @param layer a layer, usually one of this package's fast recurrent layers.
 * @param kwargs the call's keyword arguments (`training: true` matters for dropout).
 * @returns null, or a sentence saying why the stock code path would run.
 * @example
 * await initBackend();
 * fastPathBlocker(fastLstm({ units: 8 })); // null on cpu and wasm
 * fastPathBlocker(fastLstm({ units: 8, dropout: 0.2 }), { training: true }); // "dropout during training …"
 */
export function fastPathBlocker(layer: unknown, kwargs: Kwargs = {}): string | null {
  if (layer === null || typeof layer !== "object" || typeof (layer as { getClassName?: unknown }).getClassName !== "function") {
    return "not a tfjs layer";
  }
  const className = (layer as tf.layers.Layer).getClassName();
  if (className === "Bidirectional") {
    if (!isFastLayer(layer)) return "stock tf.layers.bidirectional (use fastBidirectional)";
    const wrapper = layer as unknown as { forwardLayer: unknown; backwardLayer: unknown };
    const forward = fastPathBlocker(wrapper.forwardLayer, kwargs);
    if (forward !== null) return `forward layer: ${forward}`;
    const backward = fastPathBlocker(wrapper.backwardLayer, kwargs);
    return backward === null ? null : `backward layer: ${backward}`;
  }
  const cell = cellOfClass(className);
  if (cell === null) return `layer class "${className}" is not a recurrent layer (LSTM, GRU, SimpleRNN or Bidirectional)`;
  if (!isFastLayer(layer)) return `stock tf.layers ${className} (use the fast layer of this package)`;
  return layerBlocker(layer, cell, kwargs);
}

/** {@link fastPathBlocker} for a fast single-direction layer whose cell kind is known. */
function layerBlocker(layer: unknown, cellType: CellKind, kwargs: Kwargs): string | null {
  const backend = tf.engine().backendName as string | null | undefined;
  if (backend == null) return "no tfjs backend is set yet (await initBackend() or tf.setBackend() first)";
  if (!FAST_RECURRENT_BACKENDS.includes(backend)) return `backend "${backend}" has no fused recurrent kernels`;
  registerRecurrentKernels();
  if (!hasRecurrentKernels(backend)) return `fused recurrent kernels are not registered for "${backend}"`;
  const rnn = layer as RnnView;
  if (rnn.stateful && (rnn as unknown as { states_: unknown }).states_ == null) {
    return "stateful layer without states (not built with a batch size)";
  }
  const cell = rnn.cell as CellView;
  const training = kwargs?.training === true;
  if (training && (cell.dropout > 0 || cell.recurrentDropout > 0)) {
    return "dropout during training uses the stock implementation";
  }
  if (asActivation(cell.activation.getClassName()) === null) {
    return `activation "${cell.activation.getClassName()}" is not fused`;
  }
  if (cellType !== "simple-rnn" && asActivation(cell.recurrentActivation?.getClassName()) === null) {
    return `recurrent activation "${cell.recurrentActivation?.getClassName() ?? "none"}" is not fused`;
  }
  return null;
}

/**
 * Runs a tf.layers recurrent layer's `call` through the fused kernels. Returns null when the fused path does not
 * apply (see {@link fastPathBlocker}); the caller then runs the stock implementation.
 */
export function fastRecurrentCall(
  layer: unknown,
  cellType: CellKind,
  inputs: tf.Tensor | tf.Tensor[],
  kwargs: Kwargs,
): tf.Tensor | tf.Tensor[] | null {
  if (layerBlocker(layer, cellType, kwargs) !== null) return null;
  const x = Array.isArray(inputs) ? inputs[0] : inputs;
  if (x === undefined || x.rank !== 3 || x.dtype !== "float32" || (x.shape[1] ?? 0) < 1) return null;
  const rnn = layer as RnnView;
  return tf.tidy(() => {
    let initialState = (kwargs?.initialState ?? null) as tf.Tensor[] | tf.Tensor | null;
    if (initialState !== null && !Array.isArray(initialState)) initialState = [initialState];
    if (initialState === null && Array.isArray(inputs) && inputs.length > 1) initialState = inputs.slice(1);
    // Stateful layers start from the states the previous call left, and store the final states (as tf.layers).
    const stateful = rnn as unknown as StatefulView;
    if (initialState === null && rnn.stateful) initialState = stateful.states_;
    if (initialState !== null && initialState.length !== STATE_COUNT[cellType]) {
      throw new RangeError(
        `expected ${STATE_COUNT[cellType]} initial state tensor(s) for a ${cellType} layer, got ${initialState.length}`,
      );
    }
    const { mask, options, weights } = sequenceArguments(layer, x as tf.Tensor3D, kwargs);
    const run = cellType === "lstm" ? lstmSequence : cellType === "gru" ? gruSequence : simpleRnnSequence;
    const outputs = run(x as tf.Tensor3D, weights, initialState, mask, options, rnn.returnState || rnn.stateful);
    if (rnn.stateful) stateful.resetStates(outputs.slice(1), kwargs?.training === true);
    return rnn.returnState ? outputs : outputs[0]!;
  });
}

/**
 * What the fused sequence functions take from a layer's call: the mask as `[batch, time]` float32 (or null), the
 * options and the current weights. Call inside a `tf.tidy`.
 */
export function sequenceArguments(
  layer: unknown,
  x: tf.Tensor3D,
  kwargs: Kwargs,
): { mask: tf.Tensor2D | null; options: SequenceOptions; weights: SequenceWeights } {
  const rnn = layer as RnnView;
  const cell = rnn.cell as CellView;
  let maskIn = (kwargs?.mask ?? null) as tf.Tensor | tf.Tensor[] | null;
  if (Array.isArray(maskIn)) maskIn = maskIn[0] ?? null;
  const [batch, time] = x.shape;
  const mask = maskIn === null ? null : (tf.reshape(tf.cast(tf.cast(maskIn, "bool"), "float32"), [batch, time]) as tf.Tensor2D);
  const options: SequenceOptions = {
    units: cell.units,
    activation: asActivation(cell.activation.getClassName())!,
    recurrentActivation: asActivation(cell.recurrentActivation?.getClassName()) ?? "linear",
    goBackwards: rnn.goBackwards,
    returnSequences: rnn.returnSequences,
  };
  const weights: SequenceWeights = {
    kernel: cell.kernel!.read() as tf.Tensor2D,
    recurrentKernel: cell.recurrentKernel!.read() as tf.Tensor2D,
    bias: cell.bias === null ? null : (cell.bias.read() as tf.Tensor1D),
  };
  return { mask, options, weights };
}
