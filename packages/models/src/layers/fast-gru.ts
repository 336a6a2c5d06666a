import * as tf from "@tensorflow/tfjs";
import type { GRULayerArgs } from "@tensorflow/tfjs";
import { dropoutSeed, fastRecurrentCall, initFastLayer, markFastLayer } from "./fast-recurrent-call";
import type { FastLayerOptions } from "./fast-recurrent-call";
import { stockLayerClass, type LayerConstructor } from "./stock-layer-class";

type StockInstance = ReturnType<typeof tf.layers.gru>;
type Kwargs = Parameters<StockInstance["call"]>[1];
type CellArgs = Parameters<typeof tf.layers.gruCell>[0];
type StockCellInstance = ReturnType<typeof tf.layers.gruCell>;

const Stock: LayerConstructor<GRULayerArgs, StockInstance> = stockLayerClass("GRU");
const StockCell: LayerConstructor<CellArgs, StockCellInstance> = stockLayerClass("GRUCell");

/** The configuration of {@link fastGru}: `tf.layers.gru`'s, `resetAfter` (Keras's variant) and the fast-layer options. */
export interface FastGRULayerArgs extends GRULayerArgs, FastLayerOptions {
  /**
   * Keras's `reset_after`: `true` computes ĥ = φ(x·W_h + b_h + r ⊙ (h·U_h + b′_h)) with a bias of shape `[2, 3·units]`
   * (row 0 the input bias b, row 1 the recurrent bias b′), the default of Keras since TF 2 and the only GRU cuDNN
   * runs; `false` is tf.layers' GRU, ĥ = φ(x·W_h + b_h + (r ⊙ h)·U_h) with a bias `[3·units]`. Saved as `reset_after`.
   * @default false
   */
  resetAfter?: boolean;
}

/** tf.layers' dropout masks (`generateDropoutMask` of tfjs-layers, not exported): `count` masks, kept past the step's tidy. */
function dropoutMasks(ones: () => tf.Tensor, rate: number, training: boolean, count: number, dropoutFunc: unknown): tf.Tensor[] {
  const one = (): tf.Tensor => {
    if (!training) return ones();
    return typeof dropoutFunc === "function" ? (dropoutFunc as (x: tf.Tensor, r: number) => tf.Tensor)(ones(), rate) : tf.dropout(ones(), rate);
  };
  return Array.from({ length: count }, () => tf.keep(one().clone()));
}

/**
 * The GRU cell with Keras's `reset_after=True`, which the stock `GRUCell` refuses: its own weights (bias
 * `[2, 3·units]`), `resetAfter: true` in its configuration, and the step in plain tf ops for the stock code path
 * (backends without fused kernels, activations outside the fused set), with tf.layers' dropout semantics (one input
 * and one recurrent mask per call, the dropped h_{t−1} used in the products and in the update, as Keras 3).
 */
class ResetAfterGRUCell extends StockCell {
  /** Read by the fused path and by generation. */
  readonly resetAfter = true;

  constructor(args: CellArgs) {
    super({ ...args, resetAfter: false });
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const inputDim = shape[shape.length - 1] as number;
    const self = this as unknown as {
      kernel: tf.LayerVariable;
      recurrentKernel: tf.LayerVariable;
      bias: tf.LayerVariable | null;
      built: boolean;
    };
    const add = (this as unknown as { addWeight: (...a: unknown[]) => tf.LayerVariable }).addWeight.bind(this);
    self.kernel = add("kernel", [inputDim, 3 * this.units], null, this.kernelInitializer, this.kernelRegularizer, true, this.kernelConstraint);
    self.recurrentKernel = add("recurrent_kernel", [this.units, 3 * this.units], null, this.recurrentInitializer, this.recurrentRegularizer, true, this.recurrentConstraint);
    self.bias = this.useBias ? add("bias", [2, 3 * this.units], null, this.biasInitializer, this.biasRegularizer, true, this.biasConstraint) : null;
    self.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor[] {
    return tf.tidy(() => {
      const list = Array.isArray(inputs) ? inputs : [inputs];
      if (list.length !== 2) throw new Error(`GRUCell expects 2 input Tensors (inputs, h), got ${list.length}.`);
      const training = (kwargs as { training?: boolean } | undefined)?.training === true;
      let x = list[0]!;
      const hPrev = list[1]!;
      // the masks live on the cell for one layer call (the stock GRU layer's call disposes and clears them)
      const masks = this as unknown as { dropoutMask: tf.Tensor[] | null; recurrentDropoutMask: tf.Tensor[] | null };
      if (this.dropout > 0 && this.dropout < 1 && masks.dropoutMask == null) {
        masks.dropoutMask = dropoutMasks(() => tf.onesLike(x), this.dropout, training, 3, this.dropoutFunc);
      }
      if (this.recurrentDropout > 0 && this.recurrentDropout < 1 && masks.recurrentDropoutMask == null) {
        masks.recurrentDropoutMask = dropoutMasks(() => tf.onesLike(hPrev), this.recurrentDropout, training, 3, this.dropoutFunc);
      }
      if (this.dropout > 0 && this.dropout < 1) x = tf.mul(x, masks.dropoutMask![0]!);
      const h = this.recurrentDropout > 0 && this.recurrentDropout < 1 ? tf.mul(hPrev, masks.recurrentDropoutMask![0]!) : hPrev;
      let matrixX = tf.matMul(x, this.kernel.read());
      let matrixInner = tf.matMul(h, this.recurrentKernel.read());
      if (this.useBias) {
        const [inputBias, recurrentBias] = tf.unstack(this.bias.read()) as [tf.Tensor, tf.Tensor];
        matrixX = tf.add(matrixX, inputBias);
        matrixInner = tf.add(matrixInner, recurrentBias);
      }
      const [xz, xr, xh] = tf.split(matrixX, 3, -1) as [tf.Tensor, tf.Tensor, tf.Tensor];
      const [hz, hr, hhRec] = tf.split(matrixInner, 3, -1) as [tf.Tensor, tf.Tensor, tf.Tensor];
      const z = this.recurrentActivation.apply(tf.add(xz, hz));
      const r = this.recurrentActivation.apply(tf.add(xr, hr));
      const hh = this.activation.apply(tf.add(xh, tf.mul(r, hhRec)));
      const hNew = tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), hh));
      return [hNew, hNew];
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), resetAfter: true };
  }
}

/**
 * `tf.layers.gru` with a fused implementation on the `cpu` and `wasm` backends: same constructor arguments,
 * weights (`kernel`, `recurrent_kernel`, `bias`), class name (`"GRU"`) and saved configuration as the stock
 * layer, so models save and load interchangeably with stock tfjs; and Keras's `resetAfter: true` variant, which
 * stock tfjs refuses (a model saved with it loads after {@link registerFastLayers}). See {@link fastGru}.
 */
export class FastGRU extends Stock {
  /** Same as the stock layer's, so saved models name the stock class. */
  static override className = "GRU";

  constructor(args: FastGRULayerArgs) {
    const { fastPath, seed, resetAfter, ...rest } = args;
    super({ ...rest, resetAfter: false } as GRULayerArgs);
    initFastLayer(this, { ...(fastPath === undefined ? {} : { fastPath }), ...(seed === undefined ? {} : { seed }) });
    if (resetAfter === true) {
      // the stock GRU constructor made a stock GRUCell, which cannot hold a [2, 3·units] bias
      (this as unknown as { cell: unknown }).cell = new ResetAfterGRUCell(rest as CellArgs);
    }
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    return fastRecurrentCall(this, "gru", inputs, kwargs) ?? super.call(inputs, kwargs);
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config = super.getConfig();
    const seed = dropoutSeed(this);
    return seed === null ? config : { ...config, seed };
  }
}
markFastLayer(FastGRU);

/**
 * Creates a GRU layer with the configuration, weights and results of `tf.layers.gru` (`resetAfter: false`, the
 * default) or of Keras's `keras.layers.GRU` with `reset_after=True` (`resetAfter: true`: weights kernel
 * `[inputDim, 3·units]`, recurrent kernel `[units, 3·units]`, bias `[2, 3·units]`, gate order z, r, h), running whole
 * sequences through fused kernels on `cpu` and `wasm` (see {@link fastLstm} for what is fused and when the stock
 * implementation is used instead).
 *
 * @param config the `tf.layers.gru` configuration (`units` required; activation `tanh`, recurrentActivation
 *   `hardSigmoid` by default, as tfjs; Keras's defaults are `sigmoid` and `resetAfter: true`), plus `resetAfter`,
 *   `fastPath` and `seed` ({@link FastLayerOptions}).
 * @throws {Error} (from tfjs) for an invalid configuration, as `tf.layers.gru` does; {@link RangeError} for a bad
 *   `fastPath`, {@link TypeError} for a non-integer `seed`.
 * @example
 * const layer = fastGru({ units: 32, returnSequences: true });
 * const keras = fastGru({ units: 32, resetAfter: true, recurrentActivation: "sigmoid" }); // keras.layers.GRU(32)
 */
export function fastGru(config: FastGRULayerArgs): FastGRU {
  return new FastGRU(config);
}
