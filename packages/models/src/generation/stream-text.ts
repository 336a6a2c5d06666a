import type * as tf from "@tensorflow/tfjs";
import { streamTokens, type GenerationOptions } from "./stream-tokens";

/** What the text generation functions need from a character encoder (`CharEncoder` of `@recurrent/text-prep` fits). */
export interface TextCodec {
  /** Text to ids, one per character. */
  encode(text: string): ArrayLike<number>;
  /** Ids to text. */
  decode(ids: ArrayLike<number>): string;
}

/** Options of {@link streamText}. */
export interface StreamTextOptions extends GenerationOptions {
  /** The text to start from (at least one character the codec can encode). */
  start: string;
}

/**
 * Generates text with a character language model as an async iterator of characters: each is yielded as soon as
 * it is sampled (`codec.decode([id])`), without the start text. {@link streamTokens} does the work; see it for
 * the methods, the state, the tensors it holds, and how it stops.
 *
 * @param model a character model (Embedding → LSTM | GRU | SimpleRNN → Dense logits, as built by
 *   {@link buildCharLanguageModel}).
 * @param codec encodes the start, decodes the ids (a `CharEncoder`).
 * @returns an async iterator of `length` characters.
 * @throws {RangeError} on an empty start, a start the codec cannot encode, or invalid options.
 * @throws {TypeError} when the model is not a character model the generation can run.
 * @throws {ModelsError} code `ABORTED` (from the iterator) when `signal` aborts.
 * @example
 * const controller = new AbortController();
 * for await (const char of streamText(model, encoder, { start: "The island", length: 500, scale: 2, signal: controller.signal })) {
 *   process.stdout.write(char); // or append to the page
 * }
 */
export function streamText(model: tf.LayersModel, codec: TextCodec, options: StreamTextOptions): AsyncGenerator<string, void, undefined> {
  const ids = encodeStart(codec, options);
  const tokens = streamTokens(model, { ...options, start: ids });
  return decodeEach(codec, tokens);
}

/**
 * Checks and encodes the start text.
 *
 * @internal
 */
export function encodeStart(codec: TextCodec, options: { start: string }): ArrayLike<number> {
  if (codec === null || typeof codec !== "object" || typeof codec.encode !== "function" || typeof codec.decode !== "function") {
    throw new TypeError(`expected a codec with encode(text) and decode(ids), got ${codec === null ? "null" : typeof codec}`);
  }
  if (options === null || typeof options !== "object") throw new TypeError(`expected an options object, got ${options === null ? "null" : typeof options}`);
  if (typeof options.start !== "string" || options.start.length === 0) {
    throw new RangeError(`expected a non-empty start string, got ${JSON.stringify(options.start)}`);
  }
  const ids = codec.encode(options.start);
  if (ids.length === 0) throw new RangeError("expected start to encode to at least one id, got none");
  return ids;
}

async function* decodeEach(codec: TextCodec, tokens: AsyncGenerator<number, void, undefined>): AsyncGenerator<string, void, undefined> {
  // for await closes `tokens` (its finally frees the tensors) when this generator is closed or throws
  for await (const id of tokens) yield codec.decode([id]);
}
