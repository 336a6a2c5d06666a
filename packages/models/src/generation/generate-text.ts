import * as tf from "@tensorflow/tfjs";
import { buildCharLanguageModel } from "../builders/build-char-language-model";
import { createRandom } from "../random";
import { resolveSamplingOptions, sampleFromLogits, type SamplingOptions } from "./sample-from-logits";

/** What {@link generateText} needs from a character encoder (`CharEncoder` of `@recurrent/text-prep` fits). */
export interface TextCodec {
  encode(text: string): ArrayLike<number>;
  decode(ids: ArrayLike<number>): string;
}

/** Options of {@link generateText}. */
export interface GenerateTextOptions extends SamplingOptions {
  /** The text to start from (at least one character). */
  start: string;
  /**
   * Number of characters to generate after `start`.
   * @default 500
   */
  length?: number;
  /**
   * `"refeed"`: the chapter's method, re-running the model on the last
   * `contextLength` characters for every new one (cost grows with the
   * context). `"stateful"`: a stateful copy of the model carries the LSTM
   * state and costs one time step per character.
   * @default "refeed"
   */
  method?: "refeed" | "stateful";
  /**
   * Characters re-fed per step by the `"refeed"` method (the chapter's `max_input_length`).
   * @default 40
   */
  contextLength?: number;
  /**
   * Seed of the sampler.
   * @default 0
   */
  seed?: number;
}

/**
 * Generates text with a character language model (logits `[batch, time,
 * vocab]`, as built by {@link buildCharLanguageModel}): `start` followed by
 * `length` sampled characters. Seeded and reproducible.
 *
 * @returns `start` + the generated characters.
 * @throws {RangeError} on an empty start, a start the codec cannot encode, or invalid sampling options.
 * @example
 * generateText(model, charEncoder, { start: "The island", length: 500, scale: 2 });
 */
export function generateText(model: tf.LayersModel, codec: TextCodec, options: GenerateTextOptions): string {
  const length = options.length ?? 500;
  const method = options.method ?? "refeed";
  const contextLength = options.contextLength ?? 40;
  const sampling = resolveSamplingOptions(options);
  if (typeof options.start !== "string" || options.start.length === 0) {
    throw new RangeError(`expected a non-empty start string, got ${JSON.stringify(options.start)}`);
  }
  if (!Number.isInteger(length) || length < 0) throw new RangeError(`expected length >= 0, got ${length}`);
  if (!Number.isInteger(contextLength) || contextLength < 1) throw new RangeError(`expected contextLength >= 1, got ${contextLength}`);
  if (method !== "refeed" && method !== "stateful") throw new RangeError(`expected method "refeed" | "stateful", got ${JSON.stringify(method)}`);
  const startIds = Array.from(codec.encode(options.start));
  if (startIds.length === 0) throw new RangeError(`expected start to encode to at least one id, got none`);
  const random = createRandom(options.seed ?? 0);
  const generated: number[] = [];

  if (method === "refeed") {
    let context = startIds.slice(-contextLength);
    for (let i = 0; i < length; i++) {
      const logits = lastLogits(model, context);
      const id = sampleFromLogits(logits, random, sampling);
      generated.push(id);
      context.push(id);
      if (context.length > contextLength) context = context.slice(-contextLength);
    }
  } else {
    const stateful = statefulCopy(model);
    try {
      let logits = lastLogits(stateful, startIds);
      for (let i = 0; i < length; i++) {
        const id = sampleFromLogits(logits, random, sampling);
        generated.push(id);
        if (i + 1 < length) logits = lastLogits(stateful, [id]);
      }
    } finally {
      // a stateful layer keeps its state tensors outside the model's weights
      const states = stateful.layers.flatMap((l) => ((l as unknown as { states?: (tf.Tensor | null)[] }).states ?? []));
      stateful.dispose();
      tf.dispose(states.filter((t): t is tf.Tensor => t !== null && !t.isDisposed));
    }
  }
  return options.start + codec.decode(generated);
}

function lastLogits(model: tf.LayersModel, ids: number[]): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor2d(Int32Array.from(ids), [1, ids.length], "int32");
    const out = model.apply(x, { training: false }) as tf.Tensor3D;
    const vocab = out.shape[2];
    return out.slice([0, ids.length - 1, 0], [1, 1, vocab]).dataSync() as Float32Array;
  });
}

/** A stateful, batch-1 copy of a character model (same weights, stock layers). */
function statefulCopy(model: tf.LayersModel): tf.LayersModel {
  const embeddings = model.weights.find((w) => w.originalName.endsWith("embeddings"));
  const recurrent = model.weights.find((w) => w.originalName.endsWith("recurrent_kernel"));
  if (embeddings === undefined || recurrent === undefined || model.weights.length !== 6) {
    throw new RangeError(
      "expected a character model built by buildCharLanguageModel (Embedding, LSTM, Dense), got a model with weights " +
        model.weights.map((w) => w.originalName).join(", "),
    );
  }
  const copy = buildCharLanguageModel(
    {
      vocabSize: embeddings.shape[0] as number,
      embeddingDim: embeddings.shape[1] as number,
      units: recurrent.shape[0] as number,
      stateful: true,
      batchSize: 1,
    },
    { skipInitialization: true }, // the weights are copied next
  );
  const values = model.getWeights();
  copy.setWeights(values);
  copy.resetStates();
  return copy;
}
