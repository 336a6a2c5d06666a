/**
 * Test helper (not exported from the package): asserts that `actual` is element-wise within
 * `atol + rtol·|expected|` of `expected`, checking the shape first. The failure message names the
 * first failing index, both values and the tolerance. Returns the largest absolute difference so
 * tests can report the error they measured.
 */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  { atol = 0, rtol = 0, shape, label = "value" }: { atol?: number; rtol?: number; shape?: readonly number[]; label?: string },
): number {
  if (shape !== undefined) {
    const n = shape.reduce((a, b) => a * b, 1);
    if (expected.length !== n) {
      throw new Error(`${label}: expected has ${expected.length} elements, but shape [${shape.join(", ")}] needs ${n}`);
    }
  }
  if (actual.length !== expected.length) {
    throw new Error(`${label}: expected ${expected.length} elements, got ${actual.length}`);
  }
  let maxDiff = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const diff = Math.abs(a - e);
    const tol = atol + rtol * Math.abs(e);
    if (!(diff <= tol)) {
      throw new Error(`${label}: at index ${i} got ${a}, expected ${e} (|diff| ${diff.toExponential(3)} > tolerance ${tol.toExponential(3)} = atol ${atol} + rtol ${rtol}·|expected|)`);
    }
    maxDiff = Math.max(maxDiff, diff);
  }
  return maxDiff;
}
