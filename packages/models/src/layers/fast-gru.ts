import type * as tf from "@tensorflow/tfjs";
import type { GRULayerArgs } from "@tensorflow/tfjs";
import { fastRecurrentCall, markFastLayer } from "./fast-recurrent-call";
import { stockLayerClass, type LayerConstructor } from "./stock-layer-class";

type StockInstance = ReturnType<typeof tf.layers.gru>;
type Kwargs = Parameters<StockInstance["call"]>[1];

const Stock: LayerConstructor<GRULayerArgs, StockInstance> = stockLayerClass("GRU");

/**
 * `tf.layers.gru` with a fused implementation on the `cpu` and `wasm` backends: same constructor arguments,
 * weights (`kernel`, `recurrent_kernel`, `bias`), class name (`"GRU"`) and saved configuration as the stock
 * layer, so models save and load interchangeably with stock tfjs. See {@link fastGru}.
 */
export class FastGRU extends Stock {
  /** Same as the stock layer's, so saved models name the stock class. */
  static override className = "GRU";

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    return fastRecurrentCall(this, "gru", inputs, kwargs) ?? super.call(inputs, kwargs);
  }
}
markFastLayer(FastGRU);

/**
 * Creates a GRU layer with the configuration, weights and results of `tf.layers.gru` (which implements
 * `resetAfter: false`), running whole sequences through fused kernels on `cpu` and `wasm` (see {@link fastLstm}
 * for what is fused and when the stock implementation is used instead).
 *
 * @param config the `tf.layers.gru` configuration (`units` required; activation `tanh`, recurrentActivation
 *   `hardSigmoid` by default).
 * @throws {Error} (from tfjs) for an invalid configuration, as `tf.layers.gru` does.
 * @example
 * const layer = fastGru({ units: 32, returnSequences: true });
 */
export function fastGru(config: GRULayerArgs): FastGRU {
  return new FastGRU(config);
}
