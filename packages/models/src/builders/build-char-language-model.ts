import * as tf from "@tensorflow/tfjs";
import { assertPositiveInteger } from "./build-sentiment-model";
import { initializeKerasWeights } from "./initialize-keras-weights";
import { createRecurrentLayer, type LayerImplementation } from "./recurrent-layer-factory";

/** Options of {@link buildCharLanguageModel}. */
export interface CharLanguageModelOptions {
  /** Number of distinct characters (the Embedding's input size and the output size). */
  vocabSize: number;
  /**
   * Embedding width.
   * @default 256
   */
  embeddingDim?: number;
  /**
   * LSTM units.
   * @default 512
   */
  units?: number;
  /**
   * Fixed sequence length, or `null` for any length.
   * @default null
   */
  sequenceLength?: number | null;
  /**
   * Build a stateful model with a fixed batch size (used for one-step-per-character
   * generation; see {@link generateText}). Stateful models always use the stock layers.
   * @default false
   */
  stateful?: boolean;
  /**
   * Batch size of a stateful model.
   * @default 1
   */
  batchSize?: number;
  /**
   * Seed of the weight initialization.
   * @default 0
   */
  seed?: number;
  /**
   * `"fast"` or `"stock"` recurrent layers (same weights and configuration).
   * @default "fast"
   */
  implementation?: LayerImplementation;
}

/** The options of a character model with every default filled in (stored in bundles). */
export type ResolvedCharLanguageModelOptions = Required<CharLanguageModelOptions>;

/**
 * Fills in the defaults of {@link CharLanguageModelOptions} and validates them.
 *
 * @throws {RangeError} when a size is not a positive integer.
 * @example
 * resolveCharLanguageModelOptions({ vocabSize: 80 }).units // 512
 */
export function resolveCharLanguageModelOptions(options: CharLanguageModelOptions): ResolvedCharLanguageModelOptions {
  const resolved: ResolvedCharLanguageModelOptions = {
    vocabSize: options.vocabSize,
    embeddingDim: options.embeddingDim ?? 256,
    units: options.units ?? 512,
    sequenceLength: options.sequenceLength ?? null,
    stateful: options.stateful ?? false,
    batchSize: options.batchSize ?? 1,
    seed: options.seed ?? 0,
    implementation: options.implementation ?? "fast",
  };
  for (const key of ["vocabSize", "embeddingDim", "units", "batchSize"] as const) {
    assertPositiveInteger(key, resolved[key]);
  }
  if (resolved.sequenceLength !== null) assertPositiveInteger("sequenceLength", resolved.sequenceLength);
  if (!["fast", "stock"].includes(resolved.implementation)) {
    throw new RangeError(`expected implementation "fast" | "stock", got ${JSON.stringify(resolved.implementation)}`);
  }
  if (!Number.isInteger(resolved.seed)) throw new TypeError(`expected an integer seed, got ${resolved.seed}`);
  return resolved;
}

/**
 * Builds the chapter's character-level language model: Embedding(vocabSize,
 * 256) → LSTM(512, return sequences) → Dense(vocabSize) returning logits
 * (no softmax), with Keras's initialization (see {@link initializeKerasWeights}).
 *
 * Input: int32 ids `[batch, time]`; output: logits `[batch, time, vocabSize]`.
 *
 * @throws {RangeError} on invalid sizes.
 * @example
 * const model = buildCharLanguageModel({ vocabSize: charEncoder.vocabSize });
 */
export function buildCharLanguageModel(
  options: CharLanguageModelOptions,
  /** @internal skip drawing the weights (the caller sets them right away) */
  internal: { skipInitialization?: boolean } = {},
): tf.LayersModel {
  const o = resolveCharLanguageModelOptions(options);
  const input = o.stateful
    ? tf.input({ batchShape: [o.batchSize, o.sequenceLength], dtype: "int32", name: "chars" })
    : tf.input({ shape: [o.sequenceLength], dtype: "int32", name: "chars" });
  let x = tf.layers
    .embedding({ inputDim: o.vocabSize, outputDim: o.embeddingDim, name: "embed_layer" })
    .apply(input) as tf.SymbolicTensor;
  x = createRecurrentLayer({
    cell: "lstm",
    units: o.units,
    returnSequences: true,
    bidirectional: false,
    stateful: o.stateful,
    implementation: o.stateful ? "stock" : o.implementation,
    name: "lstm_1",
  }).apply(x) as tf.SymbolicTensor;
  const output = tf.layers.dense({ units: o.vocabSize, kernelInitializer: "glorotUniform", name: "logits" }).apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: output, name: "char_language_model" });
  if (internal.skipInitialization !== true) initializeKerasWeights(model, o.seed);
  return model;
}
