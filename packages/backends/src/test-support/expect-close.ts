import * as tf from "@tensorflow/tfjs";

/** A tensor, or a flat array of values with its shape. */
export type Comparable = tf.Tensor | { shape: readonly number[]; values: ArrayLike<number> };

/** Tolerances for {@link expectClose}: passes when `|a - e| <= atol + rtol * |e|` at every index. */
export interface CloseOptions {
  /** @default 1e-6 */
  atol?: number;
  /** @default 1e-6 */
  rtol?: number;
}

function unpack(x: Comparable): { shape: readonly number[]; values: ArrayLike<number> } {
  return x instanceof tf.Tensor ? { shape: x.shape, values: x.dataSync() } : x;
}

/**
 * The package's one closeness check for tests: compares shapes first, then every value, and names the first
 * failing index (flat and multi-dimensional) and the tolerance used. NaN only matches NaN.
 *
 * @throws {Error} on a shape mismatch or the first value outside the tolerance.
 * @example
 * expectClose(tf.tensor([1, 2]), { shape: [2], values: [1, 2 + 1e-7] }, { atol: 1e-6 });
 */
export function expectClose(actual: Comparable, expected: Comparable, options: CloseOptions = {}): void {
  const { atol = 1e-6, rtol = 1e-6 } = options;
  const a = unpack(actual);
  const e = unpack(expected);
  if (a.shape.length !== e.shape.length || a.shape.some((d, i) => d !== e.shape[i])) {
    throw new Error(`expectClose: expected shape [${e.shape.join(", ")}], got [${a.shape.join(", ")}]`);
  }
  if (a.values.length !== e.values.length) {
    throw new Error(`expectClose: expected ${e.values.length} values, got ${a.values.length}`);
  }
  for (let i = 0; i < e.values.length; i++) {
    const av = a.values[i] as number;
    const ev = e.values[i] as number;
    const bothNaN = Number.isNaN(av) && Number.isNaN(ev);
    if (bothNaN) continue;
    const tol = atol + rtol * Math.abs(ev);
    if (!(Math.abs(av - ev) <= tol)) {
      throw new Error(
        `expectClose: at flat index ${i} (index [${unravel(i, e.shape).join(", ")}]) expected ${ev}, got ${av}; ` +
          `|diff| = ${Math.abs(av - ev)} > tolerance ${tol} (atol ${atol}, rtol ${rtol})`,
      );
    }
  }
}

function unravel(flat: number, shape: readonly number[]): number[] {
  const idx: number[] = new Array<number>(shape.length).fill(0);
  let rest = flat;
  for (let d = shape.length - 1; d >= 0; d--) {
    const dim = shape[d] as number;
    idx[d] = rest % dim;
    rest = Math.floor(rest / dim);
  }
  return idx;
}
