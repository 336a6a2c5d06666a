import type * as tf from "@tensorflow/tfjs";
import type { LSTMLayerArgs } from "@tensorflow/tfjs";
import { dropoutSeed, fastRecurrentCall, initFastLayer, markFastLayer } from "./fast-recurrent-call";
import type { FastLayerOptions } from "./fast-recurrent-call";
import { stockLayerClass, type LayerConstructor } from "./stock-layer-class";

type StockInstance = ReturnType<typeof tf.layers.lstm>;
type Kwargs = Parameters<StockInstance["call"]>[1];

const Stock: LayerConstructor<LSTMLayerArgs, StockInstance> = stockLayerClass("LSTM");

/**
 * `tf.layers.lstm` with a fused implementation on the `cpu` and `wasm` backends: same constructor arguments,
 * weights (`kernel`, `recurrent_kernel`, `bias`), class name (`"LSTM"`) and saved configuration as the stock
 * layer, so models save and load interchangeably with stock tfjs. See {@link fastLstm}.
 */
export class FastLSTM extends Stock {
  /** Same as the stock layer's, so saved models name the stock class. */
  static override className = "LSTM";

  constructor(args: LSTMLayerArgs & FastLayerOptions) {
    const { fastPath, seed, ...rest } = args;
    super(rest);
    initFastLayer(this, { ...(fastPath === undefined ? {} : { fastPath }), ...(seed === undefined ? {} : { seed }) });
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    return fastRecurrentCall(this, "lstm", inputs, kwargs) ?? super.call(inputs, kwargs);
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config = super.getConfig();
    const seed = dropoutSeed(this);
    return seed === null ? config : { ...config, seed };
  }
}
markFastLayer(FastLSTM);

/**
 * Creates an LSTM layer that takes exactly the configuration of `tf.layers.lstm` and computes the same function
 * (outputs within float32 rounding of the stock layer's), but runs whole sequences through fused kernels on the
 * `cpu` and `wasm` backends: where WebAssembly threads and shared memory exist, one whole-sequence kernel call
 * forward and one backward (the units split between worker threads); elsewhere, and with recurrent dropout while
 * training, one matrix product for all input projections, per time step one `matMul` plus one fused gate kernel,
 * and a custom BPTT gradient whose weight gradients are single matrix products. Masking
 * (pre- or post-padding), `goBackwards`, `returnSequences`, `returnState` and initial states behave as in the
 * stock layer, and so do stateful layers (the final states of a call are the initial states of the next).
 * `dropout` / `recurrentDropout` while training run fused too (one input and one recurrent mask per call, as
 * tf.layers; recurrent dropout on the per-step kernels). It falls back to the stock implementation on other backends
 * and for activations other than linear, tanh, sigmoid, hardSigmoid, relu, softsign, elu, selu and softplus: with a
 * warning (once per layer), or a `ModelsError` `FAST_PATH_UNAVAILABLE` with `fastPath: "require"`.
 *
 * @param config the `tf.layers.lstm` configuration (`units` required; defaults as in tfjs: activation `tanh`,
 *   recurrentActivation `hardSigmoid`, returnSequences `false`), plus `fastPath` and `seed` ({@link FastLayerOptions}).
 * @throws {Error} (from tfjs) for an invalid configuration, as `tf.layers.lstm` does; {@link RangeError} for a bad
 *   `fastPath`, {@link TypeError} for a non-integer `seed`.
 * @example
 * const model = tf.sequential({
 *   layers: [
 *     tf.layers.embedding({ inputDim: 80, outputDim: 256, inputLength: 40 }),
 *     fastLstm({ units: 512, returnSequences: true }),
 *     tf.layers.dense({ units: 80 }),
 *   ],
 * });
 */
export function fastLstm(config: LSTMLayerArgs & FastLayerOptions): FastLSTM {
  return new FastLSTM(config);
}
