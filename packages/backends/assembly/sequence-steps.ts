// The parts of the whole-sequence kernels that every cell runs the same way, on top of the matrix products of
// sequence-common.ts: the input projections before the recurrence, the state bookkeeping of one thread's units,
// and the weight and input gradients after the BPTT loop. See sequence.ts for the threading model and layouts.

import { flush, maskedOut } from "./cell-math";
import { gemm, outerGrad } from "./sequence-common";

/**
 * xw[r, g·U + j] = bias[g·U + j] (or 0) + Σ_k x[r, k] · w[k, g·U + j] for every row r < B·T, the `blocks` gate
 * blocks g and this thread's units j ∈ [j0, j1) (the bias row is broadcast: init stride 0).
 */
export function projectInputs(
  xPtr: usize, wPtr: usize, bPtr: usize, xwPtr: usize, rows: usize, D: usize, U: usize, blocks: usize, j0: usize, j1: usize,
): void {
  const G = blocks * U;
  for (let g: usize = 0; g < blocks; g++) gemm(xPtr, D, rows, D, wPtr, G, bPtr, 0, xwPtr, G, g * U + j0, g * U + j1);
}

/** dst[b, j] += src[b, j] for rows b < B and units j ∈ [j0, j1) of two [B, U] arrays. */
export function addRows(dstPtr: usize, srcPtr: usize, B: usize, U: usize, j0: usize, j1: usize): void {
  const vecEnd = j0 + ((j1 - j0) & ~(<usize>3));
  for (let b: usize = 0; b < B; b++) {
    const row = (b * U) << 2;
    let j = j0;
    for (; j < vecEnd; j += 4) {
      const p = dstPtr + row + (j << 2);
      v128.store(p, f32x4.add(v128.load(p), v128.load(srcPtr + row + (j << 2))));
    }
    for (; j < j1; j++) {
      const p = dstPtr + row + (j << 2);
      store<f32>(p, load<f32>(p) + load<f32>(srcPtr + row + (j << 2)));
    }
  }
}

/** out[b, j] = seq[b, T − 1, j] for units j ∈ [j0, j1): the final state, from a [B, T, U] array by step. */
export function copyLast(seqPtr: usize, outPtr: usize, B: usize, T: usize, U: usize, j0: usize, j1: usize): void {
  for (let b: usize = 0; b < B; b++) {
    memory.copy(outPtr + ((b * U + j0) << 2), seqPtr + (((b * T + T - 1) * U + j0) << 2), (j1 - j0) << 2);
  }
}

/**
 * Columns [c0, c1) of a weight gradient dst [rows, G]: zeroed, then Σ_b Σ_s a_sᵀ dz_s (see outerGrad for a_s).
 */
export function weightGrad(
  dstPtr: usize, rows: usize, aPtr: usize, aStride: usize, a0Ptr: usize, aByTime: bool, dZPtr: usize,
  B: usize, T: usize, G: usize, goBackwards: i32, c0: usize, c1: usize,
): void {
  for (let k: usize = 0; k < rows; k++) memory.fill(dstPtr + ((k * G + c0) << 2), 0, (c1 - c0) << 2);
  outerGrad(dstPtr, rows, aPtr, aStride, a0Ptr, aByTime, dZPtr, B, T, G, goBackwards, c0, c1);
}

/** db[c] = Σ_r dZ[r, c] over the rows r < rows of dZ [rows, G], for the columns c ∈ [c0, c1). */
export function columnSums(dZPtr: usize, rows: usize, G: usize, dbPtr: usize, c0: usize, c1: usize): void {
  const c4End = c0 + ((c1 - c0) & ~(<usize>3));
  let c = c0;
  for (; c < c4End; c += 4) {
    let acc = f32x4.splat(0);
    for (let r: usize = 0; r < rows; r++) acc = f32x4.add(acc, v128.load(dZPtr + ((r * G + c) << 2)));
    v128.store(dbPtr + (c << 2), acc);
  }
  for (; c < c1; c++) {
    let acc: f32 = 0;
    for (let r: usize = 0; r < rows; r++) acc += load<f32>(dZPtr + ((r * G + c) << 2));
    store<f32>(dbPtr + (c << 2), acc);
  }
}

/**
 * The input-side gradients once dZ [B, T, G] (by time) is complete: dW [D, G] = Σ xᵀ·dZ and db [G] (when its
 * pointer is set) for this thread's units' columns of each of the G / U gate blocks, and dx [B, T, D] = dZ·wᵀ
 * (wT [G, D]) for this thread's share of the B·T rows.
 */
export function inputGradients(
  xPtr: usize, wTPtr: usize, dZPtr: usize, dxPtr: usize, dWPtr: usize, dbPtr: usize,
  B: usize, T: usize, D: usize, U: usize, G: usize, goBackwards: i32, j0: usize, j1: usize, thread: i32, threads: i32,
): void {
  if (j1 > j0) {
    for (let c: usize = 0; c < G; c += U) {
      weightGrad(dWPtr, D, xPtr, D, 0, true, dZPtr, B, T, G, goBackwards, c + j0, c + j1);
      if (dbPtr != 0) columnSums(dZPtr, B * T, G, dbPtr, c + j0, c + j1);
    }
  }
  const rows = B * T;
  const r0 = (rows * <usize>thread) / <usize>threads;
  const r1 = (rows * <usize>(thread + 1)) / <usize>threads;
  if (r1 > r0) gemm(dZPtr + ((r0 * G) << 2), G, r1 - r0, G, wTPtr, D, 0, 0, dxPtr + ((r0 * D) << 2), D, 0, D);
}

/**
 * dst[b, j] = src[b, j] · mask[b, j] (or, with `add`, dst[b, j] += src[b, j] · mask[b, j]) for b < B and j in
 * [j0, j0 + width); src and dst have row strides `stride` floats, the mask [B, U] has U. Recurrent dropout: the
 * operand h ⊙ mask of the recurrent products (flushed below 1e-30 as the cells' outputs), and the gradient reaching
 * h through them.
 */
export function dropRows(srcPtr: usize, maskPtr: usize, dstPtr: usize, stride: usize, U: usize, B: usize, j0: usize, width: usize, add: bool): void {
  for (let b: usize = 0; b < B; b++) {
    const src = srcPtr + ((b * stride + j0) << 2);
    const dst = dstPtr + ((b * stride + j0) << 2);
    const m = maskPtr + ((b * U + j0) << 2);
    let j: usize = 0;
    for (; j + 4 <= width; j += 4) {
      const v = f32x4.mul(v128.load(src + (j << 2)), v128.load(m + (j << 2)));
      v128.store(dst + (j << 2), add ? f32x4.add(v128.load(dst + (j << 2)), v) : flush(v));
    }
    for (; j < width; j++) {
      const v = f32x4.mul(v128.load32_zero(src + (j << 2)), v128.load32_zero(m + (j << 2)));
      const r = add ? f32x4.add(v128.load32_zero(dst + (j << 2)), v) : flush(v);
      store<f32>(dst + (j << 2), f32x4.extract_lane(r, 0));
    }
  }
}

/**
 * dh[b, j] *= mask[b, j] for the rows b whose step at time index t is real (not padding) and j in [j0, j0 + width):
 * with recurrent dropout, what a real step passes back to h_{t−1} (not through the products) reached h_{t−1} ⊙ mask;
 * a padded step carried h_{t−1} over undropped, so its gradient passes whole.
 */
export function dropValidRows(dhPtr: usize, dropPtr: usize, maskPtr: usize, B: usize, T: usize, t: usize, U: usize, j0: usize, width: usize): void {
  for (let b: usize = 0; b < B; b++) {
    if (maskedOut(maskPtr, b * T + t)) continue;
    const row = dhPtr + ((b * U + j0) << 2);
    const m = dropPtr + ((b * U + j0) << 2);
    let j: usize = 0;
    for (; j + 4 <= width; j += 4) v128.store(row + (j << 2), f32x4.mul(v128.load(row + (j << 2)), v128.load(m + (j << 2))));
    for (; j < width; j++) store<f32>(row + (j << 2), load<f32>(row + (j << 2)) * load<f32>(m + (j << 2)));
  }
}
