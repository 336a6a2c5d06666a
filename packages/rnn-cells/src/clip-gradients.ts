import type { FloatArray } from "./rnn-spec";

function assertArrays(arrays: readonly FloatArray[]): void {
  if (!Array.isArray(arrays)) {
    throw new TypeError(`expected an array of Float32Array / Float64Array, got ${typeof arrays}`);
  }
  arrays.forEach((a, i) => {
    if (!(a instanceof Float32Array || a instanceof Float64Array)) {
      throw new TypeError(`expected arrays[${i}] to be a Float32Array or Float64Array, got ${String(a)}`);
    }
  });
}

/**
 * The global L2 norm `sqrt(Σ_arrays Σ_i g_i²)` of a list of gradients (accumulated in float64).
 *
 * @throws {TypeError} when an entry is not a float typed array.
 * @example
 * globalNorm([Float64Array.of(3), Float64Array.of(4)]) // 5
 */
export function globalNorm(arrays: readonly FloatArray[]): number {
  assertArrays(arrays);
  let sum = 0;
  for (const a of arrays) for (let i = 0; i < a.length; i++) sum += a[i]! * a[i]!;
  return Math.sqrt(sum);
}

/**
 * Clips every element to `[−limit, limit]` (Keras `clipvalue`). Returns new arrays of the same types.
 *
 * @param arrays gradients, any shapes.
 * @param limit a positive, finite bound.
 * @throws {RangeError} when `limit` is not positive and finite.
 * @example
 * clipByValue([Float64Array.of(-3, 0.5, 2)], 1)[0] // Float64Array [-1, 0.5, 1]
 */
export function clipByValue<T extends FloatArray>(arrays: readonly T[], limit: number): T[] {
  assertArrays(arrays);
  if (!(Number.isFinite(limit) && limit > 0)) {
    throw new RangeError(`expected clip value limit > 0 and finite, got ${limit}`);
  }
  return arrays.map((a) => {
    const out = a.slice() as T;
    for (let i = 0; i < out.length; i++) out[i] = Math.min(limit, Math.max(-limit, out[i]!));
    return out;
  });
}

/** Result of {@link clipByGlobalNorm}. */
export interface GlobalNormClipResult<T extends FloatArray> {
  /** The gradients, each multiplied by `scale`. */
  readonly clipped: T[];
  /** Global norm before clipping. */
  readonly globalNorm: number;
  /** `maxNorm / max(globalNorm, maxNorm)`: 1 when nothing was clipped. */
  readonly scale: number;
}

/**
 * Rescales a list of gradients so that their global L2 norm is at most `maxNorm`
 * (`g ← g · maxNorm / max(‖g‖, maxNorm)`, as `tf.clip_by_global_norm` and Keras `global_clipnorm`).
 * Returns new arrays of the same types.
 *
 * @param arrays gradients, any shapes.
 * @param maxNorm a positive, finite bound.
 * @throws {RangeError} when `maxNorm` is not positive and finite.
 * @example
 * clipByGlobalNorm([Float64Array.of(3), Float64Array.of(4)], 1).clipped // [[0.6], [0.8]]
 */
export function clipByGlobalNorm<T extends FloatArray>(arrays: readonly T[], maxNorm: number): GlobalNormClipResult<T> {
  if (!(Number.isFinite(maxNorm) && maxNorm > 0)) {
    throw new RangeError(`expected maxNorm > 0 and finite, got ${maxNorm}`);
  }
  const norm = globalNorm(arrays);
  const scale = maxNorm / Math.max(norm, maxNorm);
  const clipped = arrays.map((a) => {
    const out = a.slice() as T;
    if (scale !== 1) for (let i = 0; i < out.length; i++) out[i] = out[i]! * scale;
    return out;
  });
  return { clipped, globalNorm: norm, scale };
}
