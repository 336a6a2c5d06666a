import type { Random } from "../random";

/** Options of {@link sampleFromLogits}. */
export interface SamplingOptions {
  /**
   * The chapter's scale factor: logits are multiplied by it before sampling
   * (> 1 sharper, more predictable; < 1 flatter, more surprising).
   * @default 1
   */
  scale?: number;
  /**
   * Temperature: logits are divided by it (the usual reciprocal of `scale`).
   * @default 1
   */
  temperature?: number;
  /**
   * Sample only among the k most likely ids (0 or undefined: all).
   * @default undefined
   */
  topK?: number;
  /**
   * Nucleus sampling: sample only among the most likely ids whose cumulative
   * probability first reaches p (1 or undefined: all).
   * @default undefined
   */
  topP?: number;
}

/**
 * Validates sampling options and returns them with defaults filled in.
 *
 * @throws {RangeError} on a non-positive scale or temperature, a topK that is not a non-negative integer, or topP outside (0, 1].
 * @internal
 */
export function resolveSamplingOptions(options: SamplingOptions): Required<Pick<SamplingOptions, "scale" | "temperature">> & SamplingOptions {
  const scale = options.scale ?? 1;
  const temperature = options.temperature ?? 1;
  if (!(scale > 0 && Number.isFinite(scale))) throw new RangeError(`expected scale > 0, got ${scale}`);
  if (!(temperature > 0 && Number.isFinite(temperature))) throw new RangeError(`expected temperature > 0, got ${temperature}`);
  if (options.topK !== undefined && (!Number.isInteger(options.topK) || options.topK < 0)) {
    throw new RangeError(`expected topK to be a non-negative integer, got ${options.topK}`);
  }
  if (options.topP !== undefined && !(options.topP > 0 && options.topP <= 1)) {
    throw new RangeError(`expected topP in (0, 1], got ${options.topP}`);
  }
  return { ...options, scale, temperature };
}

/**
 * Draws one id from a categorical distribution given by logits, like
 * `tf.random.categorical(logits * scale, 1)` in the chapter, with optional
 * temperature, top-k and top-p filtering. Computed in float64 on the CPU.
 *
 * @param logits unnormalized log-probabilities, `[vocab]`.
 * @param random seeded generator (see {@link createRandom}).
 * @returns the sampled id in [0, vocab).
 * @throws {RangeError} on empty or non-finite logits, or invalid options.
 * @example
 * sampleFromLogits(new Float32Array([0, 2, 1]), createRandom(1), { scale: 2, topK: 2 });
 */
export function sampleFromLogits(logits: ArrayLike<number>, random: Random, options: SamplingOptions = {}): number {
  const o = resolveSamplingOptions(options);
  const n = logits.length;
  if (n === 0) throw new RangeError("expected at least one logit, got 0");
  const factor = o.scale / o.temperature;
  const scaled = new Float64Array(n);
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const logit = logits[i] as number;
    const v = logit * factor;
    if (Number.isNaN(logit) || logit === Number.POSITIVE_INFINITY) throw new RangeError(`expected finite logits, got ${logit} at index ${i}`);
    if (Number.isNaN(v) || !Number.isFinite(v) && logit !== Number.NEGATIVE_INFINITY) {
      throw new RangeError(
        `expected scale / temperature (${o.scale} / ${o.temperature} = ${factor}) small enough that logit × factor stays finite, ` +
          `got ${logit} × ${factor} = ${v} at index ${i}`,
      );
    }
    scaled[i] = v;
    if (v > max) max = v;
  }
  if (max === Number.NEGATIVE_INFINITY) throw new RangeError("expected at least one finite logit, got all -Infinity");
  const probs = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const p = Math.exp((scaled[i] as number) - max);
    probs[i] = p;
    total += p;
  }
  for (let i = 0; i < n; i++) probs[i] = (probs[i] as number) / total;
  const k = o.topK === undefined || o.topK === 0 ? n : Math.min(o.topK, n);
  const p = o.topP ?? 1;
  let candidates: number[];
  if (k < n || p < 1) {
    // stable order: higher probability first, lower id on ties
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (probs[b] as number) - (probs[a] as number) || a - b);
    candidates = [];
    let cumulative = 0;
    for (const id of order) {
      if (candidates.length >= k) break;
      candidates.push(id);
      cumulative += probs[id] as number;
      if (cumulative >= p) break;
    }
  } else {
    candidates = Array.from({ length: n }, (_, i) => i);
  }
  let mass = 0;
  for (const id of candidates) mass += probs[id] as number;
  let u = random.next() * mass;
  for (const id of candidates) {
    u -= probs[id] as number;
    if (u < 0) return id;
  }
  return candidates[candidates.length - 1] as number;
}
