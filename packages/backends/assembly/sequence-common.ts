// What the whole-sequence kernels of every cell share: the barrier the threads meet at, the partition of the
// units between threads, and the matrix products (register-tiled, SIMD, fused multiply-add with relaxed SIMD).
// Pointers are byte offsets of float32 arrays in the shared memory; strides are in floats.

const SPINS: i32 = 1 << 14; // busy-wait iterations at a barrier before sleeping on the futex
const WAIT_NS: i64 = 1_000_000; // one sleep at a barrier, in ns; a barrier gives up after BARRIER_LIMIT of them
const BARRIER_LIMIT: i32 = 120_000; // 120 s: a thread that died must not hang the caller forever

// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/**
 * Waits until all `threads` threads reached the barrier at `bar` (two i32: arrival count, generation; the third
 * i32 is an error flag set when a thread gave up). Returns false when the barrier failed.
 */
export function barrier(bar: usize, threads: i32): bool {
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
@inline export function shareStart(units: i32, thread: i32, threads: i32): i32 {
  const quads = (units + 3) >> 2;
  const start = ((quads * thread) / threads) << 2;
  return start < units ? start : units;
}

/**
 * out[r, c] = init[r, c] (or 0 when initPtr is 0) + Σ_k a[r, k] · w[k, c] for rows r < rows and columns
 * c ∈ [c0, c1). Strides are in floats. Register tiles of 4 rows × 8 columns.
 */
export function gemm(
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

export function gemmScalar(
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


/**
 * dst[k, c] += Σ_b Σ_s a_s[b, k] · dz_s[b, c] for rows k < rowsOfDst and columns c ∈ [c0, c1) of dst (stride
 * G = 4U). dz_s is dZ at t(s). With `aByTime`, a_s[b] is a[b, t(s)] (the input x, stride `aStride`); otherwise it
 * is the previous hidden state: a0[b] (h0) for s = 0, else a[b, s − 1] (y). Used for the input-kernel gradient
 * (dst = dW [D, 4U]) and the recurrent-kernel gradient (dst = dU [U, 4U]). Tiles of 4 rows of dst × 8 columns,
 * accumulated over one batch row's steps at a time.
 */
export function outerGrad(
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

/** dst [cols, rows] = srcᵀ for src [rows, cols] (single thread). */
export function transpose(srcPtr: usize, dstPtr: usize, rows: i32, cols: i32): void {
  for (let r: usize = 0; r < <usize>rows; r++) {
    for (let c: usize = 0; c < <usize>cols; c++) {
      store<f32>(dstPtr + ((c * <usize>rows + r) << 2), load<f32>(srcPtr + ((r * <usize>cols + c) << 2)));
    }
  }
}
