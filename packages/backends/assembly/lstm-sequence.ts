// The whole-sequence LSTM kernels: the forward pass with everything the gradient needs, and the full BPTT backward.
// See sequence.ts for the threading model, layouts and semantics.

import { ld, lstmCellBackward, lstmCellForward, maskedOut, st } from "./cell-math";
import { barrier, gemm, shareStart } from "./sequence-common";
import { addRows, copyLast, inputGradients, projectInputs, weightGrad } from "./sequence-steps";

// @ts-ignore: decorator
@inline function cellForwardAt(
  zRow: usize, cPrevRow: usize, hRow: usize, cRow: usize, gRow: usize, j: usize, units: usize, act: i32, rec: i32, vec: bool,
): void {
  const o4 = j << 2;
  const u4 = units << 2;
  lstmCellForward(
    ld(zRow + o4, vec), ld(zRow + u4 + o4, vec), ld(zRow + 2 * u4 + o4, vec), ld(zRow + 3 * u4 + o4, vec),
    ld(cPrevRow + o4, vec), gRow, cRow, hRow, o4, u4, act, rec, vec,
  );
}

/**
 * The LSTM forward pass over all T steps (one thread's share), from the input x [B, T, D], the input kernel
 * w [D, 4U] and the bias b [4U] (or 0). xw: scratch [B, T, 4U] for x·w + b (each thread computes and reads only
 * its units' columns); z: scratch [B, 4U]. Writes y, cs [B, T, U] and gates [B, T, 4U] by step, and hT, cT [B, U]
 * when their pointers are set. Returns 0, or 1 when a barrier failed.
 */
export function lstmSequenceForward(
  xPtr: usize, wPtr: usize, bPtr: usize, uPtr: usize, h0Ptr: usize, c0Ptr: usize, maskPtr: usize, xwPtr: usize,
  yPtr: usize, csPtr: usize, gatesPtr: usize, hTPtr: usize, cTPtr: usize, zPtr: usize, barPtr: usize,
  batch: i32, time: i32, inputDim: i32, units: i32, goBackwards: i32, act: i32, rec: i32, thread: i32, threads: i32,
): i32 {
  const B = <usize>batch;
  const T = <usize>time;
  const D = <usize>inputDim;
  const U = <usize>units;
  const G = U << 2;
  const j0 = <usize>shareStart(units, thread, threads);
  const j1 = <usize>shareStart(units, thread + 1, threads);
  const vecEnd = j0 + ((j1 - j0) & ~(<usize>3));
  // input projections of every step, this thread's columns
  if (j1 > j0) projectInputs(xPtr, wPtr, bPtr, xwPtr, B * T, D, U, 4, j0, j1);
  for (let s: usize = 0; s < T; s++) {
    const t = goBackwards != 0 ? T - 1 - s : s;
    // previous state rows: h0/c0 [B, U] for the first step, else step s − 1 of y/cs [B, T, U]
    const hPrev = s == 0 ? h0Ptr : yPtr + (((s - 1) * U) << 2);
    const cPrev = s == 0 ? c0Ptr : csPtr + (((s - 1) * U) << 2);
    const prevStride = s == 0 ? U : T * U;
    if (j1 > j0) {
      for (let g: usize = 0; g < 4; g++) {
        gemm(hPrev, prevStride, B, U, uPtr, G, xwPtr + ((t * G) << 2), T * G, zPtr, G, g * U + j0, g * U + j1);
      }
      for (let b: usize = 0; b < B; b++) {
        const hPrevRow = hPrev + ((b * prevStride) << 2);
        const cPrevRow = cPrev + ((b * prevStride) << 2);
        const hRow = yPtr + (((b * T + s) * U) << 2);
        const cRow = csPtr + (((b * T + s) * U) << 2);
        const gRow = gatesPtr + (((b * T + s) * G) << 2);
        if (maskedOut(maskPtr, b * T + t)) {
          memory.copy(hRow + (j0 << 2), hPrevRow + (j0 << 2), (j1 - j0) << 2);
          memory.copy(cRow + (j0 << 2), cPrevRow + (j0 << 2), (j1 - j0) << 2);
          for (let g: usize = 0; g < 4; g++) memory.fill(gRow + ((g * U + j0) << 2), 0, (j1 - j0) << 2);
          continue;
        }
        const zRow = zPtr + ((b * G) << 2);
        let j = j0;
        for (; j < vecEnd; j += 4) cellForwardAt(zRow, cPrevRow, hRow, cRow, gRow, j, U, act, rec, true);
        for (; j < j1; j++) cellForwardAt(zRow, cPrevRow, hRow, cRow, gRow, j, U, act, rec, false);
      }
    }
    if (!barrier(barPtr, threads)) return 1;
  }
  if (j1 > j0 && hTPtr != 0) copyLast(yPtr, hTPtr, B, T, U, j0, j1);
  if (j1 > j0 && cTPtr != 0) copyLast(csPtr, cTPtr, B, T, U, j0, j1);
  return 0;
}

// @ts-ignore: decorator
@inline function cellBackwardAt(
  gRow: usize, cRow: usize, cPrevRow: usize, dOutRow: usize, dhRow: usize, dcRow: usize, dzRow: usize,
  j: usize, units: usize, act: i32, rec: i32, valid: bool, vec: bool,
): void {
  // dhRow holds the gradient reaching h_s from later steps; dcRow the one reaching c_s. Both are updated in
  // place to the gradients reaching h_{s−1} (the part that does not go through U) and c_{s−1}.
  const o4 = j << 2;
  const u4 = units << 2;
  let dh = ld(dhRow + o4, vec);
  if (dOutRow != 0) dh = f32x4.add(dh, ld(dOutRow + o4, vec));
  const dcIn = ld(dcRow + o4, vec);
  const zero = f32x4.splat(0.0);
  if (!valid) {
    st(dzRow + o4, zero, vec);
    st(dzRow + u4 + o4, zero, vec);
    st(dzRow + 2 * u4 + o4, zero, vec);
    st(dzRow + 3 * u4 + o4, zero, vec);
    st(dhRow + o4, dh, vec);
    return;
  }
  lstmCellBackward(dh, dcIn, gRow, cRow, cPrevRow, dzRow, dcRow, o4, u4, act, rec, vec);
  st(dhRow + o4, zero, vec);
}


/**
 * The LSTM backward pass over all T steps (one thread's share), from the input x [B, T, D], the forward pass's
 * y, cs, gates, and the kernels transposed: wT [4U, D], uT [4U, U].
 *
 * dOut [B, T, U] by step (or 0); dh, dc [B, U]: on entry the gradients reaching the final state (zeros when none),
 * on return those reaching h0 and c0. dZ: scratch [B, T, 4U] for the gate pre-activation gradients by time index.
 * Writes dx [B, T, D], dW [D, 4U], db [4U] (when its pointer is set) and dU [U, 4U]. Returns 0, or 1 when a
 * barrier failed.
 */
export function lstmSequenceBackward(
  xPtr: usize, wTPtr: usize, gatesPtr: usize, csPtr: usize, yPtr: usize, h0Ptr: usize, c0Ptr: usize, uTPtr: usize,
  dOutPtr: usize, maskPtr: usize, dhPtr: usize, dcPtr: usize, dhRecPtr: usize, dZPtr: usize,
  dxPtr: usize, dWPtr: usize, dbPtr: usize, dUPtr: usize, barPtr: usize,
  batch: i32, time: i32, inputDim: i32, units: i32, goBackwards: i32, act: i32, rec: i32, thread: i32, threads: i32,
): i32 {
  const B = <usize>batch;
  const T = <usize>time;
  const D = <usize>inputDim;
  const U = <usize>units;
  const G = U << 2;
  const j0 = <usize>shareStart(units, thread, threads);
  const j1 = <usize>shareStart(units, thread + 1, threads);
  const vecEnd = j0 + ((j1 - j0) & ~(<usize>3));
  for (let step: isize = <isize>T - 1; step >= 0; step--) {
    const s = <usize>step;
    const t = goBackwards != 0 ? T - 1 - s : s;
    if (j1 > j0) {
      // add the gradient that went through U at step s + 1 (computed into dhRec at the end of that step)
      if (s + 1 < T) addRows(dhPtr, dhRecPtr, B, U, j0, j1);
      for (let b: usize = 0; b < B; b++) {
        const sRow = (b * U) << 2;
        const valid = !maskedOut(maskPtr, b * T + t);
        const gRow = gatesPtr + (((b * T + s) * G) << 2);
        const cRow = csPtr + (((b * T + s) * U) << 2);
        const cPrevRow = s == 0 ? c0Ptr + sRow : csPtr + (((b * T + s - 1) * U) << 2);
        const dOutRow: usize = dOutPtr == 0 ? 0 : dOutPtr + (((b * T + s) * U) << 2);
        const dzRow = dZPtr + (((b * T + t) * G) << 2);
        let j = j0;
        for (; j < vecEnd; j += 4) {
          cellBackwardAt(gRow, cRow, cPrevRow, dOutRow, dhPtr + sRow, dcPtr + sRow, dzRow, j, U, act, rec, valid, true);
        }
        for (; j < j1; j++) {
          cellBackwardAt(gRow, cRow, cPrevRow, dOutRow, dhPtr + sRow, dcPtr + sRow, dzRow, j, U, act, rec, valid, false);
        }
      }
    }
    if (!barrier(barPtr, threads)) return 1;
    // dhRec[:, own units] = dz_s · Uᵀ[:, own units]: reads every thread's dz_s, written before the barrier
    if (j1 > j0) gemm(dZPtr + ((t * G) << 2), T * G, B, G, uTPtr, U, 0, 0, dhRecPtr, U, j0, j1);
  }
  if (j1 > j0) addRows(dhPtr, dhRecPtr, B, U, j0, j1);
  // Weight gradients by columns: this thread's units' columns of each gate (dZ is complete after the last barrier),
  // and dx by rows.
  if (j1 > j0) {
    for (let c: usize = 0; c < G; c += U) weightGrad(dUPtr, U, yPtr, U, h0Ptr, false, dZPtr, B, T, G, goBackwards, c + j0, c + j1);
  }
  inputGradients(xPtr, wTPtr, dZPtr, dxPtr, dWPtr, dbPtr, B, T, D, U, G, goBackwards, j0, j1, thread, threads);
  return 0;
}
