import * as tf from "@tensorflow/tfjs";
import { dropoutActive, fastPathBlocker, fastPathMode, markFastLayer, sequenceArguments, setFastPathMode } from "./fast-recurrent-call";
import type { FastLayerOptions } from "./fast-recurrent-call";
import { swapInFastLayers } from "./register-fast-layers";
import { FastGRU } from "./fast-gru";
import { FastLSTM } from "./fast-lstm";
import { FastSimpleRNN } from "./fast-simple-rnn";
import { stockLayerClass, type LayerConstructor } from "./stock-layer-class";
import { bidirectionalSequence, wholeSequenceAvailable } from "./whole-sequence";
import type { CellKind } from "@recurrent/rnn-cells";

type StockInstance = ReturnType<typeof tf.layers.bidirectional>;
/** The configuration of `tf.layers.bidirectional`. */
export type BidirectionalLayerArgs = Parameters<typeof tf.layers.bidirectional>[0];

const Stock: LayerConstructor<BidirectionalLayerArgs, StockInstance> = stockLayerClass("Bidirectional");

const FAST_CLASSES: Readonly<Record<string, new (config: never) => tf.layers.Layer>> = {
  LSTM: FastLSTM as unknown as new (config: never) => tf.layers.Layer,
  GRU: FastGRU as unknown as new (config: never) => tf.layers.Layer,
  SimpleRNN: FastSimpleRNN as unknown as new (config: never) => tf.layers.Layer,
};

/** Replaces a stock LSTM / GRU / SimpleRNN layer by its fast equivalent with the same configuration and name. */
function toFast(layer: tf.layers.Layer): tf.layers.Layer {
  if (layer instanceof FastLSTM || layer instanceof FastGRU || layer instanceof FastSimpleRNN) return layer;
  const Fast = FAST_CLASSES[layer.getClassName()];
  if (Fast === undefined) return layer;
  const fast = new Fast(layer.getConfig() as never);
  fast.name = layer.name;
  return fast;
}

type Kwargs = Record<string, unknown>;

/** The cell of a fast single-direction layer, or null for any other layer. */
function cellOf(layer: tf.layers.Layer): CellKind | null {
  if (layer instanceof FastLSTM) return "lstm";
  if (layer instanceof FastGRU) return "gru";
  if (layer instanceof FastSimpleRNN) return "simple-rnn";
  return null;
}

/** The parts of the stock wrapper the fused call reads. */
interface WrapperView {
  forwardLayer: tf.layers.Layer;
  backwardLayer: tf.layers.Layer;
  returnSequences: boolean;
  returnState: boolean;
  mergeMode: "concat" | "sum" | "mul" | "ave" | null | undefined;
}

/**
 * `tf.layers.bidirectional` whose forward and backward layers are the fast LSTM / GRU / SimpleRNN layers
 * (other wrapped layers are kept as they are). Same configuration, class name (`"Bidirectional"`), weights
 * (forward layer's, then backward layer's) and merge modes as the stock wrapper. Over an LSTM, GRU (either
 * `resetAfter`) or SimpleRNN, where the whole-sequence kernels run, both directions go through one kernel call
 * and run at the same time on two threads; otherwise (dropout while training, initial states, `returnState`,
 * stateful layers) each direction is its layer's call, as in the stock wrapper.
 */
export class FastBidirectional extends Stock {
  /** Same as the stock wrapper's, so saved models name the stock class. */
  static override className = "Bidirectional";

  constructor(args: BidirectionalLayerArgs & Pick<FastLayerOptions, "fastPath">) {
    const { fastPath, ...rest } = args;
    const restore = swapInFastLayers(); // the stock constructor clones the layer by class name: GRU resetAfter needs ours
    try {
      super(rest);
    } finally {
      restore();
    }
    // The stock constructor clones the wrapped layer through the serialization registry, which yields stock
    // layers; swap them for the fast ones before anything is built.
    const self = this as unknown as { forwardLayer: tf.layers.Layer; backwardLayer: tf.layers.Layer };
    self.forwardLayer = toFast(self.forwardLayer);
    self.backwardLayer = toFast(self.backwardLayer);
    // the wrapped layers run (or report) the calls; they take the wrapper's fastPath, else the given layer's
    const mode = fastPath ?? fastPathMode(args.layer);
    for (const layer of [self.forwardLayer, self.backwardLayer]) setFastPathMode(layer, mode);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    return this.bothDirectionsAtOnce(inputs, kwargs) ?? super.call(inputs, kwargs);
  }

  /** Both directions in one kernel call, merged as the stock wrapper merges; null where that does not apply. */
  private bothDirectionsAtOnce(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] | null {
    const self = this as unknown as WrapperView;
    const fwd = self.forwardLayer as unknown as { goBackwards: boolean; stateful: boolean; returnSequences: boolean };
    const bwd = self.backwardLayer as unknown as { goBackwards: boolean; stateful: boolean; returnSequences: boolean };
    const cell = cellOf(self.forwardLayer);
    if (cell === null || cellOf(self.backwardLayer) !== cell) return null;
    if (self.returnState || fwd.stateful || bwd.stateful || fwd.goBackwards || !bwd.goBackwards) return null;
    if (kwargs.initialState != null || (Array.isArray(inputs) && inputs.length !== 1)) return null;
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    if (x.rank !== 3 || x.dtype !== "float32" || (x.shape[1] ?? 0) < 1) return null;
    if (fastPathBlocker(fwd, kwargs) !== null || fastPathBlocker(bwd, kwargs) !== null) return null;
    if (dropoutActive(fwd, kwargs) || dropoutActive(bwd, kwargs)) return null; // each direction draws its masks
    if (!wholeSequenceAvailable(cell, true)) return null;
    return tf.tidy(() => {
      const f = sequenceArguments(fwd, x as tf.Tensor3D, kwargs);
      const b = sequenceArguments(bwd, x as tf.Tensor3D, kwargs);
      // both directions are clones of one configuration: same units, activations and GRU variant
      const [y, yBackward] = bidirectionalSequence(cell, x as tf.Tensor3D, f.weights, b.weights, f.mask, f.options);
      // the stock wrapper's merge (the backward output sequence is reversed back into time order)
      const yRev = self.returnSequences ? tf.reverse(yBackward, 1) : yBackward;
      switch (self.mergeMode) {
        case "concat":
          return tf.concat([y, yRev], -1);
        case "sum":
          return tf.add(y, yRev);
        case "ave":
          return tf.mul(0.5, tf.add(y, yRev));
        case "mul":
          return tf.mul(y, yRev);
        default:
          return [y, yRev];
      }
    });
  }
}
markFastLayer(FastBidirectional);

/**
 * Creates a bidirectional wrapper like `tf.layers.bidirectional`, running both directions of an LSTM, GRU or
 * SimpleRNN through the fused kernels (see {@link fastLstm}). The wrapped layer may be a stock or a fast layer;
 * only its configuration is used.
 *
 * @param config the `tf.layers.bidirectional` configuration (`layer` required; `mergeMode` default `"concat"`), plus
 *   `fastPath` (default: the wrapped layer's), which both directions use.
 * @throws {Error} (from tfjs) for an invalid configuration, as `tf.layers.bidirectional` does.
 * @example
 * const layer = fastBidirectional({ layer: fastLstm({ units: 64 }), mergeMode: "concat" });
 */
export function fastBidirectional(config: BidirectionalLayerArgs & Pick<FastLayerOptions, "fastPath">): FastBidirectional {
  return new FastBidirectional(config);
}
