import { deriveSeed, generateText, type TextCodec } from "@recurrent/models";
import type * as tf from "@tensorflow/tfjs";

// The one place where the page generates text. Today it calls generateText of @recurrent/models once per
// character (the chapter's "refeed" method: the model re-reads the last `contextLength` characters each time);
// when streamText lands in @recurrent/models (stateful, one LSTM step per character, an AbortSignal), this module
// becomes a thin wrapper around it and nothing else in the app changes.

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
  /** Characters the model re-reads per step (the chapter: 40). */
  contextLength?: number;
  /** Stops the generation before the next character. */
  signal?: AbortSignal;
}

/**
 * Generates `length` characters after `start`, yielding each one as soon as it is sampled. Reproducible for a
 * seed. Between characters it gives the event loop a turn every few milliseconds, so a worker stays responsive
 * to its messages (a stop, say).
 *
 * @throws {RangeError} on an empty start, a start the encoder cannot encode, or invalid sampling options.
 */
export async function* streamCharacters(model: tf.LayersModel, codec: TextCodec, options: StreamCharactersOptions): AsyncGenerator<string, void, undefined> {
  const contextLength = options.contextLength ?? 40;
  if (!Number.isInteger(options.length) || options.length < 0) throw new RangeError(`expected length >= 0, got ${options.length}`);
  let context = options.start;
  let lastYield = performance.now();
  for (let i = 0; i < options.length; i++) {
    if (options.signal?.aborted === true) return;
    const next = generateText(model, codec, {
      start: context,
      length: 1,
      method: "refeed",
      contextLength,
      scale: options.scale,
      temperature: options.temperature,
      ...(options.topK > 0 ? { topK: options.topK } : {}),
      ...(options.topP < 1 ? { topP: options.topP } : {}),
      seed: deriveSeed(options.seed, "character", i),
    });
    const char = next.slice(context.length);
    // keep only what the model reads, cut at code points (CharEncoder's characters), never inside a surrogate pair
    context = Array.from(context + char).slice(-contextLength).join("");
    yield char;
    if (performance.now() - lastYield > 20) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      lastYield = performance.now();
    }
  }
}
