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

// ---------------------------------------------------------------------------------------------------------------
// Packed matrix products (the layout of GotoBLAS/BLIS): the right operand B is packed once into panels of PANEL
// columns, each panel [depth, PANEL] contiguous (zero-padded past the last column); the left operand A is packed
// block by block (MC rows × KC depth at a time, into the calling thread's scratch) into tiles of TILE_ROWS rows, each
// tile [kc, TILE_ROWS] contiguous (zero-padded past the last row). A register tile of TILE_ROWS × PANEL outputs then
// reads both operands sequentially: the panel's KC × PANEL block stays in L1 while the tiles of the A block stream
// from L2. Without packing, the columns of a [K, 4U] matrix with 4U a power of two are read at a stride that maps
// every row to the same few cache sets, so each product streams its operands from L3.

/** Rows of a register tile (tile is written for 5). */
export const TILE_ROWS: usize = 5;
/** Columns of a panel (and of a register tile). */
export const PANEL: usize = 8;
/** Depth of a packed block of A (and of one pass over the panels). */
export const KC: usize = 256;
/** Rows of a packed block of A (a multiple of TILE_ROWS). */
export const MC: usize = 100;
/** Floats of one thread's scratch for the packed products: a packed block of A and an edge tile. */
export const PACK_SCRATCH_FLOATS: usize = MC * KC + TILE_ROWS * PANEL;

/** Floats of `columns` columns of depth `depth` packed in panels (whole panels). */
// @ts-ignore: decorator
@inline export function panelFloats(columns: usize, depth: usize): usize {
  return ((columns + PANEL - 1) / PANEL) * PANEL * depth;
}

/**
 * Packs columns [c0, c0 + width) of rows [0, depth) of src (row stride srcStride floats) into panels at dst:
 * dst[p, k, i] = src[k, c0 + p·PANEL + i], 0 past the last column.
 */
export function packPanels(srcPtr: usize, srcStride: usize, depth: usize, c0: usize, width: usize, dstPtr: usize): void {
  for (let p: usize = 0; p * PANEL < width; p++) {
    const cols = width - p * PANEL < PANEL ? width - p * PANEL : PANEL;
    let src = srcPtr + ((c0 + p * PANEL) << 2);
    let dst = dstPtr + ((p * depth * PANEL) << 2);
    const step = srcStride << 2;
    if (cols == PANEL) {
      for (let k: usize = 0; k < depth; k++) {
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
        src += step;
        dst += PANEL << 2;
      }
    } else {
      for (let k: usize = 0; k < depth; k++) {
        for (let i: usize = 0; i < PANEL; i++) store<f32>(dst + (i << 2), i < cols ? load<f32>(src + (i << 2)) : 0);
        src += step;
        dst += PANEL << 2;
      }
    }
  }
}

/**
 * Packs the transpose: dst[p, k, i] = src[c0 + p·PANEL + i, k] for k < depth (src's row stride srcStride floats),
 * 0 past the last column. Panels of Bᵀ for a product with the transpose of a row-major B.
 */
export function packPanelsT(srcPtr: usize, srcStride: usize, depth: usize, c0: usize, width: usize, dstPtr: usize): void {
  for (let p: usize = 0; p * PANEL < width; p++) {
    const dst = dstPtr + ((p * depth * PANEL) << 2);
    for (let i: usize = 0; i < PANEL; i++) {
      const c = p * PANEL + i;
      if (c < width) {
        const src = srcPtr + (((c0 + c) * srcStride) << 2);
        for (let k: usize = 0; k < depth; k++) store<f32>(dst + ((k * PANEL + i) << 2), load<f32>(src + (k << 2)));
      } else {
        for (let k: usize = 0; k < depth; k++) store<f32>(dst + ((k * PANEL + i) << 2), 0);
      }
    }
  }
}

/**
 * Packs rows [0, rows) and depth [0, kc) of A (row stride aStride floats) into tiles at dst:
 * dst[q, k, r] = a[q·TILE_ROWS + r, k], 0 past the last row.
 */
function packTiles(aPtr: usize, aStride: usize, rows: usize, kc: usize, dstPtr: usize): void {
  for (let q: usize = 0; q * TILE_ROWS < rows; q++) {
    const dst = dstPtr + ((q * kc * TILE_ROWS) << 2);
    for (let r: usize = 0; r < TILE_ROWS; r++) {
      const row = q * TILE_ROWS + r;
      if (row < rows) {
        const src = aPtr + ((row * aStride) << 2);
        for (let k: usize = 0; k < kc; k++) store<f32>(dst + ((k * TILE_ROWS + r) << 2), load<f32>(src + (k << 2)));
      } else {
        for (let k: usize = 0; k < kc; k++) store<f32>(dst + ((k * TILE_ROWS + r) << 2), 0);
      }
    }
  }
}

/**
 * One register tile: out[r, c] = init[r, c] (or 0 when initPtr is 0) + Σ_k a[k, r] · b[k, c] for r < TILE_ROWS,
 * c < PANEL, from a packed tile a [kc, TILE_ROWS] and a packed panel block b [kc, PANEL], summed from init in the
 * order of k. Strides in bytes.
 *
 * Five rows, ten accumulators: on x64, V8 keeps a loop's loads in program order at the top of the body and moves
 * the arithmetic after them, so every loaded value is live across the iteration. With one broadcast load per row,
 * a 4 × 8 tile (8 accumulators, 6 loads) is the largest without spills, and its 8 independent fused multiply-adds
 * per step cannot hide the FMA latency (5 cycles on Zen 2). Loading four rows' values as one vector and
 * broadcasting them with shuffles (pure operations, placed next to their use) leaves room for a fifth row:
 * 10 accumulators, 2 panel vectors, the rows vector, the fifth row's broadcast (or the shuffled one), 14 of the
 * 15 allocatable xmm registers (6 rows would need 17). Measured on AMD EPYC (Zen 2), Node 20: 33–38 GFLOP/s on one thread, against
 * 25–33 for 4 × 8 and 14–18 for 6 × 8 (spilled).
 */
function tile(aPtr: usize, bPtr: usize, kc: usize, initPtr: usize, initStride: usize, outPtr: usize, outStride: usize): void {
  let x00 = f32x4.splat(0), x01 = f32x4.splat(0), x10 = f32x4.splat(0), x11 = f32x4.splat(0);
  let x20 = f32x4.splat(0), x21 = f32x4.splat(0), x30 = f32x4.splat(0), x31 = f32x4.splat(0);
  let x40 = f32x4.splat(0), x41 = f32x4.splat(0);
  if (initPtr != 0) {
    // the sums start from init, so each output is one chain of multiply-adds over k from it (across depth blocks
    // too: the next block starts from what this one stored), as the unpacked gemm computes it: same bits
    let i = initPtr;
    x00 = v128.load(i); x01 = v128.load(i, 16); i += initStride;
    x10 = v128.load(i); x11 = v128.load(i, 16); i += initStride;
    x20 = v128.load(i); x21 = v128.load(i, 16); i += initStride;
    x30 = v128.load(i); x31 = v128.load(i, 16); i += initStride;
    x40 = v128.load(i); x41 = v128.load(i, 16);
  }
  let a = aPtr;
  let b = bPtr;
  const end = aPtr + ((kc * TILE_ROWS) << 2);
  while (a < end) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    const a4 = v128.load(a);
    const s4 = v128.load32_splat(a, 16);
    let s = v128.shuffle<f32>(a4, a4, 0, 0, 0, 0);
    x00 = madd(s, b0, x00); x01 = madd(s, b1, x01);
    s = v128.shuffle<f32>(a4, a4, 1, 1, 1, 1);
    x10 = madd(s, b0, x10); x11 = madd(s, b1, x11);
    s = v128.shuffle<f32>(a4, a4, 2, 2, 2, 2);
    x20 = madd(s, b0, x20); x21 = madd(s, b1, x21);
    s = v128.shuffle<f32>(a4, a4, 3, 3, 3, 3);
    x30 = madd(s, b0, x30); x31 = madd(s, b1, x31);
    x40 = madd(s4, b0, x40); x41 = madd(s4, b1, x41);
    a += TILE_ROWS << 2;
    b += PANEL << 2;
  }
  let o = outPtr;
  v128.store(o, x00); v128.store(o, x01, 16); o += outStride;
  v128.store(o, x10); v128.store(o, x11, 16); o += outStride;
  v128.store(o, x20); v128.store(o, x21, 16); o += outStride;
  v128.store(o, x30); v128.store(o, x31, 16); o += outStride;
  v128.store(o, x40); v128.store(o, x41, 16);
}

/**
 * The products of one packed block of A (tiles [mc rows, kc]) with `groups` groups of `width` columns of packed
 * panels (group g's panels at bPtr + g·bGroupBytes, each panel's block at depth offset already applied, panels
 * panelBytes apart); group g's outputs and inits are columns g·groupStride + [0, width) of out and init. Strides in
 * floats; initStride 0 broadcasts one init row. `edge`: a TILE_ROWS × PANEL scratch tile.
 */
function blockProduct(
  aPtr: usize, mc: usize, kc: usize, bPtr: usize, panelBytes: usize, bGroupBytes: usize, width: usize, groups: usize,
  groupStride: usize, initPtr: usize, initStride: usize, outPtr: usize, outStride: usize, edge: usize,
): void {
  const tiles = (mc + TILE_ROWS - 1) / TILE_ROWS;
  const fullTiles = mc / TILE_ROWS;
  const panels = (width + PANEL - 1) / PANEL;
  const fullPanels = width / PANEL;
  const tileBytes = (kc * TILE_ROWS) << 2;
  const is = initStride << 2;
  const os = outStride << 2;
  for (let g: usize = 0; g < groups; g++) {
    const colBase = g * groupStride;
    for (let p: usize = 0; p < panels; p++) {
      const b = bPtr + g * bGroupBytes + p * panelBytes;
      const col = colBase + p * PANEL;
      const cols = p < fullPanels ? PANEL : width - fullPanels * PANEL;
      for (let q: usize = 0; q < tiles; q++) {
        const row = q * TILE_ROWS;
        const init = initPtr == 0 ? 0 : initPtr + ((row * initStride + col) << 2);
        const out = outPtr + ((row * outStride + col) << 2);
        if (q < fullTiles && cols == PANEL) {
          tile(aPtr + q * tileBytes, b, kc, init, is, out, os);
        } else {
          // a tile past the last row or column: through the edge tile, starting from init as a whole tile does
          const rows = mc - row < TILE_ROWS ? mc - row : TILE_ROWS;
          for (let r: usize = 0; r < TILE_ROWS; r++) {
            for (let c: usize = 0; c < PANEL; c++) {
              store<f32>(edge + ((r * PANEL + c) << 2), init != 0 && r < rows && c < cols ? load<f32>(init + r * is + (c << 2)) : 0);
            }
          }
          tile(aPtr + q * tileBytes, b, kc, edge, PANEL << 2, edge, PANEL << 2);
          for (let r: usize = 0; r < rows; r++) {
            for (let c: usize = 0; c < cols; c++) store<f32>(out + r * os + (c << 2), load<f32>(edge + ((r * PANEL + c) << 2)));
          }
        }
      }
    }
  }
}

/**
 * out[r, g·groupStride + c] = init[r, g·groupStride + c] (or 0 when initPtr is 0) + Σ_k a[r, k] · B_g[k, c] for
 * r < rows, c < width, g < groups, where B_g is packed in panels (depth `depth`) at bPtr + g·bGroupBytes (see
 * packPanels). A is row-major with stride aStride; strides in floats; initStride 0 broadcasts one init row (a bias).
 * `scratch`: PACK_SCRATCH_FLOATS floats of the calling thread's own.
 */
export function gemmPacked(
  aPtr: usize, aStride: usize, rows: usize, depth: usize, bPtr: usize, bGroupBytes: usize, width: usize, groups: usize,
  groupStride: usize, initPtr: usize, initStride: usize, outPtr: usize, outStride: usize, scratch: usize,
): void {
  const panelBytes = (depth * PANEL) << 2;
  const edge = scratch + ((MC * KC) << 2);
  for (let k0: usize = 0; k0 < depth; k0 += KC) {
    const kc = depth - k0 < KC ? depth - k0 : KC;
    for (let m0: usize = 0; m0 < rows; m0 += MC) {
      const mc = rows - m0 < MC ? rows - m0 : MC;
      packTiles(aPtr + ((m0 * aStride + k0) << 2), aStride, mc, kc, scratch);
      const out = outPtr + ((m0 * outStride) << 2);
      // the first depth block adds init, the next ones add to what the previous wrote
      const init = k0 == 0 ? (initPtr == 0 ? 0 : initPtr + ((m0 * initStride) << 2)) : out;
      blockProduct(scratch, mc, kc, bPtr + ((k0 * PANEL) << 2), panelBytes, bGroupBytes, width, groups, groupStride, init, k0 == 0 ? initStride : outStride, out, outStride, edge);
    }
  }
}

/** First unit of thread `thread`'s share of `units` for the packed products (shares are whole panels, multiples of PANEL; the last takes the rest). */
// @ts-ignore: decorator
@inline export function panelShareStart(units: i32, thread: i32, threads: i32): i32 {
  const panels = (units + <i32>PANEL - 1) / <i32>PANEL;
  const start = ((panels * thread) / threads) * <i32>PANEL;
  return start < units ? start : units;
}

/** Row of the a operand of a weight gradient at depth index kk = b·T + s (see weightGradPacked). */
// @ts-ignore: decorator
@inline function stepRow(aPtr: usize, aStride: usize, a0Ptr: usize, aByTime: bool, T: usize, goBackwards: i32, kk: usize): usize {
  const b = kk / T;
  const s = kk - b * T;
  if (aByTime) return aPtr + (((b * T + (goBackwards != 0 ? T - 1 - s : s)) * aStride) << 2);
  return s == 0 ? a0Ptr + ((b * aStride) << 2) : aPtr + (((kk - 1) * aStride) << 2);
}

/**
 * Packs columns [c0, c0 + width) of the rows of src [B, T, stride srcStride] into panels of depth B·T in the order
 * kk = b·T + s of the weight gradients: dst[p, kk, i] = src[b, t(s), c0 + p·PANEL + i], t(s) = s, or T − 1 − s with
 * goBackwards; 0 past the last column. (dZ, by time index, as the right operand of weightGradPacked.)
 */
export function packPanelsByStep(srcPtr: usize, srcStride: usize, B: usize, T: usize, goBackwards: i32, c0: usize, width: usize, dstPtr: usize): void {
  const depth = B * T;
  for (let p: usize = 0; p * PANEL < width; p++) {
    const cols = width - p * PANEL < PANEL ? width - p * PANEL : PANEL;
    let dst = dstPtr + ((p * depth * PANEL) << 2);
    for (let kk: usize = 0; kk < depth; kk++) {
      const src = stepRow(srcPtr, srcStride, 0, true, T, goBackwards, kk) + ((c0 + p * PANEL) << 2);
      if (cols == PANEL) {
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
      } else {
        for (let i: usize = 0; i < PANEL; i++) store<f32>(dst + (i << 2), i < cols ? load<f32>(src + (i << 2)) : 0);
      }
      dst += PANEL << 2;
    }
  }
}

/**
 * Packs, for a weight gradient, rows [m0, m0 + mc) (features) and depth [k0, k0 + kc) of the transposed a operand
 * into tiles: dst[q, k, r] = a_(k0+k)[m0 + q·TILE_ROWS + r], 0 past row mc (see weightGradPacked for a_kk).
 */
function packTilesByStep(
  aPtr: usize, aStride: usize, a0Ptr: usize, aByTime: bool, T: usize, goBackwards: i32, m0: usize, mc: usize, k0: usize,
  kc: usize, dstPtr: usize,
): void {
  const fullTiles = mc / TILE_ROWS;
  const tiles = (mc + TILE_ROWS - 1) / TILE_ROWS;
  const tileBytes = (kc * TILE_ROWS) << 2;
  for (let k: usize = 0; k < kc; k++) {
    const row = stepRow(aPtr, aStride, a0Ptr, aByTime, T, goBackwards, k0 + k) + (m0 << 2);
    let dst = dstPtr + ((k * TILE_ROWS) << 2);
    let q: usize = 0;
    for (; q < fullTiles; q++) {
      const src = row + ((q * TILE_ROWS) << 2);
      v128.store(dst, v128.load(src)); // rows 0–3 of the tile, then the rest
      for (let r: usize = 4; r < TILE_ROWS; r++) store<f32>(dst + (r << 2), load<f32>(src + (r << 2)));
      dst += tileBytes;
    }
    for (; q < tiles; q++) {
      for (let r: usize = 0; r < TILE_ROWS; r++) {
        const m = q * TILE_ROWS + r;
        store<f32>(dst + (r << 2), m < mc ? load<f32>(row + (m << 2)) : 0);
      }
      dst += tileBytes;
    }
  }
}

/**
 * A weight gradient as one packed product over depth kk = b·T + s: dst[k, g·groupStride + c] = Σ_kk a_kk[k] ·
 * Z_g[kk, c] for k < rows, c < width, g < groups (dst's row stride dstStride floats; written, not added to). Z_g
 * is packed by packPanelsByStep (depth B·T) at zPtr + g·zGroupBytes. With `aByTime`, a_kk is a[b, t(s)] (the input
 * x, stride aStride); otherwise it is the state before step s: a0[b] (h0) for s = 0, else a[b, s − 1] (y, by
 * step). `scratch`: PACK_SCRATCH_FLOATS floats of the calling thread's own.
 */
export function weightGradPacked(
  dstPtr: usize, dstStride: usize, rows: usize, aPtr: usize, aStride: usize, a0Ptr: usize, aByTime: bool, zPtr: usize,
  zGroupBytes: usize, width: usize, groups: usize, groupStride: usize, B: usize, T: usize, goBackwards: i32, scratch: usize,
): void {
  const depth = B * T;
  const panelBytes = (depth * PANEL) << 2;
  const edge = scratch + ((MC * KC) << 2);
  for (let k0: usize = 0; k0 < depth; k0 += KC) {
    const kc = depth - k0 < KC ? depth - k0 : KC;
    for (let m0: usize = 0; m0 < rows; m0 += MC) {
      const mc = rows - m0 < MC ? rows - m0 : MC;
      packTilesByStep(aPtr, aStride, a0Ptr, aByTime, T, goBackwards, m0, mc, k0, kc, scratch);
      const out = dstPtr + ((m0 * dstStride) << 2);
      blockProduct(scratch, mc, kc, zPtr + ((k0 * PANEL) << 2), panelBytes, zGroupBytes, width, groups, groupStride, k0 == 0 ? 0 : out, dstStride, out, dstStride, edge);
    }
  }
}

/**
 * dst[g·groupStride + c] = Σ_b Σ_t Z_g[b, t, c] for c < width, g < groups, from panels packed by packPanelsByStep
 * (depth B·T, rows in the order b·T + s), summed in the order of b, then t (as the rows of Z by time index).
 */
export function panelColumnSums(
  zPtr: usize, zGroupBytes: usize, B: usize, T: usize, goBackwards: i32, width: usize, groups: usize, groupStride: usize,
  dstPtr: usize,
): void {
  const depth = B * T;
  for (let g: usize = 0; g < groups; g++) {
    for (let p: usize = 0; p * PANEL < width; p++) {
      const panel = zPtr + g * zGroupBytes + ((p * depth * PANEL) << 2);
      const dst = dstPtr + ((g * groupStride + p * PANEL) << 2);
      const cols = width - p * PANEL < PANEL ? width - p * PANEL : PANEL;
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
      for (let b: usize = 0; b < B; b++) {
        for (let t: usize = 0; t < T; t++) {
          const z = panel + (((b * T + (goBackwards != 0 ? T - 1 - t : t)) * PANEL) << 2);
          s0 = f32x4.add(s0, v128.load(z));
          s1 = f32x4.add(s1, v128.load(z, 16));
        }
      }
      if (cols == PANEL) {
        v128.store(dst, s0);
        v128.store(dst, s1, 16);
      } else {
        // a panel past the last column: its valid lanes one by one
        if (cols > 0) store<f32>(dst, f32x4.extract_lane(s0, 0));
        if (cols > 1) store<f32>(dst, f32x4.extract_lane(s0, 1), 4);
        if (cols > 2) store<f32>(dst, f32x4.extract_lane(s0, 2), 8);
        if (cols > 3) store<f32>(dst, f32x4.extract_lane(s0, 3), 12);
        if (cols > 4) store<f32>(dst, f32x4.extract_lane(s1, 0), 16);
        if (cols > 5) store<f32>(dst, f32x4.extract_lane(s1, 1), 20);
        if (cols > 6) store<f32>(dst, f32x4.extract_lane(s1, 2), 24);
      }
    }
  }
}
