import { ModelsError, streamText, type TextCodec } from "@recurrent/models";
import type * as tf from "@tensorflow/tfjs";

// The one place where the page generates text: streamText of @recurrent/models, stateful (one LSTM step per
// character from the model's weights, the recurrent state carried), stopped through an AbortSignal.

/** Options of {@link streamCharacters}. */
export interface StreamCharactersOptions {
  start: string;
  /** Characters to generate. */
  length: number;
  /** The chapter's scale factor (logits × scale). */
  scale: number;
  /** Logits ÷ temperature. */
  temperature: number;
  /** Sample among the k most likely characters (0 = all). */
  topK: number;
  /** Nucleus sampling threshold in (0, 1] (1 = all). */
  topP: number;
  seed: number;
  /** Stops the generation before the next character (the characters yielded so far stand). */
  signal?: AbortSignal;
}

/**
 * Generates `length` characters after `start`, yielding each one as soon as it is sampled. Reproducible for a
 * seed. Between characters it gives the event loop a turn every ~20 ms, so a worker stays responsive to its
 * messages (a stop, say). Ends quietly when `signal` aborts.
 *
 * @throws {RangeError} on an empty start, a start the encoder cannot encode, or invalid sampling options.
 */
export async function* streamCharacters(model: tf.LayersModel, codec: TextCodec, options: StreamCharactersOptions): AsyncGenerator<string, void, undefined> {
  const chars = streamText(model, codec, {
    start: options.start,
    length: options.length,
    method: "stateful",
    scale: options.scale,
    temperature: options.temperature,
    ...(options.topK > 0 ? { topK: options.topK } : {}),
    ...(options.topP < 1 ? { topP: options.topP } : {}),
    seed: options.seed,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  let lastYield = performance.now();
  try {
    for await (const char of chars) {
      yield char;
      if (performance.now() - lastYield > 20) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        lastYield = performance.now();
      }
    }
  } catch (error) {
    if (error instanceof ModelsError && error.code === "ABORTED") return;
    throw error;
  }
}
