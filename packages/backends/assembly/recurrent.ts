// Fused recurrent-cell kernels in AssemblyScript, compiled with SIMD (f32x4) to a WebAssembly module that IMPORTS
// the tfjs wasm backend's memory: every argument named `*Ptr` is a byte offset of a float32 tensor in that heap,
// 0 meaning "absent" for optional inputs. The module keeps no state and writes no static data (built with the
// stub runtime, no assertions and an empty abort), so it never touches heap bytes other than its outputs.
//
// Semantics are exactly those of the JavaScript kernels in src/kernels/recurrent/step/*-step.ts (tf.layers gate
// layouts, masking by copying the previous state, flushing |v| < 1e-30 to 0); the tests run both.

import { activate, derivative, flush, ld, ldOpt, lstmCellBackward, lstmCellForward, maskedOut, st } from "./cell-math";

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
 * optional mask `[batch, time]`; writes h, c `[batch, units]` and gates `[batch, 4·units]`.
 */
export function lstmForward(
  xwPtr: usize, huPtr: usize, hPrevPtr: usize, cPrevPtr: usize, maskPtr: usize,
  hPtr: usize, cPtr: usize, gatesPtr: usize,
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
      continue;
    }
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
}

// @ts-ignore: decorator
@inline function lstmBackwardAt(
  gRow: usize, cRow: usize, cPrevRow: usize, dhRecRow: usize, dhCarryRow: usize, dOutRow: usize, dcNextRow: usize,
  dzRow: usize, dcPrevRow: usize, dhCarryPrevRow: usize,
  j: usize, units: usize, act: i32, rec: i32, valid: bool, vec: bool,
): void {
  const o4 = j << 2;
  const u4 = units << 2;
  const dh = f32x4.add(f32x4.add(ldOpt(dhRecRow, o4, vec), ldOpt(dhCarryRow, o4, vec)), ldOpt(dOutRow, o4, vec));
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
 * `[batch, units]`, dOut `[batch, outTime, units]` read at s, mask `[batch, maskTime]` read at t.
 */
export function lstmBackward(
  gatesPtr: usize, cPtr: usize, cPrevPtr: usize, dhRecPtr: usize, dhCarryPtr: usize, dOutPtr: usize,
  dcNextPtr: usize, maskPtr: usize, dzPtr: usize, dcPrevPtr: usize, dhCarryPrevPtr: usize,
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
    const dhCarryRow: usize = dhCarryPtr == 0 ? 0 : dhCarryPtr + sRow;
    const dcNextRow: usize = dcNextPtr == 0 ? 0 : dcNextPtr + sRow;
    let j: usize = 0;
    for (; j < vecEnd; j += 4) {
      lstmBackwardAt(gatesPtr + gRow, cPtr + sRow, cPrevPtr + sRow, dhRecRow, dhCarryRow, dOutRow, dcNextRow,
        dzPtr + gRow, dcPrevPtr + sRow, dhCarryPrevPtr + sRow, j, U, act, rec, valid, true);
    }
    for (; j < U; j++) {
      lstmBackwardAt(gatesPtr + gRow, cPtr + sRow, cPrevPtr + sRow, dhRecRow, dhCarryRow, dOutRow, dcNextRow,
        dzPtr + gRow, dcPrevPtr + sRow, dhCarryPrevPtr + sRow, j, U, act, rec, valid, false);
    }
  }
}

// ---- GRU (tf.layers, resetAfter false, gates z, r, h) ----

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

/** GRU gates (see gruGatesSpec): zr `[batch, 2·units]`, rh `[batch, units]`. */
export function gruGates(
  xwPtr: usize, huPtr: usize, hPrevPtr: usize, zrPtr: usize, rhPtr: usize,
  batch: i32, time: i32, units: i32, t: i32, rec: i32,
): void {
  const U = <usize>units;
  const vecEnd = U & ~(<usize>3);
  for (let b: usize = 0; b < <usize>batch; b++) {
    const xwRow = xwPtr + (((b * <usize>time + <usize>t) * 3 * U) << 2);
    const huRow = huPtr + ((b * 2 * U) << 2);
    const zrRow = zrPtr + ((b * 2 * U) << 2);
    const sRow = (b * U) << 2;
    let j: usize = 0;
    for (; j < vecEnd; j += 4) gruGatesAt(xwRow, huRow, hPrevPtr + sRow, zrRow, rhPtr + sRow, j, U, rec, true);
    for (; j < U; j++) gruGatesAt(xwRow, huRow, hPrevPtr + sRow, zrRow, rhPtr + sRow, j, U, rec, false);
  }
}

// @ts-ignore: decorator
@inline function gruStateAt(xwRow: usize, zrRow: usize, rhuRow: usize, hPrevRow: usize, hRow: usize, hhRow: usize, j: usize, act: i32, valid: bool, vec: bool): void {
  const o4 = j << 2;
  const hh = activate(f32x4.add(ld(xwRow + o4, vec), ld(rhuRow + o4, vec)), act);
  st(hhRow + o4, hh, vec);
  const hPrev = ld(hPrevRow + o4, vec);
  if (!valid) {
    st(hRow + o4, hPrev, vec);
    return;
  }
  const z = ld(zrRow + o4, vec);
  st(hRow + o4, flush(f32x4.add(f32x4.mul(z, hPrev), f32x4.mul(f32x4.sub(f32x4.splat(1.0), z), hh))), vec);
}

/** GRU candidate and new state (see gruStateSpec): h, hh `[batch, units]`. */
export function gruState(
  xwPtr: usize, zrPtr: usize, rhuPtr: usize, hPrevPtr: usize, maskPtr: usize, hPtr: usize, hhPtr: usize,
  batch: i32, time: i32, units: i32, t: i32, act: i32,
): void {
  const U = <usize>units;
  const vecEnd = U & ~(<usize>3);
  for (let b: usize = 0; b < <usize>batch; b++) {
    const xwRow = xwPtr + (((b * <usize>time + <usize>t) * 3 * U + 2 * U) << 2);
    const zrRow = zrPtr + ((b * 2 * U) << 2);
    const sRow = (b * U) << 2;
    const valid = !maskedOut(maskPtr, b * <usize>time + <usize>t);
    let j: usize = 0;
    for (; j < vecEnd; j += 4) gruStateAt(xwRow, zrRow, rhuPtr + sRow, hPrevPtr + sRow, hPtr + sRow, hhPtr + sRow, j, act, valid, true);
    for (; j < U; j++) gruStateAt(xwRow, zrRow, rhuPtr + sRow, hPrevPtr + sRow, hPtr + sRow, hhPtr + sRow, j, act, valid, false);
  }
}

// @ts-ignore: decorator
@inline function gruStateGradAt(
  zrRow: usize, hhRow: usize, hPrevRow: usize, dhRecRow: usize, dhCarryRow: usize, dOutRow: usize,
  dzhRow: usize, dzzRow: usize, dhPartialRow: usize, j: usize, act: i32, rec: i32, valid: bool, vec: bool,
): void {
  const o4 = j << 2;
  const dh = f32x4.add(f32x4.add(ldOpt(dhRecRow, o4, vec), ldOpt(dhCarryRow, o4, vec)), ldOpt(dOutRow, o4, vec));
  if (!valid) {
    st(dzhRow + o4, f32x4.splat(0.0), vec);
    st(dzzRow + o4, f32x4.splat(0.0), vec);
    st(dhPartialRow + o4, dh, vec);
    return;
  }
  const z = ld(zrRow + o4, vec);
  const hh = ld(hhRow + o4, vec);
  const one = f32x4.splat(1.0);
  st(dzhRow + o4, flush(f32x4.mul(f32x4.mul(dh, f32x4.sub(one, z)), derivative(hh, act))), vec);
  st(dzzRow + o4, flush(f32x4.mul(f32x4.mul(dh, f32x4.sub(ld(hPrevRow + o4, vec), hh)), derivative(z, rec))), vec);
  st(dhPartialRow + o4, flush(f32x4.mul(dh, z)), vec);
}

/** GRU backward, first part (see gruStateGradSpec). */
export function gruStateGrad(
  zrPtr: usize, hhPtr: usize, hPrevPtr: usize, dhRecPtr: usize, dhCarryPtr: usize, dOutPtr: usize, maskPtr: usize,
  dzhPtr: usize, dzzPtr: usize, dhPartialPtr: usize,
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
    const dhCarryRow: usize = dhCarryPtr == 0 ? 0 : dhCarryPtr + sRow;
    let j: usize = 0;
    for (; j < vecEnd; j += 4) {
      gruStateGradAt(zrRow, hhPtr + sRow, hPrevPtr + sRow, dhRecRow, dhCarryRow, dOutRow, dzhPtr + sRow, dzzPtr + sRow, dhPartialPtr + sRow, j, act, rec, valid, true);
    }
    for (; j < U; j++) {
      gruStateGradAt(zrRow, hhPtr + sRow, hPrevPtr + sRow, dhRecRow, dhCarryRow, dOutRow, dzhPtr + sRow, dzzPtr + sRow, dhPartialPtr + sRow, j, act, rec, valid, false);
    }
  }
}

// @ts-ignore: decorator
@inline function gruGatesGradAt(
  dRhRow: usize, zrRow: usize, hPrevRow: usize, dzzRow: usize, dhPartialRow: usize, dzrRow: usize, dhCarryPrevRow: usize,
  j: usize, units: usize, rec: i32, valid: bool, vec: bool,
): void {
  const o4 = j << 2;
  const u4 = units << 2;
  if (!valid) {
    st(dzrRow + o4, f32x4.splat(0.0), vec);
    st(dzrRow + u4 + o4, f32x4.splat(0.0), vec);
    st(dhCarryPrevRow + o4, ld(dhPartialRow + o4, vec), vec);
    return;
  }
  const r = ld(zrRow + u4 + o4, vec);
  const drh = ld(dRhRow + o4, vec);
  st(dzrRow + o4, ld(dzzRow + o4, vec), vec);
  st(dzrRow + u4 + o4, flush(f32x4.mul(f32x4.mul(drh, ld(hPrevRow + o4, vec)), derivative(r, rec))), vec);
  st(dhCarryPrevRow + o4, flush(f32x4.add(ld(dhPartialRow + o4, vec), f32x4.mul(drh, r))), vec);
}

/** GRU backward, second part (see gruGatesGradSpec). */
export function gruGatesGrad(
  dRhPtr: usize, zrPtr: usize, hPrevPtr: usize, dzzPtr: usize, dhPartialPtr: usize, maskPtr: usize,
  dzrPtr: usize, dhCarryPrevPtr: usize,
  batch: i32, units: i32, maskTime: i32, t: i32, rec: i32,
): void {
  const U = <usize>units;
  const vecEnd = U & ~(<usize>3);
  for (let b: usize = 0; b < <usize>batch; b++) {
    const sRow = (b * U) << 2;
    const zRow = (b * 2 * U) << 2;
    const valid = !maskedOut(maskPtr, b * <usize>maskTime + <usize>t);
    let j: usize = 0;
    for (; j < vecEnd; j += 4) {
      gruGatesGradAt(dRhPtr + sRow, zrPtr + zRow, hPrevPtr + sRow, dzzPtr + sRow, dhPartialPtr + sRow, dzrPtr + zRow, dhCarryPrevPtr + sRow, j, U, rec, valid, true);
    }
    for (; j < U; j++) {
      gruGatesGradAt(dRhPtr + sRow, zrPtr + zRow, hPrevPtr + sRow, dzzPtr + sRow, dhPartialPtr + sRow, dzrPtr + zRow, dhCarryPrevPtr + sRow, j, U, rec, valid, false);
    }
  }
}

// ---- SimpleRNN ----

// @ts-ignore: decorator
@inline function simpleForwardAt(xwRow: usize, huRow: usize, hRow: usize, j: usize, act: i32, vec: bool): void {
  const o4 = j << 2;
  st(hRow + o4, flush(activate(f32x4.add(ld(xwRow + o4, vec), ld(huRow + o4, vec)), act)), vec);
}

/** One SimpleRNN step (see simpleRnnStepSpec): h `[batch, units]`. */
export function simpleForward(
  xwPtr: usize, huPtr: usize, hPrevPtr: usize, maskPtr: usize, hPtr: usize,
  batch: i32, time: i32, units: i32, t: i32, act: i32,
): void {
  const U = <usize>units;
  const vecEnd = U & ~(<usize>3);
  for (let b: usize = 0; b < <usize>batch; b++) {
    const sRow = (b * U) << 2;
    if (maskedOut(maskPtr, b * <usize>time + <usize>t)) {
      memory.copy(hPtr + sRow, hPrevPtr + sRow, U << 2);
      continue;
    }
    const xwRow = xwPtr + (((b * <usize>time + <usize>t) * U) << 2);
    let j: usize = 0;
    for (; j < vecEnd; j += 4) simpleForwardAt(xwRow, huPtr + sRow, hPtr + sRow, j, act, true);
    for (; j < U; j++) simpleForwardAt(xwRow, huPtr + sRow, hPtr + sRow, j, act, false);
  }
}

// @ts-ignore: decorator
@inline function simpleBackwardAt(
  hRow: usize, dhRecRow: usize, dhCarryRow: usize, dOutRow: usize, dzRow: usize, dhCarryPrevRow: usize,
  j: usize, act: i32, valid: bool, vec: bool,
): void {
  const o4 = j << 2;
  const dh = f32x4.add(f32x4.add(ldOpt(dhRecRow, o4, vec), ldOpt(dhCarryRow, o4, vec)), ldOpt(dOutRow, o4, vec));
  if (!valid) {
    st(dzRow + o4, f32x4.splat(0.0), vec);
    st(dhCarryPrevRow + o4, dh, vec);
    return;
  }
  st(dzRow + o4, flush(f32x4.mul(dh, derivative(ld(hRow + o4, vec), act))), vec);
  st(dhCarryPrevRow + o4, f32x4.splat(0.0), vec);
}

/** Backward of one SimpleRNN step (see simpleRnnStepGradSpec). */
export function simpleBackward(
  hPtr: usize, dhRecPtr: usize, dhCarryPtr: usize, dOutPtr: usize, maskPtr: usize, dzPtr: usize, dhCarryPrevPtr: usize,
  batch: i32, units: i32, outTime: i32, maskTime: i32, t: i32, s: i32, act: i32,
): void {
  const U = <usize>units;
  const vecEnd = U & ~(<usize>3);
  for (let b: usize = 0; b < <usize>batch; b++) {
    const sRow = (b * U) << 2;
    const valid = !maskedOut(maskPtr, b * <usize>maskTime + <usize>t);
    const dOutRow: usize = dOutPtr == 0 ? 0 : dOutPtr + (((b * <usize>outTime + <usize>s) * U) << 2);
    const dhRecRow: usize = dhRecPtr == 0 ? 0 : dhRecPtr + sRow;
    const dhCarryRow: usize = dhCarryPtr == 0 ? 0 : dhCarryPtr + sRow;
    let j: usize = 0;
    for (; j < vecEnd; j += 4) simpleBackwardAt(hPtr + sRow, dhRecRow, dhCarryRow, dOutRow, dzPtr + sRow, dhCarryPrevPtr + sRow, j, act, valid, true);
    for (; j < U; j++) simpleBackwardAt(hPtr + sRow, dhRecRow, dhCarryRow, dOutRow, dzPtr + sRow, dhCarryPrevPtr + sRow, j, act, valid, false);
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
