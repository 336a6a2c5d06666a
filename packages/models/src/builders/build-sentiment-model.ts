import * as tf from "@tensorflow/tfjs";
import { initializeKerasWeights } from "./initialize-keras-weights";
import { cellKind, type CellKind } from "@recurrent/rnn-cells";
import { createRecurrentLayer, type LayerImplementation } from "./recurrent-layer-factory";

/** Options of {@link buildSentimentModel}. */
export interface SentimentModelOptions {
  /** Number of ids the Embedding accepts (the encoder's `vocabSize`, padding and OOV included). */
  vocabSize: number;
  /**
   * Embedding width.
   * @default 20
   */
  embeddingDim?: number;
  /**
   * Recurrent cell kind (`@recurrent/rnn-cells`' {@link CellKind}; the tfjs / Keras spellings `"LSTM"`, `"GRU"`,
   * `"simpleRNN"`, `"SimpleRNN"` are accepted too and resolved to it).
   * @default "lstm"
   */
  cell?: CellKind;
  /**
   * GRU only (`cell: "gru"`): Keras's `reset_after=True` GRU, the default of `keras.layers.GRU` since TF 2 (bias
   * `[2, 3·units]`, the reset gate applied after the recurrent product), instead of tf.layers' GRU. Needs the fast
   * layers (`implementation: "fast"`): tf.layers' GRU refuses it.
   * @default false
   */
  resetAfter?: boolean;
  /**
   * Units per recurrent layer (per direction when bidirectional).
   * @default 64
   */
  units?: number;
  /**
   * Number of stacked recurrent layers; all but the last return sequences.
   * @default 1
   */
  layers?: number;
  /**
   * Wrap each recurrent layer in `Bidirectional` (outputs concatenated).
   * @default true
   */
  bidirectional?: boolean;
  /**
   * Units of the hidden Dense (relu) layer.
   * @default 64
   */
  denseUnits?: number;
  /**
   * Dropout rate on the inputs of each recurrent layer and before the hidden Dense layer (0 disables it).
   * @default 0
   */
  dropout?: number;
  /**
   * Treat id 0 as padding: the Embedding emits a mask and the recurrent layers skip padded steps.
   * The chapter does not mask (Keras's default), so neither do we by default.
   * @default false
   */
  maskPadding?: boolean;
  /**
   * Fixed sequence length, or `null` for variable-length batches.
   * @default null
   */
  sequenceLength?: number | null;
  /**
   * Seed of the weight initialization.
   * @default 0
   */
  seed?: number;
  /**
   * Recurrent layer implementation: `"fast"` (this package's fused layers, when available on the
   * current backend) or `"stock"` (`tf.layers`). Both have the same weights and configuration.
   * @default "fast"
   */
  implementation?: LayerImplementation;
}

/** The options of a sentiment model with every default filled in (stored in bundles). */
export type ResolvedSentimentModelOptions = Required<SentimentModelOptions>;

/**
 * Fills in the defaults of {@link SentimentModelOptions} and validates them.
 *
 * @throws {RangeError} when a size is not a positive integer, the dropout rate is outside [0, 1), or `resetAfter` is
 *   set for another cell than `"gru"` or with `implementation: "stock"`.
 * @example
 * resolveSentimentModelOptions({ vocabSize: 87_009 }).units // 64
 */
export function resolveSentimentModelOptions(options: SentimentModelOptions): ResolvedSentimentModelOptions {
  const resolved: ResolvedSentimentModelOptions = {
    vocabSize: options.vocabSize,
    embeddingDim: options.embeddingDim ?? 20,
    cell: cellKind(options.cell ?? "lstm"),
    resetAfter: options.resetAfter ?? false,
    units: options.units ?? 64,
    layers: options.layers ?? 1,
    bidirectional: options.bidirectional ?? true,
    denseUnits: options.denseUnits ?? 64,
    dropout: options.dropout ?? 0,
    maskPadding: options.maskPadding ?? false,
    sequenceLength: options.sequenceLength ?? null,
    seed: options.seed ?? 0,
    implementation: options.implementation ?? "fast",
  };
  for (const key of ["vocabSize", "embeddingDim", "units", "layers", "denseUnits"] as const) {
    assertPositiveInteger(key, resolved[key]);
  }
  if (resolved.sequenceLength !== null) assertPositiveInteger("sequenceLength", resolved.sequenceLength);
  if (!(resolved.dropout >= 0 && resolved.dropout < 1)) {
    throw new RangeError(`expected dropout in [0, 1), got ${resolved.dropout}`);
  }
  if (!["fast", "stock"].includes(resolved.implementation)) {
    throw new RangeError(`expected implementation "fast" | "stock", got ${JSON.stringify(resolved.implementation)}`);
  }
  if (!Number.isInteger(resolved.seed)) throw new TypeError(`expected an integer seed, got ${resolved.seed}`);
  if (typeof resolved.resetAfter !== "boolean") throw new TypeError(`expected resetAfter to be a boolean, got ${JSON.stringify(resolved.resetAfter)}`);
  if (resolved.resetAfter && resolved.cell !== "gru") {
    throw new RangeError(`expected resetAfter only with cell "gru", got cell ${JSON.stringify(resolved.cell)}`);
  }
  if (resolved.resetAfter && resolved.implementation !== "fast") {
    throw new RangeError(`expected resetAfter with implementation "fast" (tf.layers' GRU refuses reset_after), got implementation ${JSON.stringify(resolved.implementation)}`);
  }
  return resolved;
}

/** @internal */
export function assertPositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw new RangeError(`expected ${name} to be a positive integer, got ${value}`);
  }
}

/**
 * Builds the chapter's many-to-one sentiment model (`build_rnn_model`):
 * Embedding → `layers` recurrent layers (optionally Bidirectional; all but the
 * last return sequences) → Dense(denseUnits, relu) → Dense(1, sigmoid).
 *
 * Keras's defaults are set explicitly where tfjs differs: sigmoid recurrent
 * activation, Glorot-uniform kernels, orthogonal recurrent kernels, forget-gate
 * bias 1, Embedding uniform in [-0.05, 0.05], zero biases. The weights are drawn
 * by {@link initializeKerasWeights} from `seed` (fast, reproducible), not by
 * tfjs's QR-based orthogonal initializer, which takes seconds per matrix.
 *
 * Input: int32 ids `[batch, time]`; output: probabilities `[batch, 1]`.
 *
 * @throws {RangeError} on invalid sizes (see {@link resolveSentimentModelOptions}).
 * @example
 * const model = buildSentimentModel({ vocabSize: encoder.vocabSize });
 * model.predict(tf.tensor2d([[5, 9, 2]], [1, 3], "int32"));
 */
export function buildSentimentModel(options: SentimentModelOptions): tf.LayersModel {
  const o = resolveSentimentModelOptions(options);
  const input = tf.input({ shape: [o.sequenceLength], dtype: "int32", name: "tokens" });
  let x = tf.layers
    .embedding({ inputDim: o.vocabSize, outputDim: o.embeddingDim, maskZero: o.maskPadding, name: "embed_layer" })
    .apply(input) as tf.SymbolicTensor;
  for (let i = 0; i < o.layers; i++) {
    if (o.dropout > 0) x = tf.layers.dropout({ rate: o.dropout, name: `dropout_${i + 1}` }).apply(x) as tf.SymbolicTensor;
    const returnSequences = i < o.layers - 1;
    const layer = createRecurrentLayer({
      cell: o.cell,
      units: o.units,
      returnSequences,
      bidirectional: o.bidirectional,
      implementation: o.implementation,
      resetAfter: o.resetAfter,
      name: `${o.bidirectional ? "bidir_" : ""}${o.cell.replace("-", "_")}_${i + 1}`,
    });
    x = layer.apply(x) as tf.SymbolicTensor;
  }
  x = tf.layers.dense({ units: o.denseUnits, activation: "relu", kernelInitializer: "glorotUniform", name: "fc_1" }).apply(x) as tf.SymbolicTensor;
  if (o.dropout > 0) x = tf.layers.dropout({ rate: o.dropout, name: "dropout_fc" }).apply(x) as tf.SymbolicTensor;
  const output = tf.layers.dense({ units: 1, activation: "sigmoid", kernelInitializer: "glorotUniform", name: "fc_output" }).apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: output, name: "sentiment" });
  initializeKerasWeights(model, o.seed);
  return model;
}
