import { describe } from "../check-args";

/**
 * A small, fast, seeded pseudo-random generator (sfc32 seeded through
 * splitmix32). Same seed, same sequence, on every platform.
 * @internal
 */
export function seededRandom(seed: number): () => number {
  if (typeof seed !== "number" || !Number.isInteger(seed) || Math.abs(seed) > Number.MAX_SAFE_INTEGER) {
    throw new TypeError(`expected seed to be a safe integer, got ${describe(seed)}`);
  }
  let s = (seed >>> 0) ^ Math.floor(seed / 2 ** 32);
  const splitmix = (): number => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}

/** Fisher-Yates shuffle of `items` in place with `random`. @internal */
export function shuffleInPlace<T>(items: T[] | Int32Array, random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = items[i] as T;
    items[i] = items[j] as T;
    items[j] = tmp;
  }
}
