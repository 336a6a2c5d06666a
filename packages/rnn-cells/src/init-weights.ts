import { resolveSpec, weightShapes } from "./rnn-spec";
import type { RnnSpec, RnnWeights } from "./rnn-spec";

/**
 * A small seeded pseudo-random generator (mulberry32) returning floats in `[0, 1)`. Deterministic
 * across platforms, so tests and examples are reproducible. Not for cryptography.
 *
 * @param seed any 32-bit integer.
 * @throws {RangeError} when `seed` is not an integer.
 * @example
 * const rand = seededRandom(42);
 * rand() // same number on every run
 */
export function seededRandom(seed: number): () => number {
  if (!Number.isInteger(seed)) throw new RangeError(`expected seed to be an integer, got ${seed}`);
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Options of {@link initWeights}. */
export interface InitWeightsOptions {
  /**
   * Seed of the generator.
   * @default 0
   */
  readonly seed?: number;
  /**
   * Entries are uniform in `[−scale, scale]`.
   * @default 0.5
   */
  readonly scale?: number;
}

/**
 * Random weights of the right shapes for a spec (Keras / tfjs layout, Float64Array), uniform in
 * `[−scale, scale]`, biases included. Meant for tests, gradient checks and examples, not as a
 * training initialiser (use Glorot / orthogonal initialisers there).
 *
 * @throws {RangeError} for an invalid spec or a scale that is not finite and ≥ 0.
 * @example
 * const w = initWeights({ cell: "gru", units: 4, inputDim: 3 }, { seed: 1 });
 * w.kernel.length // 3 * 12
 */
export function initWeights(spec: RnnSpec, options: InitWeightsOptions = {}): RnnWeights {
  const s = resolveSpec(spec);
  const scale = options.scale ?? 0.5;
  if (!(Number.isFinite(scale) && scale >= 0)) throw new RangeError(`expected scale ≥ 0 and finite, got ${scale}`);
  const rand = seededRandom(options.seed ?? 0);
  const fill = (n: number) => Float64Array.from({ length: n }, () => (2 * rand() - 1) * scale);
  const shapes = weightShapes(s);
  const kernel = fill(shapes.kernel[0] * shapes.kernel[1]);
  const recurrentKernel = fill(shapes.recurrentKernel[0] * shapes.recurrentKernel[1]);
  if (shapes.bias === undefined) return { kernel, recurrentKernel };
  return { kernel, recurrentKernel, bias: fill(shapes.bias.reduce((a, b) => a * b, 1)) };
}
