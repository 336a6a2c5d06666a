/**
 * A small seeded pseudo-random generator (mulberry32) whose whole state is one
 * 32-bit integer, so that a training run can store it in a checkpoint and
 * resume with exactly the same stream.
 */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** A standard normal sample (Box–Muller). */
  normal(): number;
  /** The current state; `createRandom(state)` continues the same stream. */
  readonly state: number;
}

/**
 * Creates a seeded generator.
 *
 * @param seed any integer; only its low 32 bits are used.
 * @throws {TypeError} when the seed is not a finite integer.
 * @example
 * const random = createRandom(42);
 * random.next(); // same value on every run
 */
export function createRandom(seed: number): Random {
  if (!Number.isInteger(seed)) {
    throw new TypeError(`expected an integer seed, got ${seed}`);
  }
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    normal(): number {
      // 1 - next() is in (0, 1], so the logarithm is finite.
      const u = 1 - next();
      const v = next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    get state() {
      return state;
    },
  };
}

/**
 * Derives an independent 32-bit seed from a base seed and a label, so that
 * the layers of a model and the epochs of a run each get their own stream.
 *
 * @example
 * deriveSeed(42, "epoch", 3)
 */
export function deriveSeed(seed: number, ...parts: (string | number)[]): number {
  // FNV-1a over the decimal seed and the parts.
  let h = 0x811c9dc5;
  const text = [String(seed >>> 0), ...parts.map(String)].join("\u0000");
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
