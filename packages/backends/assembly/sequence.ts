// Whole-sequence LSTM kernels (forward with everything the gradient needs, and the full BPTT backward) in
// AssemblyScript with SIMD, on a SHARED memory that the main thread and worker threads all import. Every `*Ptr`
// argument is a byte offset of a float32 array in that memory, 0 meaning "absent" for optional inputs.
//
// Each call is made by every thread of the pool at once with its own `thread` index (0 = the caller) out of
// `threads`: a thread owns the units [j0, j1) of the partition (multiples of 4), computes the recurrent product
// for its units' columns of all four gates and the fused cell update for its units, and the threads meet at a
// barrier once per time step (the next product needs every unit of the state). The backward pass meets once per
// step as well, then splits the recurrent-kernel gradient by columns.
//
// Layouts, batch-major as tfjs: xw [B, T, 4U] (x·W + b, indexed by time t); the outputs of the forward pass y, cs
// [B, T, U] and gates [B, T, 4U] are indexed by processing step s (t = s, or T − 1 − s with goBackwards), as
// tf.layers orders a goBackwards output; the backward pass writes dZ [B, T, 4U] indexed by t, aligned with x.
// mask [B, T] is indexed by t. Gate order i, f, c, o. Semantics as the per-step kernels in recurrent.ts: masked
// rows copy the previous state and have zero gates, |v| < 1e-30 is flushed to 0.
//
// With relaxed SIMD enabled at compile time (ASC_FEATURE_RELAXED_SIMD), products use fused multiply-add.

import { ld, lstmCellBackward, lstmCellForward, maskedOut, st } from "./cell-math";

const SPINS: i32 = 1 << 14; // busy-wait iterations at a barrier before sleeping on the futex
const WAIT_NS: i64 = 1_000_000; // one sleep at a barrier, in ns; a barrier gives up after BARRIER_LIMIT of them
const BARRIER_LIMIT: i32 = 120_000; // 120 s: a thread that died must not hang the caller forever

// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/**
 * Waits until all `threads` threads reached the barrier at `bar` (two i32: arrival count, generation; the third
 * i32 is an error flag set when a thread gave up). Returns false when the barrier failed.
 */
function barrier(bar: usize, threads: i32): bool {
  if (threads <= 1) return true;
  const gen = atomic.load<i32>(bar, 4);
  if (atomic.add<i32>(bar, 1) == threads - 1) {
    atomic.store<i32>(bar, 0);
    atomic.add<i32>(bar, 1, 4);
    atomic.notify(bar + 4, threads);
    return atomic.load<i32>(bar, 8) == 0;
  }
  let spins = 0;
  let sleeps = 0;
  while (atomic.load<i32>(bar, 4) == gen) {
    if (atomic.load<i32>(bar, 8) != 0) return false;
    if (++spins > SPINS) {
      memory.atomic.wait32(bar + 4, gen, WAIT_NS);
      if (++sleeps > BARRIER_LIMIT) {
        atomic.store<i32>(bar, 1, 8);
        return false;
      }
    }
  }
  return atomic.load<i32>(bar, 8) == 0;
}

/** First unit of thread `thread`'s share of `units` (shares are multiples of 4; the last takes the rest). */
// @ts-ignore: decorator
@inline function shareStart(units: i32, thread: i32, threads: i32): i32 {
  const quads = (units + 3) >> 2;
  const start = ((quads * thread) / threads) << 2;
  return start < units ? start : units;
}

/**
 * out[r, c] = init[r, c] (or 0 when initPtr is 0) + Σ_k a[r, k] · w[k, c] for rows r < rows and columns
 * c ∈ [c0, c1). Strides are in floats. Register tiles of 4 rows × 8 columns.
 */
function gemm(
  aPtr: usize, aStride: usize, rows: usize, depth: usize, wPtr: usize, wStride: usize,
  initPtr: usize, initStride: usize, outPtr: usize, outStride: usize, c0: usize, c1: usize,
): void {
  const c8End = c0 + ((c1 - c0) & ~(<usize>7));
  const c4End = c0 + ((c1 - c0) & ~(<usize>3));
  let r: usize = 0;
  for (; r + 4 <= rows; r += 4) {
    const a0 = aPtr + ((r * aStride) << 2);
    const a1 = a0 + (aStride << 2);
    const a2 = a1 + (aStride << 2);
    const a3 = a2 + (aStride << 2);
    let c = c0;
    for (; c < c8End; c += 8) {
      let x00 = f32x4.splat(0), x01 = f32x4.splat(0), x10 = f32x4.splat(0), x11 = f32x4.splat(0);
      let x20 = f32x4.splat(0), x21 = f32x4.splat(0), x30 = f32x4.splat(0), x31 = f32x4.splat(0);
      if (initPtr != 0) {
        const i0 = initPtr + (((r * initStride) + c) << 2);
        const is = initStride << 2;
        x00 = v128.load(i0); x01 = v128.load(i0 + 16);
        x10 = v128.load(i0 + is); x11 = v128.load(i0 + is + 16);
        x20 = v128.load(i0 + 2 * is); x21 = v128.load(i0 + 2 * is + 16);
        x30 = v128.load(i0 + 3 * is); x31 = v128.load(i0 + 3 * is + 16);
      }
      let wRow = wPtr + (c << 2);
      const wStep = wStride << 2;
      for (let k: usize = 0; k < depth; k++) {
        const w0 = v128.load(wRow);
        const w1 = v128.load(wRow + 16);
        const k4 = k << 2;
        const s0 = v128.load32_splat(a0 + k4);
        const s1 = v128.load32_splat(a1 + k4);
        const s2 = v128.load32_splat(a2 + k4);
        const s3 = v128.load32_splat(a3 + k4);
        x00 = madd(s0, w0, x00); x01 = madd(s0, w1, x01);
        x10 = madd(s1, w0, x10); x11 = madd(s1, w1, x11);
        x20 = madd(s2, w0, x20); x21 = madd(s2, w1, x21);
        x30 = madd(s3, w0, x30); x31 = madd(s3, w1, x31);
        wRow += wStep;
      }
      const o0 = outPtr + (((r * outStride) + c) << 2);
      const os = outStride << 2;
      v128.store(o0, x00); v128.store(o0 + 16, x01);
      v128.store(o0 + os, x10); v128.store(o0 + os + 16, x11);
      v128.store(o0 + 2 * os, x20); v128.store(o0 + 2 * os + 16, x21);
      v128.store(o0 + 3 * os, x30); v128.store(o0 + 3 * os + 16, x31);
    }
    if (c < c4End) {
      let x0 = f32x4.splat(0), x1 = f32x4.splat(0), x2 = f32x4.splat(0), x3 = f32x4.splat(0);
      if (initPtr != 0) {
        const i0 = initPtr + (((r * initStride) + c) << 2);
        const is = initStride << 2;
        x0 = v128.load(i0); x1 = v128.load(i0 + is); x2 = v128.load(i0 + 2 * is); x3 = v128.load(i0 + 3 * is);
      }
      let wRow = wPtr + (c << 2);
      for (let k: usize = 0; k < depth; k++) {
        const w0 = v128.load(wRow);
        const k4 = k << 2;
        x0 = madd(v128.load32_splat(a0 + k4), w0, x0);
        x1 = madd(v128.load32_splat(a1 + k4), w0, x1);
        x2 = madd(v128.load32_splat(a2 + k4), w0, x2);
        x3 = madd(v128.load32_splat(a3 + k4), w0, x3);
        wRow += wStride << 2;
      }
      const o0 = outPtr + (((r * outStride) + c) << 2);
      const os = outStride << 2;
      v128.store(o0, x0); v128.store(o0 + os, x1); v128.store(o0 + 2 * os, x2); v128.store(o0 + 3 * os, x3);
      c += 4;
    }
    for (; c < c1; c++) gemmScalar(aPtr, aStride, r, r + 4, depth, wPtr, wStride, initPtr, initStride, outPtr, outStride, c);
  }
  for (; r < rows; r++) {
    const a0 = aPtr + ((r * aStride) << 2);
    let c = c0;
    for (; c < c4End; c += 4) {
      let x0 = initPtr != 0 ? v128.load(initPtr + (((r * initStride) + c) << 2)) : f32x4.splat(0);
      let wRow = wPtr + (c << 2);
      for (let k: usize = 0; k < depth; k++) {
        x0 = madd(v128.load32_splat(a0 + (k << 2)), v128.load(wRow), x0);
        wRow += wStride << 2;
      }
      v128.store(outPtr + (((r * outStride) + c) << 2), x0);
    }
    for (; c < c1; c++) gemmScalar(aPtr, aStride, r, r + 1, depth, wPtr, wStride, initPtr, initStride, outPtr, outStride, c);
  }
}

function gemmScalar(
  aPtr: usize, aStride: usize, r0: usize, r1: usize, depth: usize, wPtr: usize, wStride: usize,
  initPtr: usize, initStride: usize, outPtr: usize, outStride: usize, c: usize,
): void {
  for (let r = r0; r < r1; r++) {
    let acc: f32 = initPtr != 0 ? load<f32>(initPtr + (((r * initStride) + c) << 2)) : 0;
    for (let k: usize = 0; k < depth; k++) {
      acc += load<f32>(aPtr + (((r * aStride) + k) << 2)) * load<f32>(wPtr + (((k * wStride) + c) << 2));
    }
    store<f32>(outPtr + (((r * outStride) + c) << 2), acc);
  }
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
  if (j1 > j0) {
    // input projections of every step, this thread's columns (the bias row is broadcast: init stride 0)
    for (let g: usize = 0; g < 4; g++) gemm(xPtr, D, B * T, D, wPtr, G, bPtr, 0, xwPtr, G, g * U + j0, g * U + j1);
  }
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
  if (j1 > j0) {
    for (let b: usize = 0; b < B; b++) {
      const last = (((b * T + T - 1) * U + j0) << 2);
      if (hTPtr != 0) memory.copy(hTPtr + ((b * U + j0) << 2), yPtr + last, (j1 - j0) << 2);
      if (cTPtr != 0) memory.copy(cTPtr + ((b * U + j0) << 2), csPtr + last, (j1 - j0) << 2);
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
 * dst[k, c] += Σ_b Σ_s a_s[b, k] · dz_s[b, c] for rows k < rowsOfDst and columns c ∈ [c0, c1) of dst (stride
 * G = 4U). dz_s is dZ at t(s). With `aByTime`, a_s[b] is a[b, t(s)] (the input x, stride `aStride`); otherwise it
 * is the previous hidden state: a0[b] (h0) for s = 0, else a[b, s − 1] (y). Used for the input-kernel gradient
 * (dst = dW [D, 4U]) and the recurrent-kernel gradient (dst = dU [U, 4U]). Tiles of 4 rows of dst × 8 columns,
 * accumulated over one batch row's steps at a time.
 */
function outerGrad(
  dstPtr: usize, rowsOfDst: usize, aPtr: usize, aStride: usize, a0Ptr: usize, aByTime: bool, dZPtr: usize,
  B: usize, T: usize, G: usize, goBackwards: i32, c0: usize, c1: usize,
): void {
  const c8End = c0 + ((c1 - c0) & ~(<usize>7));
  for (let b: usize = 0; b < B; b++) {
    for (let k: usize = 0; k < rowsOfDst; k += 4) {
      const kRows = rowsOfDst - k < 4 ? rowsOfDst - k : 4;
      let c = c0;
      for (; c < c8End && kRows == 4; c += 8) {
        const o0 = dstPtr + ((k * G + c) << 2);
        const os = G << 2;
        let x00 = v128.load(o0), x01 = v128.load(o0 + 16), x10 = v128.load(o0 + os), x11 = v128.load(o0 + os + 16);
        let x20 = v128.load(o0 + 2 * os), x21 = v128.load(o0 + 2 * os + 16);
        let x30 = v128.load(o0 + 3 * os), x31 = v128.load(o0 + 3 * os + 16);
        for (let s: usize = 0; s < T; s++) {
          const t = goBackwards != 0 ? T - 1 - s : s;
          const row = aByTime ? aPtr + (((b * T + t) * aStride) << 2) : s == 0 ? a0Ptr + ((b * aStride) << 2) : aPtr + (((b * T + s - 1) * aStride) << 2);
          const hp = row + (k << 2);
          const dz = dZPtr + (((b * T + t) * G + c) << 2);
          const w0 = v128.load(dz);
          const w1 = v128.load(dz + 16);
          const s0 = v128.load32_splat(hp);
          const s1 = v128.load32_splat(hp + 4);
          const s2 = v128.load32_splat(hp + 8);
          const s3 = v128.load32_splat(hp + 12);
          x00 = madd(s0, w0, x00); x01 = madd(s0, w1, x01);
          x10 = madd(s1, w0, x10); x11 = madd(s1, w1, x11);
          x20 = madd(s2, w0, x20); x21 = madd(s2, w1, x21);
          x30 = madd(s3, w0, x30); x31 = madd(s3, w1, x31);
        }
        v128.store(o0, x00); v128.store(o0 + 16, x01);
        v128.store(o0 + os, x10); v128.store(o0 + os + 16, x11);
        v128.store(o0 + 2 * os, x20); v128.store(o0 + 2 * os + 16, x21);
        v128.store(o0 + 3 * os, x30); v128.store(o0 + 3 * os + 16, x31);
      }
      // remaining columns (and the last rows of dst when their count is not a multiple of 4), one value at a time
      for (let kk = k; kk < k + kRows; kk++) {
        for (let cc = kRows == 4 ? c : c0; cc < c1; cc++) {
          let acc = load<f32>(dstPtr + ((kk * G + cc) << 2));
          for (let s: usize = 0; s < T; s++) {
            const t = goBackwards != 0 ? T - 1 - s : s;
            const row = aByTime ? aPtr + (((b * T + t) * aStride) << 2) : s == 0 ? a0Ptr + ((b * aStride) << 2) : aPtr + (((b * T + s - 1) * aStride) << 2);
            acc += load<f32>(row + (kk << 2)) * load<f32>(dZPtr + (((b * T + t) * G + cc) << 2));
          }
          store<f32>(dstPtr + ((kk * G + cc) << 2), acc);
        }
      }
    }
  }
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
      for (let b: usize = 0; b < B; b++) {
        const sRow = (b * U) << 2;
        // add the gradient that went through U at step s + 1 (computed into dhRec at the end of that step)
        if (s + 1 < T) {
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
    // dhRec[:, own units] = dz_s · Uᵀ[:, own units]: reads every thread's dz_s, written before the barrier
    if (j1 > j0) gemm(dZPtr + ((t * G) << 2), T * G, B, G, uTPtr, U, 0, 0, dhRecPtr, U, j0, j1);
  }
  if (j1 > j0) {
    for (let b: usize = 0; b < B; b++) {
      const sRow = (b * U) << 2;
      for (let j = j0; j < j1; j++) {
        const p = dhPtr + sRow + (j << 2);
        store<f32>(p, load<f32>(p) + load<f32>(dhRecPtr + sRow + (j << 2)));
      }
    }
  }
  // Weight gradients by columns: this thread's units' columns of each gate (dZ is complete after the last barrier).
  if (j1 > j0) {
    const width = (j1 - j0) << 2;
    for (let g: usize = 0; g < 4; g++) {
      const c0 = g * U + j0;
      const c1 = g * U + j1;
      for (let k: usize = 0; k < U; k++) memory.fill(dUPtr + ((k * G + c0) << 2), 0, width);
      outerGrad(dUPtr, U, yPtr, U, h0Ptr, false, dZPtr, B, T, G, goBackwards, c0, c1);
      for (let k: usize = 0; k < D; k++) memory.fill(dWPtr + ((k * G + c0) << 2), 0, width);
      outerGrad(dWPtr, D, xPtr, D, 0, true, dZPtr, B, T, G, goBackwards, c0, c1);
      if (dbPtr != 0) {
        const c4End = c0 + ((c1 - c0) & ~(<usize>3));
        let c = c0;
        for (; c < c4End; c += 4) {
          let acc = f32x4.splat(0);
          for (let r: usize = 0; r < B * T; r++) acc = f32x4.add(acc, v128.load(dZPtr + ((r * G + c) << 2)));
          v128.store(dbPtr + (c << 2), acc);
        }
        for (; c < c1; c++) {
          let acc: f32 = 0;
          for (let r: usize = 0; r < B * T; r++) acc += load<f32>(dZPtr + ((r * G + c) << 2));
          store<f32>(dbPtr + (c << 2), acc);
        }
      }
    }
  }
  // dx = dZ · wᵀ by rows: this thread's share of the B·T rows
  const rows = B * T;
  const r0 = (rows * <usize>thread) / <usize>threads;
  const r1 = (rows * <usize>(thread + 1)) / <usize>threads;
  if (r1 > r0) gemm(dZPtr + ((r0 * G) << 2), G, r1 - r0, G, wTPtr, D, 0, 0, dxPtr + ((r0 * D) << 2), D, 0, D);
  return 0;
}

/** dst [cols, rows] = srcᵀ for src [rows, cols] (single thread). */
export function transpose(srcPtr: usize, dstPtr: usize, rows: i32, cols: i32): void {
  for (let r: usize = 0; r < <usize>rows; r++) {
    for (let c: usize = 0; c < <usize>cols; c++) {
      store<f32>(dstPtr + ((c * <usize>rows + r) << 2), load<f32>(srcPtr + ((r * <usize>cols + c) << 2)));
    }
  }
}
