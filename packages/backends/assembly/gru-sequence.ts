// The whole-sequence GRU kernels (gate order z, r, h), both variants: the forward pass with everything the gradient
// needs, and the full BPTT backward. See sequence.ts for the threading model, layouts and semantics.
//
// resetAfter 0 (tf.layers, Keras 1): ĥ = φ(x·W_h + b_h + (r ⊙ h_{t−1})·U_h). The candidate's product needs every
// unit of r ⊙ h_{t−1}, so the threads meet twice per step forward (after the gates, after the state) and twice
// backward (after dĥ, after the reset gate's gradient). aux [B, T, U] by time holds r ⊙ h_{t−1}.
// resetAfter 1 (Keras 2's default, cuDNN's): ĥ = φ(x·W_h + b_h + r ⊙ (h_{t−1}·U_h + b′_h)), one product h_{t−1}·U
// per step, threads meeting once per step each way. aux [B, T, U] by time holds h_{t−1}·U_h + b′_h.
//
// gates [B, T, 3U] by step hold the activated z, r, ĥ. Semantics as the per-step kernels of recurrent.ts (gruGates,
// gruState and their gradients): masked rows carry h_{t−1} over, |v| < 1e-30 is flushed to 0. With recurrent
// dropout (a mask m [B, U]), a real step uses h_{t−1} ⊙ m everywhere (the products, r ⊙ h, the update), kept as hd
// [B, T, U] by step (hd0 for h0); a padded step carries the undropped h_{t−1} over.

import { activate, derivative, flush, gruResetAfterBackward, gruStateBackward, gruUpdate, ld, maskedOut, st } from "./cell-math";
import { barrier, gemm, shareStart } from "./sequence-common";
import { addRows, columnSums, copyLast, dropRows, dropValidRows, inputGradients, projectInputs, weightGrad } from "./sequence-steps";

// resetAfter 0, first half of a step for 4 units (or 1): z, r from the pre-activations in zRow (x·W + b + h·U_zr),
// and r ⊙ h_{t−1} into rhRow.
// @ts-ignore: decorator
@inline function gatesAt(zRow: usize, hPrevRow: usize, gRow: usize, rhRow: usize, j: usize, units: usize, rec: i32, vec: bool): void {
  const o4 = j << 2;
  const u4 = units << 2;
  const r = activate(ld(zRow + u4 + o4, vec), rec);
  st(gRow + o4, activate(ld(zRow + o4, vec), rec), vec);
  st(gRow + u4 + o4, r, vec);
  st(rhRow + o4, flush(f32x4.mul(r, ld(hPrevRow + o4, vec))), vec);
}

// resetAfter 0, second half: ĥ from its pre-activation (zRow's third block), and the new state.
// @ts-ignore: decorator
@inline function stateAt(zRow: usize, hPrevRow: usize, gRow: usize, hRow: usize, j: usize, units: usize, act: i32, valid: bool, vec: bool): void {
  const o4 = j << 2;
  const u4 = units << 2;
  const hh = activate(ld(zRow + 2 * u4 + o4, vec), act);
  st(gRow + 2 * u4 + o4, hh, vec);
  st(hRow + o4, gruUpdate(ld(gRow + o4, vec), ld(hPrevRow + o4, vec), hh, valid), vec);
}

// resetAfter 1, the whole step: zRow holds h_{t−1}·U + b′ (all three blocks), xwRow x·W + b.
// @ts-ignore: decorator
@inline function afterAt(
  xwRow: usize, zRow: usize, hPrevRow: usize, gRow: usize, rcRow: usize, hRow: usize, j: usize, units: usize,
  act: i32, rec: i32, valid: bool, vec: bool,
): void {
  const o4 = j << 2;
  const u4 = units << 2;
  const z = activate(f32x4.add(ld(xwRow + o4, vec), ld(zRow + o4, vec)), rec);
  const r = activate(f32x4.add(ld(xwRow + u4 + o4, vec), ld(zRow + u4 + o4, vec)), rec);
  const rc = ld(zRow + 2 * u4 + o4, vec);
  const hh = activate(f32x4.add(ld(xwRow + 2 * u4 + o4, vec), flush(f32x4.mul(r, rc))), act);
  st(gRow + o4, z, vec);
  st(gRow + u4 + o4, r, vec);
  st(gRow + 2 * u4 + o4, hh, vec);
  st(rcRow + o4, rc, vec);
  // hPrevRow: the h_{t−1} the update uses (h ⊙ m with recurrent dropout) on a real step, h_{t−1} on a padded one
  st(hRow + o4, gruUpdate(z, ld(hPrevRow + o4, vec), hh, valid), vec);
}

/**
 * The GRU forward pass over all T steps (one thread's share), from the input x [B, T, D], the input kernel
 * w [D, 3U], the input bias b [3U] (or 0), the recurrent kernel u [U, 3U] and, with resetAfter, the recurrent bias
 * rb [3U] (or 0). xw: scratch [B, T, 3U]; z: scratch [B, 3U]. Writes y [B, T, U] and gates [B, T, 3U] by step,
 * aux [B, T, U] by time, and hT [B, U] when its pointer is set. With dropPtr (the recurrent dropout mask [B, U],
 * else 0), also hd0 [B, U] and hd [B, T, U] by step (h ⊙ mask). Returns 0, or 1 when a barrier failed.
 */
export function gruSequenceForward(
  xPtr: usize, wPtr: usize, bPtr: usize, rbPtr: usize, uPtr: usize, h0Ptr: usize, dropPtr: usize, hdPtr: usize,
  hd0Ptr: usize, maskPtr: usize, xwPtr: usize,
  yPtr: usize, gatesPtr: usize, auxPtr: usize, hTPtr: usize, zPtr: usize, barPtr: usize,
  batch: i32, time: i32, inputDim: i32, units: i32, goBackwards: i32, act: i32, rec: i32, resetAfter: i32,
  thread: i32, threads: i32,
): i32 {
  const B = <usize>batch;
  const T = <usize>time;
  const D = <usize>inputDim;
  const U = <usize>units;
  const G = 3 * U;
  const after = resetAfter != 0;
  const j0 = <usize>shareStart(units, thread, threads);
  const j1 = <usize>shareStart(units, thread + 1, threads);
  const vecEnd = j0 + ((j1 - j0) & ~(<usize>3));
  const own = j1 > j0;
  if (own) projectInputs(xPtr, wPtr, bPtr, xwPtr, B * T, D, U, 3, j0, j1);
  const dropped = dropPtr != 0;
  if (dropped) {
    // h0 ⊙ m, this thread's units; the barrier publishes them before the first products read every unit
    if (own) dropRows(h0Ptr, dropPtr, hd0Ptr, U, U, B, j0, j1 - j0, false);
    if (!barrier(barPtr, threads)) return 1;
  }
  for (let s: usize = 0; s < T; s++) {
    const t = goBackwards != 0 ? T - 1 - s : s;
    const hPrev = s == 0 ? h0Ptr : yPtr + (((s - 1) * U) << 2);
    const prevStride = s == 0 ? U : T * U;
    // what a real step uses of h_{t−1}: h, or h ⊙ m with recurrent dropout
    const op = !dropped ? hPrev : s == 0 ? hd0Ptr : hdPtr + (((s - 1) * U) << 2);
    const xwAt = xwPtr + ((t * G) << 2);
    if (after) {
      if (own) {
        for (let g: usize = 0; g < 3; g++) gemm(op, prevStride, B, U, uPtr, G, rbPtr, 0, zPtr, G, g * U + j0, g * U + j1);
        for (let b: usize = 0; b < B; b++) {
          const valid = !maskedOut(maskPtr, b * T + t);
          const hPrevRow = (valid ? op : hPrev) + ((b * prevStride) << 2);
          const xwRow = xwPtr + (((b * T + t) * G) << 2);
          const zRow = zPtr + ((b * G) << 2);
          const gRow = gatesPtr + (((b * T + s) * G) << 2);
          const rcRow = auxPtr + (((b * T + t) * U) << 2);
          const hRow = yPtr + (((b * T + s) * U) << 2);
          let j = j0;
          for (; j < vecEnd; j += 4) afterAt(xwRow, zRow, hPrevRow, gRow, rcRow, hRow, j, U, act, rec, valid, true);
          for (; j < j1; j++) afterAt(xwRow, zRow, hPrevRow, gRow, rcRow, hRow, j, U, act, rec, valid, false);
        }
        if (dropped) dropRows(yPtr + ((s * U) << 2), dropPtr, hdPtr + ((s * U) << 2), T * U, U, B, j0, j1 - j0, false);
      }
      if (!barrier(barPtr, threads)) return 1;
      continue;
    }
    if (own) {
      for (let g: usize = 0; g < 2; g++) gemm(op, prevStride, B, U, uPtr, G, xwAt, T * G, zPtr, G, g * U + j0, g * U + j1);
      for (let b: usize = 0; b < B; b++) {
        const hPrevRow = op + ((b * prevStride) << 2);
        const zRow = zPtr + ((b * G) << 2);
        const gRow = gatesPtr + (((b * T + s) * G) << 2);
        const rhRow = auxPtr + (((b * T + t) * U) << 2);
        let j = j0;
        for (; j < vecEnd; j += 4) gatesAt(zRow, hPrevRow, gRow, rhRow, j, U, rec, true);
        for (; j < j1; j++) gatesAt(zRow, hPrevRow, gRow, rhRow, j, U, rec, false);
      }
    }
    // the candidate's product reads every unit of r ⊙ h_{t−1}
    if (!barrier(barPtr, threads)) return 1;
    if (own) {
      gemm(auxPtr + ((t * U) << 2), T * U, B, U, uPtr, G, xwAt, T * G, zPtr, G, 2 * U + j0, 2 * U + j1);
      for (let b: usize = 0; b < B; b++) {
        const valid = !maskedOut(maskPtr, b * T + t);
        // the update's h_{t−1} on a real step (h ⊙ m with recurrent dropout), the carried h_{t−1} on a padded one
        const hPrevRow = (valid ? op : hPrev) + ((b * prevStride) << 2);
        const zRow = zPtr + ((b * G) << 2);
        const gRow = gatesPtr + (((b * T + s) * G) << 2);
        const hRow = yPtr + (((b * T + s) * U) << 2);
        let j = j0;
        for (; j < vecEnd; j += 4) stateAt(zRow, hPrevRow, gRow, hRow, j, U, act, valid, true);
        for (; j < j1; j++) stateAt(zRow, hPrevRow, gRow, hRow, j, U, act, valid, false);
      }
      if (dropped) dropRows(yPtr + ((s * U) << 2), dropPtr, hdPtr + ((s * U) << 2), T * U, U, B, j0, j1 - j0, false);
    }
    if (!barrier(barPtr, threads)) return 1;
  }
  if (own && hTPtr != 0) copyLast(yPtr, hTPtr, B, T, U, j0, j1);
  return 0;
}

// Backward, the part of a step that needs no product: from dh (the gradient reaching h_s: dhRow + dOut), the
// gradients of the update gate's and the candidate's pre-activations into dzRow (blocks z and h), and dh ⊙ z (the
// part of dh_{s−1} that bypasses the products) back into dhRow. With resetAfter (aux = h_{t−1}·U_h + b′_h) also the
// reset gate's (block r) and the recurrent side's candidate gradient dĥ ⊙ r into dzrRow's block h.
// Masked rows: zeros, and dh passes through whole.
// @ts-ignore: decorator
@inline function stateGradAt(
  gRow: usize, hPrevRow: usize, auxRow: usize, dOutRow: usize, dhRow: usize, dzRow: usize, dzrRow: usize,
  j: usize, units: usize, act: i32, rec: i32, after: bool, valid: bool, vec: bool,
): void {
  const o4 = j << 2;
  const u4 = units << 2;
  let dh = ld(dhRow + o4, vec);
  if (dOutRow != 0) dh = f32x4.add(dh, ld(dOutRow + o4, vec));
  const zero = f32x4.splat(0.0);
  if (!valid) {
    st(dzRow + o4, zero, vec);
    st(dzRow + 2 * u4 + o4, zero, vec);
    if (after) {
      st(dzRow + u4 + o4, zero, vec);
      st(dzrRow + 2 * u4 + o4, zero, vec);
    }
    st(dhRow + o4, dh, vec);
    return;
  }
  const z = ld(gRow + o4, vec);
  const hh = ld(gRow + 2 * u4 + o4, vec);
  const dzh = gruStateBackward(dh, z, hh, ld(hPrevRow + o4, vec), dzRow + 2 * u4 + o4, dzRow + o4, dhRow + o4, act, rec, vec);
  if (after) gruResetAfterBackward(dzh, ld(gRow + u4 + o4, vec), ld(auxRow + o4, vec), dzRow + u4 + o4, dzrRow + 2 * u4 + o4, rec, vec);
}

// resetAfter 0, the reset gate's part: from dRh = dĥ·U_hᵀ, its pre-activation gradient into dzRow's block r, and
// dRh ⊙ r added to the bypassing part in dhRow.
// @ts-ignore: decorator
@inline function resetGradAt(
  gRow: usize, hPrevRow: usize, dRhRow: usize, dhRow: usize, dzRow: usize, j: usize, units: usize, rec: i32, valid: bool, vec: bool,
): void {
  const o4 = j << 2;
  const u4 = units << 2;
  if (!valid) {
    st(dzRow + u4 + o4, f32x4.splat(0.0), vec);
    return;
  }
  const r = ld(gRow + u4 + o4, vec);
  const a = ld(dRhRow + o4, vec);
  st(dzRow + u4 + o4, flush(f32x4.mul(f32x4.mul(a, ld(hPrevRow + o4, vec)), derivative(r, rec))), vec);
  st(dhRow + o4, flush(f32x4.add(ld(dhRow + o4, vec), f32x4.mul(a, r))), vec);
}

/**
 * The GRU backward pass over all T steps (one thread's share), from the input x [B, T, D], the forward pass's y,
 * gates and aux, and the kernels transposed: wT [3U, D], uT [3U, U].
 *
 * dOut [B, T, U] by step (or 0); dh [B, U]: on entry the gradient reaching the final state, on return the one
 * reaching h0. dhRec [B, U], dRh [B, U] (resetAfter 0) scratch. dZ: scratch [B, T, 3U] for the pre-activation
 * gradients of the input side, by time; with resetAfter, dZr [B, T, 3U] scratch whose block h holds the recurrent
 * side's candidate gradient (blocks z, r are dZ's). Writes dx [B, T, D], dW [D, 3U], db [3U] (when set), dU [U, 3U]
 * and, with resetAfter, drb [3U] (the recurrent bias's, when set). With dropPtr (the forward pass's recurrent dropout
 * mask), hd0 and hd are the forward pass's h ⊙ mask. Returns 0, or 1 when a barrier failed.
 */
export function gruSequenceBackward(
  xPtr: usize, wTPtr: usize, gatesPtr: usize, auxPtr: usize, yPtr: usize, h0Ptr: usize, uTPtr: usize,
  dropPtr: usize, hdPtr: usize, hd0Ptr: usize, dOutPtr: usize, maskPtr: usize, dhPtr: usize, dhRecPtr: usize,
  dRhPtr: usize, dZPtr: usize, dZrPtr: usize, dxPtr: usize, dWPtr: usize, dbPtr: usize, dUPtr: usize, drbPtr: usize, barPtr: usize,
  batch: i32, time: i32, inputDim: i32, units: i32, goBackwards: i32, act: i32, rec: i32, resetAfter: i32,
  thread: i32, threads: i32,
): i32 {
  const B = <usize>batch;
  const T = <usize>time;
  const D = <usize>inputDim;
  const U = <usize>units;
  const G = 3 * U;
  const after = resetAfter != 0;
  const j0 = <usize>shareStart(units, thread, threads);
  const j1 = <usize>shareStart(units, thread + 1, threads);
  const vecEnd = j0 + ((j1 - j0) & ~(<usize>3));
  const own = j1 > j0;
  const uhT = uTPtr + ((2 * U * U) << 2); // U_hᵀ: rows 2U.. of uT
  const dropped = dropPtr != 0;
  // what the real steps used of h_{t−1}: h, or h ⊙ m with recurrent dropout
  const ops = dropped ? hdPtr : yPtr;
  const op0 = dropped ? hd0Ptr : h0Ptr;
  for (let step: isize = <isize>T - 1; step >= 0; step--) {
    const s = <usize>step;
    const t = goBackwards != 0 ? T - 1 - s : s;
    if (own) {
      // the gradient that went through the products at step s + 1 reached h_s ⊙ m
      if (s + 1 < T && dropped) dropRows(dhRecPtr, dropPtr, dhPtr, U, U, B, j0, j1 - j0, true);
      else if (s + 1 < T) addRows(dhPtr, dhRecPtr, B, U, j0, j1);
      for (let b: usize = 0; b < B; b++) {
        const sRow = (b * U) << 2;
        const valid = !maskedOut(maskPtr, b * T + t);
        const gRow = gatesPtr + (((b * T + s) * G) << 2);
        const hPrevRow = s == 0 ? op0 + sRow : ops + (((b * T + s - 1) * U) << 2);
        const auxRow = auxPtr + (((b * T + t) * U) << 2);
        const dOutRow: usize = dOutPtr == 0 ? 0 : dOutPtr + (((b * T + s) * U) << 2);
        const dzRow = dZPtr + (((b * T + t) * G) << 2);
        const dzrRow = after ? dZrPtr + (((b * T + t) * G) << 2) : 0;
        let j = j0;
        for (; j < vecEnd; j += 4) stateGradAt(gRow, hPrevRow, auxRow, dOutRow, dhPtr + sRow, dzRow, dzrRow, j, U, act, rec, after, valid, true);
        for (; j < j1; j++) stateGradAt(gRow, hPrevRow, auxRow, dOutRow, dhPtr + sRow, dzRow, dzrRow, j, U, act, rec, after, valid, false);
      }
    }
    if (!after) {
      // dRh = dĥ·U_hᵀ reads every unit of dĥ
      if (!barrier(barPtr, threads)) return 1;
      if (own) {
        gemm(dZPtr + ((t * G + 2 * U) << 2), T * G, B, U, uhT, U, 0, 0, dRhPtr, U, j0, j1);
        for (let b: usize = 0; b < B; b++) {
          const sRow = (b * U) << 2;
          const valid = !maskedOut(maskPtr, b * T + t);
          const gRow = gatesPtr + (((b * T + s) * G) << 2);
          const hPrevRow = s == 0 ? op0 + sRow : ops + (((b * T + s - 1) * U) << 2);
          const dzRow = dZPtr + (((b * T + t) * G) << 2);
          let j = j0;
          for (; j < vecEnd; j += 4) resetGradAt(gRow, hPrevRow, dRhPtr + sRow, dhPtr + sRow, dzRow, j, U, rec, valid, true);
          for (; j < j1; j++) resetGradAt(gRow, hPrevRow, dRhPtr + sRow, dhPtr + sRow, dzRow, j, U, rec, valid, false);
        }
      }
    }
    // what a real step passed back to h_{s−1} outside the products reached h_{s−1} ⊙ m
    if (own && dropped) dropValidRows(dhPtr, dropPtr, maskPtr, B, T, t, U, j0, j1 - j0);
    if (!barrier(barPtr, threads)) return 1;
    // dhRec[:, own units] = the recurrent side's dz_s · Uᵀ[:, own units]
    if (own) {
      gemm(dZPtr + ((t * G) << 2), T * G, B, 2 * U, uTPtr, U, 0, 0, dhRecPtr, U, j0, j1);
      if (after) gemm(dZrPtr + ((t * G + 2 * U) << 2), T * G, B, U, uhT, U, dhRecPtr, U, dhRecPtr, U, j0, j1);
    }
  }
  if (own) {
    if (dropped) dropRows(dhRecPtr, dropPtr, dhPtr, U, U, B, j0, j1 - j0, true);
    else addRows(dhPtr, dhRecPtr, B, U, j0, j1);
    // recurrent-kernel gradients by columns: blocks z, r against h_{s−1}; block h against r ⊙ h_{t−1} (resetAfter 0)
    // or against h_{s−1} with the recurrent side's gradient (resetAfter 1)
    for (let c: usize = 0; c < 2 * U; c += U) weightGrad(dUPtr, U, ops, U, op0, false, dZPtr, B, T, G, goBackwards, c + j0, c + j1);
    const c0 = 2 * U + j0;
    const c1 = 2 * U + j1;
    if (after) {
      weightGrad(dUPtr, U, ops, U, op0, false, dZrPtr, B, T, G, goBackwards, c0, c1);
      if (drbPtr != 0) {
        columnSums(dZPtr, B * T, G, drbPtr, j0, j1);
        columnSums(dZPtr, B * T, G, drbPtr, U + j0, U + j1);
        columnSums(dZrPtr, B * T, G, drbPtr, c0, c1);
      }
    } else {
      weightGrad(dUPtr, U, auxPtr, U, 0, true, dZPtr, B, T, G, goBackwards, c0, c1);
    }
  }
  inputGradients(xPtr, wTPtr, dZPtr, dxPtr, dWPtr, dbPtr, B, T, D, U, G, goBackwards, j0, j1, thread, threads);
  return 0;
}
