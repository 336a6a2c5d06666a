import type * as tf from "@tensorflow/tfjs";
import type { SimpleRNNLayerArgs } from "@tensorflow/tfjs";
import { dropoutSeed, fastRecurrentCall, initFastLayer, markFastLayer } from "./fast-recurrent-call";
import type { FastLayerOptions } from "./fast-recurrent-call";
import { stockLayerClass, type LayerConstructor } from "./stock-layer-class";

type StockInstance = ReturnType<typeof tf.layers.simpleRNN>;
type Kwargs = Parameters<StockInstance["call"]>[1];

const Stock: LayerConstructor<SimpleRNNLayerArgs, StockInstance> = stockLayerClass("SimpleRNN");

/**
 * `tf.layers.simpleRNN` with a fused implementation on the `cpu` and `wasm` backends: same constructor arguments,
 * weights (`kernel`, `recurrent_kernel`, `bias`), class name (`"SimpleRNN"`) and saved configuration as the stock
 * layer, so models save and load interchangeably with stock tfjs. See {@link fastSimpleRnn}.
 */
export class FastSimpleRNN extends Stock {
  /** Same as the stock layer's, so saved models name the stock class. */
  static override className = "SimpleRNN";

  constructor(args: SimpleRNNLayerArgs & FastLayerOptions) {
    const { fastPath, seed, ...rest } = args;
    super(rest);
    initFastLayer(this, { ...(fastPath === undefined ? {} : { fastPath }), ...(seed === undefined ? {} : { seed }) });
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    return fastRecurrentCall(this, "simple-rnn", inputs, kwargs) ?? super.call(inputs, kwargs);
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config = super.getConfig();
    const seed = dropoutSeed(this);
    return seed === null ? config : { ...config, seed };
  }
}
markFastLayer(FastSimpleRNN);

/**
 * Creates a SimpleRNN layer with the configuration, weights and results of `tf.layers.simpleRNN`, running whole
 * sequences through fused kernels on `cpu` and `wasm` (see {@link fastLstm}).
 *
 * @param config the `tf.layers.simpleRNN` configuration (`units` required; activation `tanh` by default), plus
 *   `fastPath` and `seed` ({@link FastLayerOptions}).
 * @throws {Error} (from tfjs) for an invalid configuration, as `tf.layers.simpleRNN` does; {@link RangeError} for a
 *   bad `fastPath`, {@link TypeError} for a non-integer `seed`.
 * @example
 * const layer = fastSimpleRnn({ units: 2, returnSequences: true });
 */
export function fastSimpleRnn(config: SimpleRNNLayerArgs & FastLayerOptions): FastSimpleRNN {
  return new FastSimpleRNN(config);
}
