// The whole-sequence LSTM kernels: the forward pass with everything the gradient needs, and the full BPTT backward.
// See sequence.ts for the threading model, layouts and semantics.

import { ld, lstmCellBackward, lstmCellForward, maskedOut, st } from "./cell-math";
import {
  barrier, gemmPacked, PACK_SCRATCH_FLOATS, packPanels, packPanelsByStep, packPanelsT, PANEL, panelColumnSums,
  panelShareStart, weightGradPacked,
} from "./sequence-common";
import { dropRows } from "./sequence-steps";

/** Units rounded up to whole panels: the column count of each gate in the packed kernels. */
// @ts-ignore: decorator
@inline function panelUnits(units: usize): usize {
  return (units + PANEL - 1) & ~(PANEL - 1);
}

/** Floats of the packed kernels of lstmSequenceForward's `packPtr`: per gate, panels of w [D, U] and u [U, U]. */
export function lstmForwardPackFloats(inputDim: i32, units: i32): i32 {
  return <i32>(4 * panelUnits(<usize>units) * (<usize>inputDim + <usize>units));
}

/**
 * Floats of lstmSequenceBackward's `packPtr`: panels of uᵀ [4U, U] and wᵀ [4U, D], and per gate, panels of dZ
 * [B·T, U].
 */
export function lstmBackwardPackFloats(batch: i32, time: i32, inputDim: i32, units: i32): i32 {
  const up = panelUnits(<usize>units);
  const g = <usize>units << 2;
  return <i32>(up * g + panelUnits(<usize>inputDim) * g + 4 * up * <usize>batch * <usize>time);
}

/** Floats of the per-thread scratch of the packed products (`scratchPtr` holds one per thread). */
export function packScratchFloats(): i32 {
  return <i32>PACK_SCRATCH_FLOATS;
}

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
 * w [D, 4U] and the bias b [4U] (or 0). With rowsPtr (int32 [B, T], else 0), x holds only `distinct` rows
 * [distinct, D] and row b·T + t of the input is x's row rows[b·T + t]: the input projections are computed once per
 * distinct row (an Embedding's output repeats its rows), with the same results. With dropPtr (a recurrent dropout
 * mask [B, U], else 0), the recurrent products take h ⊙ mask (Keras's recurrent dropout, one mask per sequence):
 * written to hd0 [B, U] for h0 and hd [B, T, U] by step for the steps' outputs, which the backward pass reads.
 * xw: scratch [B, T, 4U] for x·w + b (each thread computes and reads only its units' columns); z: scratch [B, 4U]; pack:
 * lstmForwardPackFloats floats for the kernels packed in panels (each thread packs and reads its units' panels);
 * scratch: packScratchFloats floats per thread. Writes y, cs [B, T, U] and gates [B, T, 4U] by step, and hT, cT
 * [B, U] when their pointers are set. Returns 0, or 1 when a barrier failed.
 */
export function lstmSequenceForward(
  xPtr: usize, rowsPtr: usize, distinct: i32, wPtr: usize, bPtr: usize, uPtr: usize, h0Ptr: usize, c0Ptr: usize,
  dropPtr: usize, hdPtr: usize, hd0Ptr: usize, maskPtr: usize, xwPtr: usize, yPtr: usize, csPtr: usize,
  gatesPtr: usize, hTPtr: usize, cTPtr: usize, zPtr: usize, packPtr: usize, scratchPtr: usize, barPtr: usize, batch: i32, time: i32, inputDim: i32, units: i32, goBackwards: i32,
  act: i32, rec: i32, thread: i32, threads: i32,
): i32 {
  const B = <usize>batch;
  const T = <usize>time;
  const D = <usize>inputDim;
  const U = <usize>units;
  const G = U << 2;
  const up = panelUnits(U);
  const j0 = <usize>panelShareStart(units, thread, threads);
  const j1 = <usize>panelShareStart(units, thread + 1, threads);
  const width = j1 - j0;
  const vecEnd = j0 + (width & ~(<usize>3));
  const scratch = scratchPtr + ((<usize>thread * PACK_SCRATCH_FLOATS) << 2);
  // this thread's panels of each gate of w [D, 4U] and u [U, 4U]: gate g's panels at (g·up + j) · depth floats
  const packW = packPtr;
  const packU = packPtr + ((4 * up * D) << 2);
  if (width > 0) {
    for (let g: usize = 0; g < 4; g++) {
      packPanels(wPtr, G, D, g * U + j0, width, packW + (((g * up + j0) * D) << 2));
      packPanels(uPtr, G, U, g * U + j0, width, packU + (((g * up + j0) * U) << 2));
    }
    // input projections of every step, this thread's columns (the bias row is broadcast: init stride 0); with
    // rowsPtr, of the distinct rows only (x holds them, rows [0, distinct) of xw get their projections)
    const rows = rowsPtr != 0 ? <usize>distinct : B * T;
    gemmPacked(xPtr, D, rows, D, packW + ((j0 * D) << 2), (up * D) << 2, width, 4, U, bPtr == 0 ? 0 : bPtr + (j0 << 2), 0, xwPtr + (j0 << 2), G, scratch);
  }
  if (dropPtr != 0) {
    // h0 ⊙ mask, this thread's units; the barrier publishes them before the first product reads every unit
    if (width > 0) dropRows(h0Ptr, dropPtr, hd0Ptr, U, U, B, j0, width, false);
    if (!barrier(barPtr, threads)) return 1;
  }
  for (let s: usize = 0; s < T; s++) {
    const t = goBackwards != 0 ? T - 1 - s : s;
    // previous state rows: h0/c0 [B, U] for the first step, else step s − 1 of y/cs [B, T, U]
    const hPrev = s == 0 ? h0Ptr : yPtr + (((s - 1) * U) << 2);
    const cPrev = s == 0 ? c0Ptr : csPtr + (((s - 1) * U) << 2);
    const prevStride = s == 0 ? U : T * U;
    // the operand of the recurrent product: h, or h ⊙ mask with recurrent dropout
    const opPrev = dropPtr == 0 ? hPrev : s == 0 ? hd0Ptr : hdPtr + (((s - 1) * U) << 2);
    if (width > 0) {
      let init = xwPtr + (((t * G) + j0) << 2);
      let initStride = T * G;
      if (rowsPtr != 0) {
        // gather each batch row's projection (of its distinct row) into z; the product adds to it in place, from
        // the same values as without the gather: the same bits
        for (let b: usize = 0; b < B; b++) {
          const src = xwPtr + (((<usize>load<i32>(rowsPtr + ((b * T + t) << 2)) * G) + j0) << 2);
          const dst = zPtr + (((b * G) + j0) << 2);
          for (let g: usize = 0; g < 4; g++) memory.copy(dst + ((g * U) << 2), src + ((g * U) << 2), width << 2);
        }
        init = zPtr + (j0 << 2);
        initStride = G;
      }
      gemmPacked(opPrev, prevStride, B, U, packU + ((j0 * U) << 2), (up * U) << 2, width, 4, U, init, initStride, zPtr + (j0 << 2), G, scratch);
      for (let b: usize = 0; b < B; b++) {
        const hPrevRow = hPrev + ((b * prevStride) << 2);
        const cPrevRow = cPrev + ((b * prevStride) << 2);
        const hRow = yPtr + (((b * T + s) * U) << 2);
        const cRow = csPtr + (((b * T + s) * U) << 2);
        const gRow = gatesPtr + (((b * T + s) * G) << 2);
        if (maskedOut(maskPtr, b * T + t)) {
          memory.copy(hRow + (j0 << 2), hPrevRow + (j0 << 2), width << 2);
          memory.copy(cRow + (j0 << 2), cPrevRow + (j0 << 2), width << 2);
          for (let g: usize = 0; g < 4; g++) memory.fill(gRow + ((g * U + j0) << 2), 0, width << 2);
          continue;
        }
        const zRow = zPtr + ((b * G) << 2);
        let j = j0;
        for (; j < vecEnd; j += 4) cellForwardAt(zRow, cPrevRow, hRow, cRow, gRow, j, U, act, rec, true);
        for (; j < j1; j++) cellForwardAt(zRow, cPrevRow, hRow, cRow, gRow, j, U, act, rec, false);
      }
      if (dropPtr != 0) dropRows(yPtr + ((s * U) << 2), dropPtr, hdPtr + ((s * U) << 2), T * U, U, B, j0, width, false);
    }
    if (!barrier(barPtr, threads)) return 1;
  }
  if (width > 0) {
    for (let b: usize = 0; b < B; b++) {
      const last = (((b * T + T - 1) * U + j0) << 2);
      if (hTPtr != 0) memory.copy(hTPtr + ((b * U + j0) << 2), yPtr + last, width << 2);
      if (cTPtr != 0) memory.copy(cTPtr + ((b * U + j0) << 2), csPtr + last, width << 2);
    }
  }
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
 * y, cs, gates, and the kernels w [D, 4U], u [U, 4U].
 *
 * dOut [B, T, U] by step (or 0); dh, dc [B, U]: on entry the gradients reaching the final state (zeros when none),
 * on return those reaching h0 and c0. dZ: scratch [B, T, 4U] for the gate pre-activation gradients by time index.
 * pack: lstmBackwardPackFloats floats for uᵀ, wᵀ and dZ packed in panels; scratch: packScratchFloats floats per
 * thread. With dropPtr (the forward pass's recurrent dropout mask), hd and hd0 are the forward pass's h ⊙ mask:
 * the gradient through U reaches h ⊙ mask, and dU is taken from them. Writes dx [B, T, D], dW [D, 4U], db [4U]
 * (when its pointer is set) and dU [U, 4U]. Returns 0, or 1 when a barrier failed.
 */
export function lstmSequenceBackward(
  xPtr: usize, wPtr: usize, gatesPtr: usize, csPtr: usize, yPtr: usize, h0Ptr: usize, c0Ptr: usize, uPtr: usize,
  dropPtr: usize, hdPtr: usize, hd0Ptr: usize, dOutPtr: usize, maskPtr: usize, dhPtr: usize, dcPtr: usize,
  dhRecPtr: usize, dZPtr: usize, dxPtr: usize, dWPtr: usize, dbPtr: usize, dUPtr: usize, packPtr: usize, scratchPtr: usize, barPtr: usize,
  batch: i32, time: i32, inputDim: i32, units: i32, goBackwards: i32, act: i32, rec: i32, thread: i32, threads: i32,
): i32 {
  const B = <usize>batch;
  const T = <usize>time;
  const D = <usize>inputDim;
  const U = <usize>units;
  const G = U << 2;
  const up = panelUnits(U);
  const j0 = <usize>panelShareStart(units, thread, threads);
  const j1 = <usize>panelShareStart(units, thread + 1, threads);
  const width = j1 - j0;
  const vecEnd = j0 + (width & ~(<usize>3));
  const scratch = scratchPtr + ((<usize>thread * PACK_SCRATCH_FLOATS) << 2);
  // panels of uᵀ [4U, U] (this thread's units: its columns of dhRec), wᵀ [4U, D] (all of them: every thread's rows
  // of dx use every column) and dZ by gate [B·T, U] (this thread's units)
  const packUT = packPtr;
  const packWT = packUT + ((up * G) << 2);
  const packZ = packWT + ((panelUnits(D) * G) << 2);
  if (width > 0) packPanelsT(uPtr, G, G, j0, width, packUT + ((j0 * G) << 2));
  // each thread packs its share of wᵀ's panels; the barrier of the first step below publishes them
  const d0 = <usize>panelShareStart(inputDim, thread, threads);
  const d1 = <usize>panelShareStart(inputDim, thread + 1, threads);
  if (d1 > d0) packPanelsT(wPtr, G, G, d0, d1 - d0, packWT + ((d0 * G) << 2));
  for (let step: isize = <isize>T - 1; step >= 0; step--) {
    const s = <usize>step;
    const t = goBackwards != 0 ? T - 1 - s : s;
    if (width > 0) {
      for (let b: usize = 0; b < B; b++) {
        const sRow = (b * U) << 2;
        // add the gradient that went through U at step s + 1 (computed into dhRec at the end of that step)
        if (s + 1 < T && dropPtr != 0) {
          dropRows(dhRecPtr + sRow, dropPtr + sRow, dhPtr + sRow, 0, U, 1, j0, width, true);
        } else if (s + 1 < T) {
          let j = j0;
          for (; j < vecEnd; j += 4) {
            const p = dhPtr + sRow + (j << 2);
            v128.store(p, f32x4.add(v128.load(p), v128.load(dhRecPtr + sRow + (j << 2))));
          }
          for (; j < j1; j++) {
            const p = dhPtr + sRow + (j << 2);
            store<f32>(p, load<f32>(p) + load<f32>(dhRecPtr + sRow + (j << 2)));
          }
        }
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
    // dhRec[:, own units] = dz_s · uᵀ[:, own units]: reads every thread's dz_s, written before the barrier
    if (width > 0) gemmPacked(dZPtr + ((t * G) << 2), T * G, B, G, packUT + ((j0 * G) << 2), 0, width, 1, 0, 0, 0, dhRecPtr + (j0 << 2), U, scratch);
  }
  if (width > 0 && dropPtr != 0) {
    dropRows(dhRecPtr, dropPtr, dhPtr, U, U, B, j0, width, true);
  } else if (width > 0) {
    for (let b: usize = 0; b < B; b++) {
      const sRow = (b * U) << 2;
      for (let j = j0; j < j1; j++) {
        const p = dhPtr + sRow + (j << 2);
        store<f32>(p, load<f32>(p) + load<f32>(dhRecPtr + sRow + (j << 2)));
      }
    }
  }
  // Weight gradients by columns: this thread's units' columns of each gate, from its own columns of dZ (which it
  // wrote itself), packed by gate in the order b·T + s of the products.
  if (width > 0) {
    const depth = B * T;
    for (let g: usize = 0; g < 4; g++) packPanelsByStep(dZPtr, G, B, T, goBackwards, g * U + j0, width, packZ + (((g * up + j0) * depth) << 2));
    const z = packZ + ((j0 * depth) << 2);
    const zGroup = (up * depth) << 2;
    // the recurrent products' operands: the states before each step, times the recurrent dropout mask if any
    const ops = dropPtr != 0 ? hdPtr : yPtr;
    const op0 = dropPtr != 0 ? hd0Ptr : h0Ptr;
    weightGradPacked(dUPtr + (j0 << 2), G, U, ops, U, op0, false, z, zGroup, width, 4, U, B, T, goBackwards, scratch);
    weightGradPacked(dWPtr + (j0 << 2), G, D, xPtr, D, 0, true, z, zGroup, width, 4, U, B, T, goBackwards, scratch);
    if (dbPtr != 0) panelColumnSums(z, zGroup, B, T, goBackwards, width, 4, U, dbPtr + (j0 << 2));
  }
  // dx = dZ · wᵀ by rows: this thread's share of the B·T rows (wᵀ's panels are complete since the last barrier)
  const rows = B * T;
  const r0 = (rows * <usize>thread) / <usize>threads;
  const r1 = (rows * <usize>(thread + 1)) / <usize>threads;
  if (r1 > r0) gemmPacked(dZPtr + ((r0 * G) << 2), G, r1 - r0, G, packWT, 0, D, 1, 0, 0, 0, dxPtr + ((r0 * D) << 2), D, scratch);
  return 0;
}
