import * as tf from "@tensorflow/tfjs";
import { ModelsError } from "../models-error";
import { createRandom } from "../random";
import { createCharModelStepper, describeCharModel, type StepKernels } from "./char-model-stepper";
import { nextMacrotask } from "./next-macrotask";
import { resolveSamplingOptions, sampleFromLogits, type SamplingOptions } from "./sample-from-logits";

export type { StepKernels } from "./char-model-stepper";

/** How the model is run for each new token. */
export type GenerationMethod = "stateful" | "refeed";

/** Options shared by {@link streamTokens}, {@link streamText} and {@link generateText} (all but `start`). */
export interface GenerationOptions extends SamplingOptions {
  /**
   * Number of tokens (characters) to generate after `start`; `Infinity` streams until the signal aborts or the
   * consumer stops iterating.
   * @default 500
   */
  length?: number;
  /**
   * `"stateful"`: run the model one time step per token from its weights, carrying the recurrent state (the start
   * is run through the recurrent layer in one sequence call first): the cost per token does not grow with the text.
   * `"refeed"`: the chapter's method, re-running the whole model on the last `contextLength` tokens for every
   * new one (the state is rebuilt each time from that window only, so the text differs from `"stateful"` once it
   * is longer than the window).
   * @default "stateful"
   */
  method?: GenerationMethod;
  /**
   * Tokens re-fed per step by the `"refeed"` method (the chapter's `max_input_length`); ignored by `"stateful"`.
   * @default 40
   */
  contextLength?: number;
  /**
   * Seed of the sampler: the same seed, model and options give the same tokens.
   * @default 0
   */
  seed?: number;
  /**
   * Stops the generation: the iterator rejects with a {@link ModelsError} of code `ABORTED` (the signal's
   * `reason` as its `cause`) at the next step, after the tokens already yielded, and frees its tensors.
   * @default undefined
   */
  signal?: AbortSignal;
  /**
   * How the `"stateful"` method runs a time step: `"fused"` (the per-step kernels of `@recurrent/backends`,
   * registered for cpu and wasm; throws where they cannot run), `"ops"` (plain tf ops, any backend), or `"auto"`
   * (`"fused"` where it can run, else `"ops"`). Both compute the same logits within float32 rounding.
   * @default "auto"
   */
  kernels?: StepKernels;
}

/** Options of {@link streamTokens}. */
export interface StreamTokensOptions extends GenerationOptions {
  /** The ids to start from (at least one), each in [0, vocabSize). */
  start: ArrayLike<number>;
}

interface ResolvedGeneration {
  length: number;
  method: GenerationMethod;
  contextLength: number;
  seed: number;
  kernels: StepKernels;
  sampling: SamplingOptions;
  signal: AbortSignal | undefined;
}

/**
 * Validates the options shared by the generation functions.
 *
 * @throws {RangeError} / {TypeError} naming the option, what was expected and what came.
 * @internal
 */
export function resolveGenerationOptions(options: GenerationOptions): ResolvedGeneration {
  if (options === null || typeof options !== "object") throw new TypeError(`expected an options object, got ${options === null ? "null" : typeof options}`);
  const length = options.length ?? 500;
  const method = options.method ?? "stateful";
  const contextLength = options.contextLength ?? 40;
  const seed = options.seed ?? 0;
  const kernels = options.kernels ?? "auto";
  if (!(length === Number.POSITIVE_INFINITY || (Number.isInteger(length) && length >= 0))) {
    throw new RangeError(`expected length to be an integer >= 0 or Infinity, got ${String(length)}`);
  }
  if (method !== "stateful" && method !== "refeed") throw new RangeError(`expected method "stateful" | "refeed", got ${JSON.stringify(method)}`);
  if (!Number.isInteger(contextLength) || contextLength < 1) throw new RangeError(`expected contextLength >= 1, got ${String(contextLength)}`);
  if (!Number.isInteger(seed)) throw new TypeError(`expected an integer seed, got ${String(seed)}`);
  if (!["auto", "fused", "ops"].includes(kernels)) throw new RangeError(`expected kernels "auto" | "fused" | "ops", got ${JSON.stringify(kernels)}`);
  const signal = options.signal;
  if (signal !== undefined && (signal === null || typeof signal.aborted !== "boolean")) {
    throw new TypeError(`expected signal to be an AbortSignal, got ${signal === null ? "null" : typeof signal}`);
  }
  const { scale, temperature, topK, topP } = resolveSamplingOptions(options);
  const sampling: SamplingOptions = { scale, temperature, ...(topK === undefined ? {} : { topK }), ...(topP === undefined ? {} : { topP }) };
  return { length, method, contextLength, seed, kernels, sampling, signal };
}

/**
 * Generates token ids with a character language model (Embedding → LSTM | GRU | SimpleRNN with
 * `returnSequences` → Dense logits, as built by {@link buildCharLanguageModel}), as an async iterator that yields
 * each id as soon as it is sampled.
 *
 * With the default `"stateful"` method the start ids go through the recurrent layer in one sequence call, then
 * each new id costs one time step from the model's weights: the embedding row's input projection (precomputed for
 * every id), one `h·U` product and the fused per-step kernel of `@recurrent/backends` (or plain tf ops, see
 * `kernels`), and the Dense product — no stateful model copy, no re-feeding. Between steps the iterator gives the
 * event loop a turn (a macrotask), so a page stays responsive and an abort is seen within one step.
 *
 * Tensors: the iterator holds a `[vocab, gates·units]` table and the state while it runs, and frees them when it
 * finishes, rejects, or is stopped early (`break` in `for await`, or `return()`); `tf.memory().numTensors` is back
 * where it was. Reading the model's weights once at the start, it does not see later changes to them.
 *
 * Options are checked when it is called (bad ones throw right away); the model runs on the first `next()`.
 *
 * @param model the character model; it is only read.
 * @param options `start` ids and the {@link GenerationOptions}.
 * @returns an async iterator of `length` ids, each in [0, vocabSize).
 * @throws {TypeError} when the model is not such a character model, or on a bad option type.
 * @throws {RangeError} on an empty `start`, an id out of range, or invalid sampling or length options.
 * @throws {ModelsError} code `ABORTED` (from the iterator) when `signal` aborts.
 * @example
 * const controller = new AbortController();
 * for await (const id of streamTokens(model, { start: encoder.encode("The island"), length: 200, signal: controller.signal })) {
 *   ids.push(id);
 * }
 */
export function streamTokens(model: tf.LayersModel, options: StreamTokensOptions): AsyncGenerator<number, void, undefined> {
  const o = resolveGenerationOptions(options);
  const parts = describeCharModel(model);
  const start = options.start;
  if (start === null || typeof start !== "object" || typeof start.length !== "number") {
    throw new TypeError(`expected start to be an array of ids, got ${start === null ? "null" : typeof start}`);
  }
  if (start.length === 0) throw new RangeError("expected start to hold at least one id, got none");
  const startIds = Int32Array.from(start);
  for (let i = 0; i < start.length; i++) {
    const id = start[i] as number;
    if (!Number.isInteger(id) || id < 0 || id >= parts.vocabSize) {
      throw new RangeError(`expected start[${i}] to be an integer id in [0, ${parts.vocabSize}), got ${String(id)}`);
    }
  }
  return o.method === "stateful" ? statefulTokens(model, startIds, o) : refeedTokens(model, startIds, o);
}

/** Throws the `ABORTED` error once `signal` has aborted, after `done` tokens. */
function throwIfAborted(signal: AbortSignal | undefined, done: number, length: number): void {
  if (signal?.aborted !== true) return;
  const of = Number.isFinite(length) ? ` of ${length}` : "";
  throw new ModelsError("ABORTED", `generation aborted after ${done}${of} tokens`, { cause: signal.reason });
}

async function* statefulTokens(model: tf.LayersModel, startIds: Int32Array, o: ResolvedGeneration): AsyncGenerator<number, void, undefined> {
  throwIfAborted(o.signal, 0, o.length);
  if (o.length === 0) return;
  const random = createRandom(o.seed);
  const stepper = createCharModelStepper(model, { kernels: o.kernels });
  let logits: tf.Tensor | null = null;
  try {
    logits = stepper.prime(startIds);
    for (let i = 0; ; ) {
      const values = await logits.data();
      logits.dispose();
      logits = null;
      const id = sampleFromLogits(values, random, o.sampling);
      yield id;
      i++;
      if (i >= o.length) return;
      throwIfAborted(o.signal, i, o.length);
      logits = stepper.step(id);
      await nextMacrotask();
      throwIfAborted(o.signal, i, o.length);
    }
  } finally {
    logits?.dispose();
    stepper.dispose();
  }
}

async function* refeedTokens(model: tf.LayersModel, startIds: Int32Array, o: ResolvedGeneration): AsyncGenerator<number, void, undefined> {
  const random = createRandom(o.seed);
  let context = Array.from(startIds.slice(-o.contextLength));
  for (let i = 0; i < o.length; i++) {
    throwIfAborted(o.signal, i, o.length);
    if (i > 0) await nextMacrotask();
    throwIfAborted(o.signal, i, o.length);
    const logits = tf.tidy(() => {
      const x = tf.tensor2d(Int32Array.from(context), [1, context.length], "int32");
      const out = model.apply(x, { training: false }) as tf.Tensor3D;
      return tf.reshape(tf.slice(out, [0, context.length - 1, 0], [1, 1, out.shape[2]]), [out.shape[2]]);
    });
    let values: Float32Array;
    try {
      values = (await logits.data()) as Float32Array;
    } finally {
      logits.dispose();
    }
    const id = sampleFromLogits(values, random, o.sampling);
    context.push(id);
    if (context.length > o.contextLength) context = context.slice(-o.contextLength);
    yield id;
  }
}
