import * as tf from "@tensorflow/tfjs";
import { hasRecurrentKernels, RECURRENT_ACTIVATIONS, registerRecurrentKernels } from "@recurrent/backends";
import type { RecurrentActivation } from "@recurrent/backends";
import { ModelsError } from "../models-error";
import { createRandom, deriveSeed } from "../random";
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
  /** tfjs's test hook (`dropoutFunc` of the layer config): `(ones, rate) => mask`, used instead of random masks. */
  dropoutFunc?: ((ones: tf.Tensor, rate: number) => tf.Tensor) | null;
  /** Keras's reset-after GRU (this package's cell of `FastGRU` with `resetAfter: true`). */
  resetAfter?: boolean;
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

/** What a fast layer does when a call cannot run on the fused kernels. */
export type FastPathMode = "auto" | "require";

/** Options every fast layer takes besides its tf.layers configuration. */
export interface FastLayerOptions {
  /**
   * When a call cannot run on the fused kernels (see {@link fastPathBlocker}): `"auto"` runs the stock tf.layers code
   * path and warns once per layer (`console.warn`, naming the layer and the reason); `"require"` throws a
   * `ModelsError` with code `FAST_PATH_UNAVAILABLE` and the reason. Not part of the saved configuration (a saved
   * model stays what stock tfjs reads); a loaded layer is `"auto"`.
   * @default "auto"
   */
  fastPath?: FastPathMode;
  /**
   * Seed of the dropout and recurrent-dropout masks (tf.layers' RNNs have none: their masks are unseeded). The
   * masks of the k-th training call of the layer come from a stream derived from (seed, goBackwards, k), so a run
   * repeats given the same seed and the same sequence of calls. Saved in the configuration when set (as Keras 3's
   * RNN layers save `seed`; stock tfjs ignores the key). `null`: unseeded masks, as tf.layers.
   * @default null
   */
  seed?: number | null;
}

/** @internal Per-layer state of the fast path. */
interface FastLayerState {
  fastPath: FastPathMode;
  seed: number | null;
  /** Training calls that drew dropout masks from the seed. */
  calls: number;
  warned: boolean;
}

const STATE: unique symbol = Symbol.for("@recurrent/models.fastLayerState");

/**
 * @internal Validates and stores a fast layer's {@link FastLayerOptions} (called by the constructors).
 * @throws {RangeError} for a `fastPath` other than "auto" / "require"; {@link TypeError} for a non-integer seed.
 */
export function initFastLayer(layer: object, options: FastLayerOptions): void {
  const fastPath = options.fastPath ?? "auto";
  if (fastPath !== "auto" && fastPath !== "require") {
    throw new RangeError(`expected fastPath "auto" | "require", got ${JSON.stringify(fastPath)}`);
  }
  const seed = options.seed ?? null;
  if (seed !== null && !Number.isInteger(seed)) throw new TypeError(`expected an integer seed (or null), got ${String(seed)}`);
  Object.defineProperty(layer, STATE, { value: { fastPath, seed, calls: 0, warned: false } satisfies FastLayerState, configurable: true });
}

function stateOf(layer: object): FastLayerState {
  const holder = layer as { [STATE]?: FastLayerState };
  if (holder[STATE] === undefined) initFastLayer(layer, {});
  return holder[STATE]!;
}

/** @internal The `fastPath` mode of a fast layer ("auto" for anything else). */
export function fastPathMode(layer: unknown): FastPathMode {
  return layer !== null && typeof layer === "object" && (layer as { [STATE]?: FastLayerState })[STATE]?.fastPath === "require" ? "require" : "auto";
}

/** @internal Sets the `fastPath` mode of a fast layer (FastBidirectional passes its own to the wrapped layers). */
export function setFastPathMode(layer: object, mode: FastPathMode): void {
  stateOf(layer).fastPath = mode;
}

/** @internal The dropout seed of a fast layer, or null. */
export function dropoutSeed(layer: object): number | null {
  return stateOf(layer).seed;
}

/**
 * @internal A call of `layer` takes the stock code path for `reason`: throws with `fastPath: "require"`, otherwise
 * warns the first time.
 * @throws {ModelsError} `FAST_PATH_UNAVAILABLE` when the layer's `fastPath` is "require".
 */
export function reportStockPath(layer: tf.layers.Layer, reason: string): void {
  const state = stateOf(layer);
  const what = `${layer.name} (${layer.getClassName()})`;
  if (state.fastPath === "require") {
    throw new ModelsError("FAST_PATH_UNAVAILABLE", `${what} cannot run on the fused kernels (fastPath: "require"): ${reason}`);
  }
  if (!state.warned) {
    state.warned = true;
    console.warn(`@recurrent/models: ${what} runs the stock tf.layers code path (15–23× slower): ${reason}. This warning is shown once per layer; pass fastPath: "require" to make it an error.`);
  }
}

/** Whether a call with these keyword arguments draws dropout masks (training, with a rate in (0, 1)). */
export function dropoutActive(layer: unknown, kwargs: Kwargs): boolean {
  const cell = (layer as RnnView | null)?.cell as CellView | undefined;
  if (cell === undefined || kwargs?.training !== true) return false;
  return (cell.dropout > 0 && cell.dropout < 1) || (cell.recurrentDropout > 0 && cell.recurrentDropout < 1);
}

/** Gate blocks of each cell: tf.layers draws that many masks and uses the first (kept for `dropoutFunc`'s sake). */
const MASK_COUNT: Readonly<Record<CellKind, number>> = { lstm: 4, gru: 3, "simple-rnn": 1 };

/**
 * One dropout mask `[rows, cols]` of 0 and 1 / (1 − rate), as tf.layers' `generateDropoutMask` makes it: from the
 * cell's `dropoutFunc` when the config has one (called as often as tf.layers calls it, the first result used), else
 * from the layer's seed, else unseeded (`tf.dropout`, as tf.layers).
 */
function dropoutMask(layer: object, cellType: CellKind, cell: CellView, shape: [number, number], rate: number, salt: string): tf.Tensor2D {
  if (typeof cell.dropoutFunc === "function") {
    const masks = Array.from({ length: MASK_COUNT[cellType] }, () => cell.dropoutFunc!(tf.ones(shape), rate));
    return masks[0] as tf.Tensor2D;
  }
  const state = stateOf(layer);
  if (state.seed === null) return tf.dropout(tf.ones(shape), rate) as tf.Tensor2D;
  const random = createRandom(deriveSeed(state.seed, salt, (layer as RnnView).goBackwards ? 1 : 0, state.calls));
  const keep = 1 / (1 - rate);
  const values = new Float32Array(shape[0] * shape[1]);
  for (let i = 0; i < values.length; i++) values[i] = random.next() >= rate ? keep : 0;
  return tf.tensor2d(values, shape);
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
 * @param kwargs the call's keyword arguments (kept for compatibility; dropout while training no longer blocks).
 * @returns null, or a sentence saying why the stock code path would run.
 * @example
 * await initBackend();
 * fastPathBlocker(fastLstm({ units: 8 })); // null on cpu and wasm
 * fastPathBlocker(fastLstm({ units: 8, activation: "swish" })); // 'activation "swish" is not fused'
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
  return layerBlocker(layer, cell);
}

/** {@link fastPathBlocker} for a fast single-direction layer whose cell kind is known. */
function layerBlocker(layer: unknown, cellType: CellKind): string | null {
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
  if (asActivation(cell.activation.getClassName()) === null) {
    return `activation "${cell.activation.getClassName()}" is not fused`;
  }
  if (cellType !== "simple-rnn" && asActivation(cell.recurrentActivation?.getClassName()) === null) {
    return `recurrent activation "${cell.recurrentActivation?.getClassName() ?? "none"}" is not fused`;
  }
  return null;
}

/** Why the fused path cannot take these inputs, or null. */
function inputBlocker(inputs: tf.Tensor | tf.Tensor[]): string | null {
  const x = Array.isArray(inputs) ? inputs[0] : inputs;
  if (x === undefined) return "no input tensor";
  if (x.rank !== 3) return `expected an input of rank 3 [batch, time, features], got rank ${x.rank}`;
  if (x.dtype !== "float32") return `expected a float32 input, got ${x.dtype}`;
  if ((x.shape[1] ?? 0) < 1) return "the input has no time steps";
  return null;
}

/**
 * Runs a tf.layers recurrent layer's `call` through the fused kernels. Returns null when the fused path does not
 * apply (see {@link fastPathBlocker}), after reporting it as the layer's `fastPath` says (warning once, or throwing);
 * the caller then runs the stock implementation.
 *
 * Dropout while training: the input mask `[batch, features]` multiplies x at every step (applied to x once, before
 * the sequence kernels), the recurrent mask `[batch, units]` multiplies h_{t−1} before the recurrent product at every
 * step (inside the per-step kernels); one mask each per call, shared by all gate blocks, as tf.layers (which draws
 * one per gate block and uses the first).
 *
 * @throws {ModelsError} `FAST_PATH_UNAVAILABLE` when the fused path does not apply and the layer's `fastPath` is
 *   "require".
 */
export function fastRecurrentCall(
  layer: tf.layers.Layer,
  cellType: CellKind,
  inputs: tf.Tensor | tf.Tensor[],
  kwargs: Kwargs,
): tf.Tensor | tf.Tensor[] | null {
  const blocker = layerBlocker(layer, cellType) ?? inputBlocker(inputs);
  if (blocker !== null) {
    reportStockPath(layer, blocker);
    return null;
  }
  const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor3D;
  const rnn = layer as unknown as RnnView;
  const cell = rnn.cell as CellView;
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
    const { mask, options, weights } = sequenceArguments(layer, x, kwargs);
    let input = x;
    if (dropoutActive(layer, kwargs)) {
      const [batch, , features] = x.shape;
      if (cell.dropout > 0 && cell.dropout < 1) {
        const inputMask = dropoutMask(layer, cellType, cell, [batch, features], cell.dropout, "dropout");
        input = tf.mul(x, tf.expandDims(inputMask, 1));
      }
      if (cell.recurrentDropout > 0 && cell.recurrentDropout < 1) {
        options.recurrentDropoutMask = dropoutMask(layer, cellType, cell, [batch, cell.units], cell.recurrentDropout, "recurrentDropout");
      }
      stateOf(layer).calls++;
    }
    const run = SEQUENCE_FUNCTIONS[cellType];
    const outputs = run(input, weights, initialState, mask, options, rnn.returnState || rnn.stateful);
    if (rnn.stateful) stateful.resetStates(outputs.slice(1), kwargs?.training === true);
    return rnn.returnState ? outputs : outputs[0]!;
  });
}

/**
 * The sequence function of a cell: each takes the whole-sequence kernels where they serve the backend, else its
 * per-step kernels.
 */
const SEQUENCE_FUNCTIONS: Readonly<Record<CellKind, typeof lstmSequence>> = {
  lstm: lstmSequence,
  gru: gruSequence,
  "simple-rnn": simpleRnnSequence,
};

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
  if (cell.resetAfter === true) options.resetAfter = true;
  const weights: SequenceWeights = {
    kernel: cell.kernel!.read() as tf.Tensor2D,
    recurrentKernel: cell.recurrentKernel!.read() as tf.Tensor2D,
    bias: cell.bias === null ? null : (cell.bias.read() as tf.Tensor1D | tf.Tensor2D),
  };
  return { mask, options, weights };
}
