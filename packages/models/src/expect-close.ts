import { expect } from "vitest";

/**
 * Test helper (not exported from the package): checks that `actual` has the
 * expected length (and shape, when given) and that every element satisfies
 * |a − e| <= atol + rtol·|e|, naming the first failing index and the tolerance.
 */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  options: { atol?: number; rtol?: number; shape?: readonly number[]; actualShape?: readonly number[] } = {},
): void {
  const atol = options.atol ?? 1e-6;
  const rtol = options.rtol ?? 0;
  if (options.shape !== undefined && options.actualShape !== undefined) {
    expect(options.actualShape, "shape").toEqual(options.shape);
  }
  expect(actual.length, "length").toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    const tolerance = atol + rtol * Math.abs(e);
    if (!(Math.abs(a - e) <= tolerance)) {
      expect.fail(`element ${i}: got ${a}, expected ${e} within ${tolerance} (atol ${atol}, rtol ${rtol})`);
    }
  }
}
