// Fused recurrent-cell kernels in AssemblyScript, compiled with SIMD (f32x4) to a WebAssembly module that IMPORTS
// the tfjs wasm backend's memory: every argument named `*Ptr` is a byte offset of a float32 tensor in that heap,
// 0 meaning "absent" for optional inputs. The module keeps no state and writes no static data (built with the
// stub runtime, no assertions and an empty abort), so it never touches heap bytes other than its outputs.
//
// Semantics are exactly those of the JavaScript kernels in src/kernels/recurrent/step/*-step.ts (tf.layers gate
// layouts, Keras's reset-after GRU, masking by copying the previous state, recurrent-dropout masks, flushing
// |v| < 1e-30 to 0); the tests run both.

import {
  activate, derivative, flush, gruResetAfterBackward, gruStateBackward, gruUpdate, ld, ldOpt, lstmCellBackward, lstmCellForward, maskedOut,
  simpleCellBackward, st,
} from "./cell-math";

// h ⊙ m for a row of `units` values (recurrent dropout: the operand of the next step's product), flushed.
function dropRow(hRow: usize, mRow: usize, outRow: usize, units: usize): void {
  const vecEnd = units & ~(<usize>3);
  let j: usize = 0;
  for (; j < vecEnd; j += 4) st(outRow + (j << 2), flush(f32x4.mul(ld(hRow + (j << 2), true), ld(mRow + (j << 2), true))), true);
  for (; j < units; j++) st(outRow + (j << 2), flush(f32x4.mul(ld(hRow + (j << 2), false), ld(mRow + (j << 2), false))), false);
}

// dhRec ⊙ m (or dhRec alone without recurrent dropout; 0 when dhRec is absent).
// @ts-ignore: decorator
@inline function recurrentGrad(dhRecRow: usize, mRow: usize, o4: usize, vec: bool): v128 {
  const d = ldOpt(dhRecRow, o4, vec);
  return mRow == 0 ? d : f32x4.mul(d, ld(mRow + o4, vec));
}

// @ts-ignore: decorator
@inline function lstmForwardAt(
  xwRow: usize, huRow: usize, hPrevRow: usize, cPrevRow: usize, hRow: usize, cRow: usize, gRow: usize,
  j: usize, units: usize, act: i32, rec: i32, vec: bool,
): void {
  const o4 = j << 2;
  const u4 = units << 2;
  lstmCellForward(
    f32x4.add(ld(xwRow + o4, vec), ld(huRow + o4, vec)),
    f32x4.add(ld(xwRow + u4 + o4, vec), ld(huRow + u4 + o4, vec)),
    f32x4.add(ld(xwRow + 2 * u4 + o4, vec), ld(huRow + 2 * u4 + o4, vec)),
    f32x4.add(ld(xwRow + 3 * u4 + o4, vec), ld(huRow + 3 * u4 + o4, vec)),
    ld(cPrevRow + o4, vec), gRow, cRow, hRow, o4, u4, act, rec, vec,
  );
}

/**
 * One LSTM step (see lstmStepSpec): xw `[batch, time, 4·units]`, hu `[batch, 4·units]`, hPrev/cPrev `[batch, units]`,
 * optional mask `[batch, time]` and recurrent-dropout mask `[batch, units]`; writes h, c `[batch, units]`, gates
 * `[batch, 4·units]` and, with the recurrent mask, hDropped = h ⊙ mask `[batch, units]`.
 */
export function lstmForward(
  xwPtr: usize, huPtr: usize, hPrevPtr: usize, cPrevPtr: usize, maskPtr: usize, recMaskPtr: usize,
  hPtr: usize, cPtr: usize, gatesPtr: usize, hDroppedPtr: usize,
  batch: i32, time: i32, units: i32, t: i32, act: i32, rec: i32,
): void {
  const U = <usize>units;
  const G = U << 2;
  const vecEnd = U & ~(<usize>3);
  for (let b: usize = 0; b < <usize>batch; b++) {
    const sRow = (b * U) << 2;
    const gRow = gatesPtr + ((b * G) << 2);
    if (maskedOut(maskPtr, b * <usize>time + <usize>t)) {
      memory.copy(hPtr + sRow, hPrevPtr + sRow, U << 2);
      memory.copy(cPtr + sRow, cPrevPtr + sRow, U << 2);
      memory.fill(gRow, 0, G << 2);
    } else {
      const xwRow = xwPtr + (((b * <usize>time + <usize>t) * G) << 2);
      const huRow = huPtr + ((b * G) << 2);
      let j: usize = 0;
      for (; j < vecEnd; j += 4) {
        lstmForwardAt(xwRow, huRow, hPrevPtr + sRow, cPrevPtr + sRow, hPtr + sRow, cPtr + sRow, gRow, j, U, act, rec, true);
      }
      for (; j < U; j++) {
        lstmForwardAt(xwRow, huRow, hPrevPtr + sRow, cPrevPtr + sRow, hPtr + sRow, cPtr + sRow, gRow, j, U, act, rec, false);
      }
    }
    if (recMaskPtr != 0) dropRow(hPtr + sRow, recMaskPtr + sRow, hDroppedPtr + sRow, U);
  }
}

// @ts-ignore: decorator
@inline function lstmBackwardAt(
  gRow: usize, cRow: usize, cPrevRow: usize, dhRecRow: usize, recMaskRow: usize, dhCarryRow: usize, dOutRow: usize,
  dcNextRow: usize, dzRow: usize, dcPrevRow: usize, dhCarryPrevRow: usize,
  j: usize, units: usize, act: i32, rec: i32, valid: bool, vec: bool,
): void {
  const o4 = j << 2;
  const u4 = units << 2;
  const dh = f32x4.add(f32x4.add(recurrentGrad(dhRecRow, recMaskRow, o4, vec), ldOpt(dhCarryRow, o4, vec)), ldOpt(dOutRow, o4, vec));
  const dcIn = ldOpt(dcNextRow, o4, vec);
  const zero = f32x4.splat(0.0);
  if (!valid) {
    st(dzRow + o4, zero, vec);
    st(dzRow + u4 + o4, zero, vec);
    st(dzRow + 2 * u4 + o4, zero, vec);
    st(dzRow + 3 * u4 + o4, zero, vec);
    st(dcPrevRow + o4, dcIn, vec);
    st(dhCarryPrevRow + o4, dh, vec);
    return;
  }
  lstmCellBackward(dh, dcIn, gRow, cRow, cPrevRow, dzRow, dcPrevRow, o4, u4, act, rec, vec);
  st(dhCarryPrevRow + o4, zero, vec);
}

/**
 * Backward of one LSTM step (see lstmStepGradSpec). Optional inputs (pointer 0): dhRec, dhCarry, dcNext
 * `[batch, units]`, dOut `[batch, outTime, units]` read at s, mask `[batch, maskTime]` read at t, recurrent-dropout
 * mask `[batch, units]` (multiplies dhRec).
 */
export function lstmBackward(
  gatesPtr: usize, cPtr: usize, cPrevPtr: usize, dhRecPtr: usize, dhCarryPtr: usize, dOutPtr: usize,
  dcNextPtr: usize, maskPtr: usize, recMaskPtr: usize, dzPtr: usize, dcPrevPtr: usize, dhCarryPrevPtr: usize,
  batch: i32, units: i32, outTime: i32, maskTime: i32, t: i32, s: i32, act: i32, rec: i32,
): void {
  const U = <usize>units;
  const G = U << 2;
  const vecEnd = U & ~(<usize>3);
  for (let b: usize = 0; b < <usize>batch; b++) {
    const sRow = (b * U) << 2;
    const gRow = (b * G) << 2;
    const valid = !maskedOut(maskPtr, b * <usize>maskTime + <usize>t);
    const dOutRow: usize = dOutPtr == 0 ? 0 : dOutPtr + (((b * <usize>outTime + <usize>s) * U) << 2);
    const dhRecRow: usize = dhRecPtr == 0 ? 0 : dhRecPtr + sRow;
    const recMaskRow: usize = recMaskPtr == 0 ? 0 : recMaskPtr + sRow;
    const dhCarryRow: usize = dhCarryPtr == 0 ? 0 : dhCarryPtr + sRow;
    const dcNextRow: usize = dcNextPtr == 0 ? 0 : dcNextPtr + sRow;
    let j: usize = 0;
    for (; j < vecEnd; j += 4) {
      lstmBackwardAt(gatesPtr + gRow, cPtr + sRow, cPrevPtr + sRow, dhRecRow, recMaskRow, dhCarryRow, dOutRow, dcNextRow,
        dzPtr + gRow, dcPrevPtr + sRow, dhCarryPrevPtr + sRow, j, U, act, rec, valid, true);
    }
    for (; j < U; j++) {
      lstmBackwardAt(gatesPtr + gRow, cPtr + sRow, cPrevPtr + sRow, dhRecRow, recMaskRow, dhCarryRow, dOutRow, dcNextRow,
        dzPtr + gRow, dcPrevPtr + sRow, dhCarryPrevPtr + sRow, j, U, act, rec, valid, false);
    }
  }
}

// ---- GRU (gates z, r, h; resetAfter 0 = tf.layers, 1 = Keras's default) ----

// @ts-ignore: decorator
@inline function gruGatesAt(xwRow: usize, huRow: usize, hPrevRow: usize, zrRow: usize, rhRow: usize, j: usize, units: usize, rec: i32, vec: bool): void {
  const o4 = j << 2;
  const u4 = units << 2;
  const z = activate(f32x4.add(ld(xwRow + o4, vec), ld(huRow + o4, vec)), rec);
  const r = activate(f32x4.add(ld(xwRow + u4 + o4, vec), ld(huRow + u4 + o4, vec)), rec);
  st(zrRow + o4, z, vec);
  st(zrRow + u4 + o4, r, vec);
  st(rhRow + o4, flush(f32x4.mul(r, ld(hPrevRow + o4, vec))), vec);
}

// resetAfter: hu has all three blocks; rb (0 = none) the recurrent bias [3·units]; writes r ⊙ (hu_h + rb_h).
// @ts-ignore: decorator
@inline function gruGatesAfterAt(xwRow: usize, huRow: usize, rb: usize, zrRow: usize, rhuRow: usize, j: usize, units: usize, rec: i32, vec: bool): void {
  const o4 = j << 2;
  const u4 = units << 2;
  const z = activate(f32x4.add(f32x4.add(ld(xwRow + o4, vec), ld(huRow + o4, vec)), ldOpt(rb, o4, vec)), rec);
  const r = activate(f32x4.add(f32x4.add(ld(xwRow + u4 + o4, vec), ld(huRow + u4 + o4, vec)), ldOpt(rb, u4 + o4, vec)), rec);
  st(zrRow + o4, z, vec);
  st(zrRow + u4 + o4, r, vec);
  const rc = f32x4.add(ld(huRow + 2 * u4 + o4, vec), ldOpt(rb, 2 * u4 + o4, vec));
  st(rhuRow + o4, flush(f32x4.mul(r, rc)), vec);
}

/** GRU gates (see gruGatesSpec): zr `[batch, 2·units]`, and rh `[batch, units]` (resetAfter 0) or rhu (resetAfter 1). */
export function gruGates(
  xwPtr: usize, huPtr: usize, hPrevPtr: usize, recBiasPtr: usize, zrPtr: usize, secondPtr: usize,
  batch: i32, time: i32, units: i32, t: i32, rec: i32, resetAfter: i32,
): void {
  const U = <usize>units;
  const vecEnd = U & ~(<usize>3);
  const huWidth: usize = resetAfter != 0 ? 3 * U : 2 * U;
  for (let b: usize = 0; b < <usize>batch; b++) {
    const xwRow = xwPtr + (((b * <usize>time + <usize>t) * 3 * U) << 2);
    const huRow = huPtr + ((b * huWidth) << 2);
    const zrRow = zrPtr + ((b * 2 * U) << 2);
    const sRow = (b * U) << 2;
    let j: usize = 0;
    if (resetAfter != 0) {
      for (; j < vecEnd; j += 4) gruGatesAfterAt(xwRow, huRow, recBiasPtr, zrRow, secondPtr + sRow, j, U, rec, true);
      for (; j < U; j++) gruGatesAfterAt(xwRow, huRow, recBiasPtr, zrRow, secondPtr + sRow, j, U, rec, false);
    } else {
      for (; j < vecEnd; j += 4) gruGatesAt(xwRow, huRow, hPrevPtr + sRow, zrRow, secondPtr + sRow, j, U, rec, true);
      for (; j < U; j++) gruGatesAt(xwRow, huRow, hPrevPtr + sRow, zrRow, secondPtr + sRow, j, U, rec, false);
    }
  }
}

// @ts-ignore: decorator
@inline function gruStateAt(
  xwRow: usize, zrRow: usize, rhuRow: usize, hPrevRow: usize, recMaskRow: usize, hRow: usize, hhRow: usize,
  j: usize, act: i32, valid: bool, vec: bool,
): void {
  const o4 = j << 2;
  const hh = activate(f32x4.add(ld(xwRow + o4, vec), ld(rhuRow + o4, vec)), act);
  st(hhRow + o4, hh, vec);
  let hPrev = ld(hPrevRow + o4, vec);
  if (!valid) {
    st(hRow + o4, hPrev, vec);
    return;
  }
  if (recMaskRow != 0) hPrev = f32x4.mul(hPrev, ld(recMaskRow + o4, vec));
  st(hRow + o4, gruUpdate(ld(zrRow + o4, vec), hPrev, hh, true), vec);
}

/** GRU candidate and new state (see gruStateSpec): h, hh `[batch, units]`, and hDropped with the recurrent mask. */
export function gruState(
  xwPtr: usize, zrPtr: usize, rhuPtr: usize, hPrevPtr: usize, maskPtr: usize, recMaskPtr: usize,
  hPtr: usize, hhPtr: usize, hDroppedPtr: usize,
  batch: i32, time: i32, units: i32, t: i32, act: i32,
): void {
  const U = <usize>units;
  const vecEnd = U & ~(<usize>3);
  for (let b: usize = 0; b < <usize>batch; b++) {
    const xwRow = xwPtr + (((b * <usize>time + <usize>t) * 3 * U + 2 * U) << 2);
    const zrRow = zrPtr + ((b * 2 * U) << 2);
    const sRow = (b * U) << 2;
    const recMaskRow: usize = recMaskPtr == 0 ? 0 : recMaskPtr + sRow;
    const valid = !maskedOut(maskPtr, b * <usize>time + <usize>t);
    let j: usize = 0;
    for (; j < vecEnd; j += 4) gruStateAt(xwRow, zrRow, rhuPtr + sRow, hPrevPtr + sRow, recMaskRow, hPtr + sRow, hhPtr + sRow, j, act, valid, true);
    for (; j < U; j++) gruStateAt(xwRow, zrRow, rhuPtr + sRow, hPrevPtr + sRow, recMaskRow, hPtr + sRow, hhPtr + sRow, j, act, valid, false);
    if (recMaskPtr != 0) dropRow(hPtr + sRow, recMaskRow, hDroppedPtr + sRow, U);
  }
}

// @ts-ignore: decorator
@inline function gruStateGradAt(
  zrRow: usize, hhRow: usize, hPrevRow: usize, dhRecRow: usize, recMaskRow: usize, dhCarryRow: usize, dOutRow: usize,
  dzhRow: usize, dzzRow: usize, dhPartialRow: usize, j: usize, act: i32, rec: i32, valid: bool, vec: bool,
): void {
  const o4 = j << 2;
  const dh = f32x4.add(f32x4.add(recurrentGrad(dhRecRow, recMaskRow, o4, vec), ldOpt(dhCarryRow, o4, vec)), ldOpt(dOutRow, o4, vec));
  if (!valid) {
    st(dzhRow + o4, f32x4.splat(0.0), vec);
    st(dzzRow + o4, f32x4.splat(0.0), vec);
    st(dhPartialRow + o4, dh, vec);
    return;
  }
  gruStateBackward(dh, ld(zrRow + o4, vec), ld(hhRow + o4, vec), ld(hPrevRow + o4, vec), dzhRow + o4, dzzRow + o4, dhPartialRow + o4, act, rec, vec);
}

/** GRU backward, first part (see gruStateGradSpec). */
export function gruStateGrad(
  zrPtr: usize, hhPtr: usize, hPrevPtr: usize, dhRecPtr: usize, dhCarryPtr: usize, dOutPtr: usize, maskPtr: usize,
  recMaskPtr: usize, dzhPtr: usize, dzzPtr: usize, dhPartialPtr: usize,
  batch: i32, units: i32, outTime: i32, maskTime: i32, t: i32, s: i32, act: i32, rec: i32,
): void {
  const U = <usize>units;
  const vecEnd = U & ~(<usize>3);
  for (let b: usize = 0; b < <usize>batch; b++) {
    const sRow = (b * U) << 2;
    const zrRow = zrPtr + ((b * 2 * U) << 2);
    const valid = !maskedOut(maskPtr, b * <usize>maskTime + <usize>t);
    const dOutRow: usize = dOutPtr == 0 ? 0 : dOutPtr + (((b * <usize>outTime + <usize>s) * U) << 2);
    const dhRecRow: usize = dhRecPtr == 0 ? 0 : dhRecPtr + sRow;
    const recMaskRow: usize = recMaskPtr == 0 ? 0 : recMaskPtr + sRow;
    const dhCarryRow: usize = dhCarryPtr == 0 ? 0 : dhCarryPtr + sRow;
    let j: usize = 0;
    for (; j < vecEnd; j += 4) {
      gruStateGradAt(zrRow, hhPtr + sRow, hPrevPtr + sRow, dhRecRow, recMaskRow, dhCarryRow, dOutRow, dzhPtr + sRow, dzzPtr + sRow, dhPartialPtr + sRow, j, act, rec, valid, true);
    }
    for (; j < U; j++) {
      gruStateGradAt(zrRow, hhPtr + sRow, hPrevPtr + sRow, dhRecRow, recMaskRow, dhCarryRow, dOutRow, dzhPtr + sRow, dzzPtr + sRow, dhPartialPtr + sRow, j, act, rec, valid, false);
    }
  }
}

// resetAfter 0: a = dRh, bRow = hPrev; dzr has 2 blocks, dhCarryPrev = (dhPartial + dRh ⊙ r) ⊙ m.
// resetAfter 1: a = dzh, bRow = hu (3 blocks), rb = recurrent bias; dzr has 3 blocks (z, r, dzh ⊙ r),
// dhCarryPrev = dhPartial ⊙ m.
// @ts-ignore: decorator
@inline function gruGatesGradAt(
  aRow: usize, zrRow: usize, bRow: usize, rb: usize, dzzRow: usize, dhPartialRow: usize, recMaskRow: usize,
  dzrRow: usize, dhCarryPrevRow: usize, j: usize, units: usize, rec: i32, after: bool, valid: bool, vec: bool,
): void {
  const o4 = j << 2;
  const u4 = units << 2;
  const zero = f32x4.splat(0.0);
  if (!valid) {
    st(dzrRow + o4, zero, vec);
    st(dzrRow + u4 + o4, zero, vec);
    if (after) st(dzrRow + 2 * u4 + o4, zero, vec);
    st(dhCarryPrevRow + o4, ld(dhPartialRow + o4, vec), vec);
    return;
  }
  const r = ld(zrRow + u4 + o4, vec);
  const a = ld(aRow + o4, vec);
  st(dzrRow + o4, ld(dzzRow + o4, vec), vec);
  let carry: v128;
  if (after) {
    const rc = f32x4.add(ld(bRow + 2 * u4 + o4, vec), ldOpt(rb, 2 * u4 + o4, vec));
    gruResetAfterBackward(a, r, rc, dzrRow + u4 + o4, dzrRow + 2 * u4 + o4, rec, vec);
    carry = ld(dhPartialRow + o4, vec);
  } else {
    st(dzrRow + u4 + o4, flush(f32x4.mul(f32x4.mul(a, ld(bRow + o4, vec)), derivative(r, rec))), vec);
    carry = f32x4.add(ld(dhPartialRow + o4, vec), f32x4.mul(a, r));
  }
  if (recMaskRow != 0) carry = f32x4.mul(carry, ld(recMaskRow + o4, vec));
  st(dhCarryPrevRow + o4, flush(carry), vec);
}

/** GRU backward, second part (see gruGatesGradSpec). */
export function gruGatesGrad(
  aPtr: usize, zrPtr: usize, bPtr: usize, recBiasPtr: usize, dzzPtr: usize, dhPartialPtr: usize, maskPtr: usize,
  recMaskPtr: usize, dzrPtr: usize, dhCarryPrevPtr: usize,
  batch: i32, units: i32, maskTime: i32, t: i32, rec: i32, resetAfter: i32,
): void {
  const U = <usize>units;
  const vecEnd = U & ~(<usize>3);
  const after = resetAfter != 0;
  const dzrWidth: usize = after ? 3 * U : 2 * U;
  const bWidth: usize = after ? 3 * U : U;
  for (let b: usize = 0; b < <usize>batch; b++) {
    const sRow = (b * U) << 2;
    const zRow = (b * 2 * U) << 2;
    const dzrRow = dzrPtr + ((b * dzrWidth) << 2);
    const bRow = bPtr + ((b * bWidth) << 2);
    const recMaskRow: usize = recMaskPtr == 0 ? 0 : recMaskPtr + sRow;
    const valid = !maskedOut(maskPtr, b * <usize>maskTime + <usize>t);
    let j: usize = 0;
    for (; j < vecEnd; j += 4) {
      gruGatesGradAt(aPtr + sRow, zrPtr + zRow, bRow, recBiasPtr, dzzPtr + sRow, dhPartialPtr + sRow, recMaskRow, dzrRow, dhCarryPrevPtr + sRow, j, U, rec, after, valid, true);
    }
    for (; j < U; j++) {
      gruGatesGradAt(aPtr + sRow, zrPtr + zRow, bRow, recBiasPtr, dzzPtr + sRow, dhPartialPtr + sRow, recMaskRow, dzrRow, dhCarryPrevPtr + sRow, j, U, rec, after, valid, false);
    }
  }
}

// ---- SimpleRNN ----

// @ts-ignore: decorator
@inline function simpleForwardAt(xwRow: usize, huRow: usize, hRow: usize, j: usize, act: i32, vec: bool): void {
  const o4 = j << 2;
  st(hRow + o4, flush(activate(f32x4.add(ld(xwRow + o4, vec), ld(huRow + o4, vec)), act)), vec);
}

/** One SimpleRNN step (see simpleRnnStepSpec): h `[batch, units]`, and hDropped with the recurrent mask. */
export function simpleForward(
  xwPtr: usize, huPtr: usize, hPrevPtr: usize, maskPtr: usize, recMaskPtr: usize, hPtr: usize, hDroppedPtr: usize,
  batch: i32, time: i32, units: i32, t: i32, act: i32,
): void {
  const U = <usize>units;
  const vecEnd = U & ~(<usize>3);
  for (let b: usize = 0; b < <usize>batch; b++) {
    const sRow = (b * U) << 2;
    if (maskedOut(maskPtr, b * <usize>time + <usize>t)) {
      memory.copy(hPtr + sRow, hPrevPtr + sRow, U << 2);
    } else {
      const xwRow = xwPtr + (((b * <usize>time + <usize>t) * U) << 2);
      let j: usize = 0;
      for (; j < vecEnd; j += 4) simpleForwardAt(xwRow, huPtr + sRow, hPtr + sRow, j, act, true);
      for (; j < U; j++) simpleForwardAt(xwRow, huPtr + sRow, hPtr + sRow, j, act, false);
    }
    if (recMaskPtr != 0) dropRow(hPtr + sRow, recMaskPtr + sRow, hDroppedPtr + sRow, U);
  }
}

// @ts-ignore: decorator
@inline function simpleBackwardAt(
  hRow: usize, dhRecRow: usize, recMaskRow: usize, dhCarryRow: usize, dOutRow: usize, dzRow: usize, dhCarryPrevRow: usize,
  j: usize, act: i32, valid: bool, vec: bool,
): void {
  const o4 = j << 2;
  const dh = f32x4.add(f32x4.add(recurrentGrad(dhRecRow, recMaskRow, o4, vec), ldOpt(dhCarryRow, o4, vec)), ldOpt(dOutRow, o4, vec));
  simpleCellBackward(dh, ld(hRow + o4, vec), dzRow + o4, dhCarryPrevRow + o4, act, valid, vec);
}

/** Backward of one SimpleRNN step (see simpleRnnStepGradSpec). */
export function simpleBackward(
  hPtr: usize, dhRecPtr: usize, dhCarryPtr: usize, dOutPtr: usize, maskPtr: usize, recMaskPtr: usize, dzPtr: usize,
  dhCarryPrevPtr: usize, batch: i32, units: i32, outTime: i32, maskTime: i32, t: i32, s: i32, act: i32,
): void {
  const U = <usize>units;
  const vecEnd = U & ~(<usize>3);
  for (let b: usize = 0; b < <usize>batch; b++) {
    const sRow = (b * U) << 2;
    const valid = !maskedOut(maskPtr, b * <usize>maskTime + <usize>t);
    const dOutRow: usize = dOutPtr == 0 ? 0 : dOutPtr + (((b * <usize>outTime + <usize>s) * U) << 2);
    const dhRecRow: usize = dhRecPtr == 0 ? 0 : dhRecPtr + sRow;
    const recMaskRow: usize = recMaskPtr == 0 ? 0 : recMaskPtr + sRow;
    const dhCarryRow: usize = dhCarryPtr == 0 ? 0 : dhCarryPtr + sRow;
    let j: usize = 0;
    for (; j < vecEnd; j += 4) simpleBackwardAt(hPtr + sRow, dhRecRow, recMaskRow, dhCarryRow, dOutRow, dzPtr + sRow, dhCarryPrevPtr + sRow, j, act, valid, true);
    for (; j < U; j++) simpleBackwardAt(hPtr + sRow, dhRecRow, recMaskRow, dhCarryRow, dOutRow, dzPtr + sRow, dhCarryPrevPtr + sRow, j, act, valid, false);
  }
}

// ---- Adam ----

/**
 * One Adam update of n values (see adamUpdateSpec), in tf.train.adam's order of operations:
 * m' = m·β1 + g·(1 − β1), v' = v·β2 + g²·(1 − β2), x' = (m'/c1) / (√(v'/c2) + ε) · (−lr) + x, where c1, c2 are
 * 1 − β1ᵗ and 1 − β2ᵗ.
 */
export function adamUpdate(
  xPtr: usize, gPtr: usize, mPtr: usize, vPtr: usize, xOutPtr: usize, mOutPtr: usize, vOutPtr: usize, n: i32,
  lr: f32, beta1: f32, beta2: f32, epsilon: f32, c1: f32, c2: f32,
): void {
  const N = <usize>n;
  const vecEnd = N & ~(<usize>3);
  const b1 = f32x4.splat(beta1);
  const b2 = f32x4.splat(beta2);
  const ob1 = f32x4.splat(1 - beta1);
  const ob2 = f32x4.splat(1 - beta2);
  const vc1 = f32x4.splat(c1);
  const vc2 = f32x4.splat(c2);
  const eps = f32x4.splat(epsilon);
  const step = f32x4.splat(-lr);
  let i: usize = 0;
  for (; i < vecEnd; i += 4) {
    const o = i << 2;
    const g = v128.load(gPtr + o);
    const m = f32x4.add(f32x4.mul(v128.load(mPtr + o), b1), f32x4.mul(g, ob1));
    const v = f32x4.add(f32x4.mul(v128.load(vPtr + o), b2), f32x4.mul(f32x4.mul(g, g), ob2));
    v128.store(mOutPtr + o, m);
    v128.store(vOutPtr + o, v);
    const update = f32x4.div(f32x4.div(m, vc1), f32x4.add(f32x4.sqrt(f32x4.div(v, vc2)), eps));
    v128.store(xOutPtr + o, f32x4.add(f32x4.mul(update, step), v128.load(xPtr + o)));
  }
  for (; i < N; i++) {
    const o = i << 2;
    const g = load<f32>(gPtr + o);
    const m = load<f32>(mPtr + o) * beta1 + g * (1 - beta1);
    const v = load<f32>(vPtr + o) * beta2 + g * g * (1 - beta2);
    store<f32>(mOutPtr + o, m);
    store<f32>(vOutPtr + o, v);
    store<f32>(xOutPtr + o, (m / c1 / (Mathf.sqrt(v / c2) + epsilon)) * -lr + load<f32>(xPtr + o));
  }
}
