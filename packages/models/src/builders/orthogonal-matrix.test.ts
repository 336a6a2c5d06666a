import { describe, expect, it } from "vitest";
import { expectClose } from "../expect-close";
import { createRandom, orthogonalMatrix } from "../index";

function gram(w: Float32Array, rows: number, cols: number, byRows: boolean): Float64Array {
  const n = byRows ? rows : cols;
  const g = new Float64Array(n * n);
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      let s = 0;
      if (byRows) for (let k = 0; k < cols; k++) s += (w[a * cols + k] as number) * (w[b * cols + k] as number);
      else for (let k = 0; k < rows; k++) s += (w[k * cols + a] as number) * (w[k * cols + b] as number);
      g[a * n + b] = s;
    }
  }
  return g;
}
const identity = (n: number) => Float64Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0));

describe("orthogonalMatrix", () => {
  it("has orthonormal rows when rows < cols (an LSTM recurrent kernel 16 × 64)", () => {
    const w = orthogonalMatrix(16, 64, createRandom(3));
    expect(w.length).toBe(16 * 64);
    expectClose(gram(w, 16, 64, true), identity(16), { atol: 1e-5 });
  });

  it("has orthonormal columns when rows > cols, and square matrices are orthogonal", () => {
    expectClose(gram(orthogonalMatrix(40, 12, createRandom(4)), 40, 12, false), identity(12), { atol: 1e-5 });
    const square = orthogonalMatrix(20, 20, createRandom(5));
    expectClose(gram(square, 20, 20, true), identity(20), { atol: 1e-5 });
    expectClose(gram(square, 20, 20, false), identity(20), { atol: 1e-5 });
  });

  it("scales by gain, is reproducible from the seed and differs across seeds", () => {
    const a = orthogonalMatrix(8, 32, createRandom(9), { gain: 2 });
    expectClose(gram(a, 8, 32, true), identity(8).map((v) => 4 * v), { atol: 1e-4 });
    expect(orthogonalMatrix(8, 32, createRandom(9), { gain: 2 })).toStrictEqual(a);
    expect(orthogonalMatrix(8, 32, createRandom(10), { gain: 2 })).not.toStrictEqual(a);
  });

  it("rejects bad sizes", () => {
    expect(() => orthogonalMatrix(0, 4, createRandom(1))).toThrow("expected rows to be a positive integer, got 0");
    expect(() => orthogonalMatrix(4, 2.5, createRandom(1))).toThrow("expected cols to be a positive integer, got 2.5");
    expect(() => orthogonalMatrix(4, 4, createRandom(1), { gain: Number.NaN })).toThrow("expected a finite gain, got NaN");
  });
});
