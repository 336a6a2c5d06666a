import type * as tf from "@tensorflow/tfjs";
import { streamText, type StreamTextOptions, type TextCodec } from "./stream-text";

/** Options of {@link generateText}: those of {@link streamText}, with a finite `length`. */
export type GenerateTextOptions = StreamTextOptions;

/**
 * Generates text with a character language model and returns it whole: `start` followed by `length` sampled
 * characters. It collects {@link streamText} (same options, same text for the same seed); use `streamText` to
 * show the characters as they come.
 *
 * @returns `start` + the generated characters.
 * @throws {RangeError} on an empty start, a start the codec cannot encode, an infinite length, or invalid options.
 * @throws {TypeError} when the model is not a character model the generation can run.
 * @throws {ModelsError} code `ABORTED` (the promise rejects) when `signal` aborts.
 * @example
 * const text = await generateText(model, encoder, { start: "The island", length: 500, scale: 2 });
 */
export async function generateText(model: tf.LayersModel, codec: TextCodec, options: GenerateTextOptions): Promise<string> {
  if (options?.length === Number.POSITIVE_INFINITY) throw new RangeError("expected a finite length for generateText, got Infinity (use streamText)");
  let text = options?.start ?? "";
  for await (const char of streamText(model, codec, options)) text += char;
  return text;
}
