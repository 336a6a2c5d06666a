import { seededRandom } from "./init-weights";

/**
 * A seeded random orthogonal matrix `[n, n]` (row-major): Gram–Schmidt on uniform columns. For the gradient-flow
 * tests and example, where W_hh = ρ·Q makes ‖∂h_t/∂h_k‖ = ρ^(t−k) at the zero fixed point.
 *
 * @example
 * orthogonalMatrix(4, 3) // Qᵀ·Q = I within float64 rounding
 */
export function orthogonalMatrix(n: number, seed: number): Float64Array {
  const rand = seededRandom(seed);
  const q = Float64Array.from({ length: n * n }, () => 2 * rand() - 1);
  for (let c = 0; c < n; c++) {
    for (let p = 0; p < c; p++) {
      let dot = 0;
      for (let r = 0; r < n; r++) dot += q[r * n + c]! * q[r * n + p]!;
      for (let r = 0; r < n; r++) q[r * n + c]! -= dot * q[r * n + p]!;
    }
    let norm = 0;
    for (let r = 0; r < n; r++) norm += q[r * n + c]! ** 2;
    for (let r = 0; r < n; r++) q[r * n + c]! /= Math.sqrt(norm);
  }
  return q;
}
