import type * as tf from "@tensorflow/tfjs";
import { FastGRU } from "./fast-gru";
import { FastLSTM } from "./fast-lstm";
import { FastSimpleRNN } from "./fast-simple-rnn";
import { stockLayerClass } from "./stock-layer-class";

type StockInstance = ReturnType<typeof tf.layers.bidirectional>;
/** The configuration of `tf.layers.bidirectional`. */
export type BidirectionalLayerArgs = Parameters<typeof tf.layers.bidirectional>[0];

const Stock = stockLayerClass<BidirectionalLayerArgs, StockInstance>("Bidirectional");

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

/**
 * `tf.layers.bidirectional` whose forward and backward layers are the fast LSTM / GRU / SimpleRNN layers
 * (other wrapped layers are kept as they are). Same configuration, class name (`"Bidirectional"`), weights
 * (forward layer's, then backward layer's) and merge modes as the stock wrapper.
 */
export class FastBidirectional extends Stock {
  /** Same as the stock wrapper's, so saved models name the stock class. */
  static override className = "Bidirectional";

  constructor(args: BidirectionalLayerArgs) {
    super(args);
    // The stock constructor clones the wrapped layer through the serialization registry, which yields stock
    // layers; swap them for the fast ones before anything is built.
    const self = this as unknown as { forwardLayer: tf.layers.Layer; backwardLayer: tf.layers.Layer };
    self.forwardLayer = toFast(self.forwardLayer);
    self.backwardLayer = toFast(self.backwardLayer);
  }
}

/**
 * Creates a bidirectional wrapper like `tf.layers.bidirectional`, running both directions of an LSTM, GRU or
 * SimpleRNN through the fused kernels (see {@link fastLstm}). The wrapped layer may be a stock or a fast layer;
 * only its configuration is used.
 *
 * @param config the `tf.layers.bidirectional` configuration (`layer` required; `mergeMode` default `"concat"`).
 * @throws {Error} (from tfjs) for an invalid configuration, as `tf.layers.bidirectional` does.
 * @example
 * const layer = fastBidirectional({ layer: fastLstm({ units: 64 }), mergeMode: "concat" });
 */
export function fastBidirectional(config: BidirectionalLayerArgs): FastBidirectional {
  return new FastBidirectional(config);
}
