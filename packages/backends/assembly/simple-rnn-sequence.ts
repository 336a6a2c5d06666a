// The whole-sequence SimpleRNN kernels (h_t = φ(x_t·W + b + h_{t−1}·U)): the forward pass, which keeps the states
// (all the gradient needs, φ′ being taken from φ's output), and the full BPTT backward. The threads meet once per
// step each way. See sequence.ts for the threading model, layouts and semantics; as the per-step kernels of
// recurrent.ts (simpleForward, simpleBackward): masked rows carry h_{t−1} over, |v| < 1e-30 is flushed to 0. With
// recurrent dropout (a mask m [B, U]) the product takes h_{t−1} ⊙ m, kept as hd [B, T, U] by step (hd0 for h0).

import { activate, flush, ld, maskedOut, simpleCellBackward, st } from "./cell-math";
import { barrier, gemm, shareStart } from "./sequence-common";
import { addRows, copyLast, dropRows, inputGradients, projectInputs, weightGrad } from "./sequence-steps";

// @ts-ignore: decorator
@inline function stateAt(zRow: usize, hPrevRow: usize, hRow: usize, j: usize, act: i32, valid: bool, vec: bool): void {
  const o4 = j << 2;
  st(hRow + o4, valid ? flush(activate(ld(zRow + o4, vec), act)) : ld(hPrevRow + o4, vec), vec);
}

/**
 * The SimpleRNN forward pass over all T steps (one thread's share), from the input x [B, T, D], the input kernel
 * w [D, U], the bias b [U] (or 0) and the recurrent kernel u [U, U]. xw: scratch [B, T, U]; z: scratch [B, U].
 * Writes y [B, T, U] by step, and hT [B, U] when its pointer is set; with dropPtr (the recurrent dropout mask
 * [B, U], else 0), also hd0 [B, U] and hd [B, T, U] by step (h ⊙ mask). Returns 0, or 1 when a barrier failed.
 */
export function simpleRnnSequenceForward(
  xPtr: usize, wPtr: usize, bPtr: usize, uPtr: usize, h0Ptr: usize, dropPtr: usize, hdPtr: usize, hd0Ptr: usize,
  maskPtr: usize, xwPtr: usize, yPtr: usize,
  hTPtr: usize, zPtr: usize, barPtr: usize,
  batch: i32, time: i32, inputDim: i32, units: i32, goBackwards: i32, act: i32, thread: i32, threads: i32,
): i32 {
  const B = <usize>batch;
  const T = <usize>time;
  const D = <usize>inputDim;
  const U = <usize>units;
  const j0 = <usize>shareStart(units, thread, threads);
  const j1 = <usize>shareStart(units, thread + 1, threads);
  const vecEnd = j0 + ((j1 - j0) & ~(<usize>3));
  const own = j1 > j0;
  if (own) projectInputs(xPtr, wPtr, bPtr, xwPtr, B * T, D, U, 1, j0, j1);
  const dropped = dropPtr != 0;
  if (dropped) {
    // h0 ⊙ m, this thread's units; the barrier publishes them before the first product reads every unit
    if (own) dropRows(h0Ptr, dropPtr, hd0Ptr, U, U, B, j0, j1 - j0, false);
    if (!barrier(barPtr, threads)) return 1;
  }
  for (let s: usize = 0; s < T; s++) {
    const t = goBackwards != 0 ? T - 1 - s : s;
    const hPrev = s == 0 ? h0Ptr : yPtr + (((s - 1) * U) << 2);
    const prevStride = s == 0 ? U : T * U;
    const op = !dropped ? hPrev : s == 0 ? hd0Ptr : hdPtr + (((s - 1) * U) << 2);
    if (own) {
      gemm(op, prevStride, B, U, uPtr, U, xwPtr + ((t * U) << 2), T * U, zPtr, U, j0, j1);
      for (let b: usize = 0; b < B; b++) {
        const hPrevRow = hPrev + ((b * prevStride) << 2);
        const zRow = zPtr + ((b * U) << 2);
        const hRow = yPtr + (((b * T + s) * U) << 2);
        const valid = !maskedOut(maskPtr, b * T + t);
        let j = j0;
        for (; j < vecEnd; j += 4) stateAt(zRow, hPrevRow, hRow, j, act, valid, true);
        for (; j < j1; j++) stateAt(zRow, hPrevRow, hRow, j, act, valid, false);
      }
      if (dropped) dropRows(yPtr + ((s * U) << 2), dropPtr, hdPtr + ((s * U) << 2), T * U, U, B, j0, j1 - j0, false);
    }
    if (!barrier(barPtr, threads)) return 1;
  }
  if (own && hTPtr != 0) copyLast(yPtr, hTPtr, B, T, U, j0, j1);
  return 0;
}

// dz = dh ⊙ φ′ (from the step's output h), and nothing bypasses the product; a masked row passes dh through whole.
// @ts-ignore: decorator
@inline function gradAt(hRow: usize, dOutRow: usize, dhRow: usize, dzRow: usize, j: usize, act: i32, valid: bool, vec: bool): void {
  const o4 = j << 2;
  let dh = ld(dhRow + o4, vec);
  if (dOutRow != 0) dh = f32x4.add(dh, ld(dOutRow + o4, vec));
  simpleCellBackward(dh, ld(hRow + o4, vec), dzRow + o4, dhRow + o4, act, valid, vec);
}

/**
 * The SimpleRNN backward pass over all T steps (one thread's share), from the input x [B, T, D], the forward pass's
 * y, and the kernels transposed: wT [U, D], uT [U, U].
 *
 * dOut [B, T, U] by step (or 0); dh [B, U]: on entry the gradient reaching the final state, on return the one
 * reaching h0. dhRec [B, U] scratch; dZ: scratch [B, T, U] for the pre-activation gradients by time. Writes
 * dx [B, T, D], dW [D, U], db [U] (when its pointer is set) and dU [U, U]. With dropPtr (the forward pass's
 * recurrent dropout mask), hd0 and hd are the forward pass's h ⊙ mask. Returns 0, or 1 when a barrier failed.
 */
export function simpleRnnSequenceBackward(
  xPtr: usize, wTPtr: usize, yPtr: usize, h0Ptr: usize, uTPtr: usize, dropPtr: usize, hdPtr: usize, hd0Ptr: usize,
  dOutPtr: usize, maskPtr: usize, dhPtr: usize,
  dhRecPtr: usize, dZPtr: usize, dxPtr: usize, dWPtr: usize, dbPtr: usize, dUPtr: usize, barPtr: usize,
  batch: i32, time: i32, inputDim: i32, units: i32, goBackwards: i32, act: i32, thread: i32, threads: i32,
): i32 {
  const B = <usize>batch;
  const T = <usize>time;
  const D = <usize>inputDim;
  const U = <usize>units;
  const j0 = <usize>shareStart(units, thread, threads);
  const j1 = <usize>shareStart(units, thread + 1, threads);
  const vecEnd = j0 + ((j1 - j0) & ~(<usize>3));
  const own = j1 > j0;
  for (let step: isize = <isize>T - 1; step >= 0; step--) {
    const s = <usize>step;
    const t = goBackwards != 0 ? T - 1 - s : s;
    if (own) {
      // with recurrent dropout, the gradient through the product at step s + 1 reached h_s ⊙ m (a real step passes
      // nothing back outside the product; a padded one passes dh whole)
      if (s + 1 < T && dropPtr != 0) dropRows(dhRecPtr, dropPtr, dhPtr, U, U, B, j0, j1 - j0, true);
      else if (s + 1 < T) addRows(dhPtr, dhRecPtr, B, U, j0, j1);
      for (let b: usize = 0; b < B; b++) {
        const sRow = (b * U) << 2;
        const valid = !maskedOut(maskPtr, b * T + t);
        const hRow = yPtr + (((b * T + s) * U) << 2);
        const dOutRow: usize = dOutPtr == 0 ? 0 : dOutPtr + (((b * T + s) * U) << 2);
        const dzRow = dZPtr + (((b * T + t) * U) << 2);
        let j = j0;
        for (; j < vecEnd; j += 4) gradAt(hRow, dOutRow, dhPtr + sRow, dzRow, j, act, valid, true);
        for (; j < j1; j++) gradAt(hRow, dOutRow, dhPtr + sRow, dzRow, j, act, valid, false);
      }
    }
    if (!barrier(barPtr, threads)) return 1;
    // dhRec[:, own units] = dz_s · Uᵀ[:, own units]: reads every thread's dz_s
    if (own) gemm(dZPtr + ((t * U) << 2), T * U, B, U, uTPtr, U, 0, 0, dhRecPtr, U, j0, j1);
  }
  if (own) {
    if (dropPtr != 0) dropRows(dhRecPtr, dropPtr, dhPtr, U, U, B, j0, j1 - j0, true);
    else addRows(dhPtr, dhRecPtr, B, U, j0, j1);
    // the product's operands: the states before each step, times the recurrent dropout mask if any
    weightGrad(dUPtr, U, dropPtr != 0 ? hdPtr : yPtr, U, dropPtr != 0 ? hd0Ptr : h0Ptr, false, dZPtr, B, T, U, goBackwards, j0, j1);
  }
  inputGradients(xPtr, wTPtr, dZPtr, dxPtr, dWPtr, dbPtr, B, T, D, U, U, goBackwards, j0, j1, thread, threads);
  return 0;
}
