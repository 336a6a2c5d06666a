// Element-wise math shared by the recurrent kernel modules (recurrent.ts on the tfjs heap, sequence.ts on shared
// memory): 4-lane activations and their derivatives, flushing of tiny values, and lane loads/stores.

export const FLUSH: f32 = 1e-30;

// Activation codes (ActivationCode in recurrent-activation.ts).
export const LINEAR = 0;
export const TANH = 1;
export const SIGMOID = 2;
export const HARD_SIGMOID = 3;
export const RELU = 4;
export const SOFTSIGN = 5;
export const ELU = 6;
export const SELU = 7;
export const SOFTPLUS = 8;

// selu's λ and λ·α (tfjs's SELU_SCALE, SELU_SCALEALPHA)
const SELU_SCALE: f32 = 1.0507009873554804934193349852946;
const SELU_SCALE_ALPHA: f32 = 1.7580993408473768599402175208123;

/**
 * e^x for 4 lanes: Cephes-style range reduction and degree-5 polynomial, relative error about 1e-7. Written with
 * operations that map to single x86 instructions in V8: pmin/pmax for the clamp, and the float-add trick
 * (x·log2e + 1.5·2^23) for round-to-nearest and the integer k at once, instead of nearest and trunc_sat.
 */
// @ts-ignore: decorator
@inline export function expv(x: v128): v128 {
  x = f32x4.pmax(f32x4.pmin(x, f32x4.splat(88.0)), f32x4.splat(-87.0));
  const magic = f32x4.splat(12582912.0); // 1.5 · 2^23: adding it rounds to an integer kept in the low mantissa bits
  const shifted = f32x4.add(f32x4.mul(x, f32x4.splat(1.44269504088896341)), magic);
  const k = f32x4.sub(shifted, magic);
  let r = f32x4.sub(x, f32x4.mul(k, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(k, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  const y = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), f32x4.splat(1.0));
  // bits(shifted) = bits(magic) + k; 2^k has exponent bits k + 127
  const pow2 = i32x4.shl(i32x4.add(i32x4.sub(shifted, i32x4.splat(0x4b400000)), i32x4.splat(127)), 23);
  return f32x4.mul(y, pow2);
}

/**
 * log(1 + u) for 4 lanes with u in [0, 1]: 2·atanh(s), s = u / (2 + u) in [0, 1/3], as its odd series up to s^15
 * (the next term is below 1e-8 of the result).
 */
// @ts-ignore: decorator
@inline export function log1pUnit(u: v128): v128 {
  const s = f32x4.div(u, f32x4.add(u, f32x4.splat(2.0)));
  const s2 = f32x4.mul(s, s);
  let p = f32x4.splat(<f32>(1.0 / 15.0));
  p = f32x4.add(f32x4.mul(p, s2), f32x4.splat(<f32>(1.0 / 13.0)));
  p = f32x4.add(f32x4.mul(p, s2), f32x4.splat(<f32>(1.0 / 11.0)));
  p = f32x4.add(f32x4.mul(p, s2), f32x4.splat(<f32>(1.0 / 9.0)));
  p = f32x4.add(f32x4.mul(p, s2), f32x4.splat(<f32>(1.0 / 7.0)));
  p = f32x4.add(f32x4.mul(p, s2), f32x4.splat(<f32>(1.0 / 5.0)));
  p = f32x4.add(f32x4.mul(p, s2), f32x4.splat(<f32>(1.0 / 3.0)));
  p = f32x4.add(f32x4.mul(p, s2), f32x4.splat(1.0));
  return f32x4.mul(f32x4.add(s, s), p);
}

// @ts-ignore: decorator
@inline export function activate(x: v128, code: i32): v128 {
  if (code == TANH) {
    // tanh(x) = 1 − 2 / (e^{2x} + 1)
    const e = expv(f32x4.add(x, x));
    return f32x4.sub(f32x4.splat(1.0), f32x4.div(f32x4.splat(2.0), f32x4.add(e, f32x4.splat(1.0))));
  }
  if (code == SIGMOID) {
    return f32x4.div(f32x4.splat(1.0), f32x4.add(f32x4.splat(1.0), expv(f32x4.neg(x))));
  }
  if (code == HARD_SIGMOID) {
    const y = f32x4.add(f32x4.mul(x, f32x4.splat(0.2)), f32x4.splat(0.5));
    return f32x4.max(f32x4.min(y, f32x4.splat(1.0)), f32x4.splat(0.0));
  }
  if (code == RELU) return f32x4.max(x, f32x4.splat(0.0));
  if (code >= SOFTSIGN) return activateMore(x, code);
  return x;
}

/** The activation's derivative at the point whose activation is y. */
// @ts-ignore: decorator
@inline export function derivative(y: v128, code: i32): v128 {
  if (code == TANH) return f32x4.sub(f32x4.splat(1.0), f32x4.mul(y, y));
  if (code == SIGMOID) return f32x4.mul(y, f32x4.sub(f32x4.splat(1.0), y));
  if (code == HARD_SIGMOID) {
    const inside = v128.and(f32x4.gt(y, f32x4.splat(0.0)), f32x4.lt(y, f32x4.splat(1.0)));
    return v128.and(f32x4.splat(0.2), inside);
  }
  if (code == RELU) return v128.and(f32x4.splat(1.0), f32x4.gt(y, f32x4.splat(0.0)));
  if (code >= SOFTSIGN) return derivativeMore(y, code);
  return f32x4.splat(1.0);
}

// The activations added after the first five, out of line so that every inlined activate() stays small (the
// module is about half the size it would be with them inlined at every call site); one call per 4 lanes.
function activateMore(x: v128, code: i32): v128 {
  if (code == SOFTSIGN) return f32x4.div(x, f32x4.add(f32x4.splat(1.0), f32x4.abs(x)));
  if (code == ELU || code == SELU) {
    // e^x − 1 on the negative side (e^min(x, 0), so large x cannot overflow), x on the positive side
    const em1 = f32x4.sub(expv(f32x4.min(x, f32x4.splat(0.0))), f32x4.splat(1.0));
    const positive = f32x4.gt(x, f32x4.splat(0.0));
    if (code == ELU) return v128.bitselect(x, em1, positive);
    return v128.bitselect(f32x4.mul(x, f32x4.splat(SELU_SCALE)), f32x4.mul(em1, f32x4.splat(SELU_SCALE_ALPHA)), positive);
  }
  if (code == SOFTPLUS) {
    // max(x, 0) + log1p(e^−|x|)
    return f32x4.add(f32x4.max(x, f32x4.splat(0.0)), log1pUnit(expv(f32x4.neg(f32x4.abs(x)))));
  }
  return x;
}

function derivativeMore(y: v128, code: i32): v128 {
  if (code == SOFTSIGN) {
    const a = f32x4.sub(f32x4.splat(1.0), f32x4.abs(y));
    return f32x4.mul(a, a);
  }
  if (code == ELU) return v128.bitselect(f32x4.splat(1.0), f32x4.add(y, f32x4.splat(1.0)), f32x4.gt(y, f32x4.splat(0.0)));
  if (code == SELU) {
    return v128.bitselect(f32x4.splat(SELU_SCALE), f32x4.add(y, f32x4.splat(SELU_SCALE_ALPHA)), f32x4.gt(y, f32x4.splat(0.0)));
  }
  if (code == SOFTPLUS) return f32x4.sub(f32x4.splat(1.0), expv(f32x4.neg(y)));
  return f32x4.splat(1.0);
}

// @ts-ignore: decorator
@inline export function flush(v: v128): v128 {
  return v128.andnot(v, f32x4.lt(f32x4.abs(v), f32x4.splat(FLUSH)));
}

// Loads and stores of 4 lanes (vec) or of one value in lane 0 (the tail of a row).
// @ts-ignore: decorator
@inline export function ld(p: usize, vec: bool): v128 {
  return vec ? v128.load(p) : f32x4.splat(load<f32>(p));
}
// @ts-ignore: decorator
@inline export function ldOpt(base: usize, offset: usize, vec: bool): v128 {
  return base == 0 ? f32x4.splat(0.0) : ld(base + offset, vec);
}
// @ts-ignore: decorator
@inline export function st(p: usize, v: v128, vec: bool): void {
  if (vec) v128.store(p, v);
  else store<f32>(p, f32x4.extract_lane(v, 0));
}

// @ts-ignore: decorator
@inline export function maskedOut(maskPtr: usize, index: usize): bool {
  return maskPtr != 0 && load<f32>(maskPtr + (index << 2)) == 0;
}


/**
 * The LSTM cell update for 4 units (or 1 in lane 0) at byte offset o4 of rows whose gate blocks are u4 bytes apart,
 * from the gate pre-activations zi, zf, zg, zo and the previous cell state: stores the gates (i, f, g, o) at gRow,
 * c = f·cPrev + i·g at cRow and h = o·act(c) at hRow, c and h flushed.
 */
// @ts-ignore: decorator
@inline export function lstmCellForward(
  zi: v128, zf: v128, zg: v128, zo: v128, cPrev: v128, gRow: usize, cRow: usize, hRow: usize,
  o4: usize, u4: usize, act: i32, rec: i32, vec: bool,
): void {
  const i = activate(zi, rec);
  const f = activate(zf, rec);
  const g = activate(zg, act);
  const o = activate(zo, rec);
  st(gRow + o4, i, vec);
  st(gRow + u4 + o4, f, vec);
  st(gRow + 2 * u4 + o4, g, vec);
  st(gRow + 3 * u4 + o4, o, vec);
  const c = flush(f32x4.add(f32x4.mul(f, cPrev), f32x4.mul(i, g)));
  st(cRow + o4, c, vec);
  st(hRow + o4, flush(f32x4.mul(o, activate(c, act))), vec);
}

/**
 * The LSTM cell's backward equations for 4 units (or 1 in lane 0) of a real (unmasked) step: from dh and dcIn (the
 * gradients reaching h and c of this step), the saved gates at gRow, c at cRow and cPrev at cPrevRow, stores the
 * gate pre-activation gradients at dzRow and the gradient reaching cPrev at dcPrevRow.
 * Gradients are flushed.
 */
// @ts-ignore: decorator
@inline export function lstmCellBackward(
  dh: v128, dcIn: v128, gRow: usize, cRow: usize, cPrevRow: usize, dzRow: usize, dcPrevRow: usize,
  o4: usize, u4: usize, act: i32, rec: i32, vec: bool,
): void {
  const i = ld(gRow + o4, vec);
  const f = ld(gRow + u4 + o4, vec);
  const g = ld(gRow + 2 * u4 + o4, vec);
  const o = ld(gRow + 3 * u4 + o4, vec);
  const tc = activate(ld(cRow + o4, vec), act);
  const dc = f32x4.add(dcIn, f32x4.mul(f32x4.mul(dh, o), derivative(tc, act)));
  st(dzRow + o4, flush(f32x4.mul(f32x4.mul(dc, g), derivative(i, rec))), vec);
  st(dzRow + u4 + o4, flush(f32x4.mul(f32x4.mul(dc, ld(cPrevRow + o4, vec)), derivative(f, rec))), vec);
  st(dzRow + 2 * u4 + o4, flush(f32x4.mul(f32x4.mul(dc, i), derivative(g, act))), vec);
  st(dzRow + 3 * u4 + o4, flush(f32x4.mul(f32x4.mul(dh, tc), derivative(o, rec))), vec);
  st(dcPrevRow + o4, flush(f32x4.mul(dc, f)), vec);
}

/** The GRU's new state z ⊙ h_{t−1} + (1 − z) ⊙ ĥ, flushed; h_{t−1} itself on a masked row. */
// @ts-ignore: decorator
@inline export function gruUpdate(z: v128, hPrev: v128, hh: v128, valid: bool): v128 {
  if (!valid) return hPrev;
  return flush(f32x4.add(f32x4.mul(z, hPrev), f32x4.mul(f32x4.sub(f32x4.splat(1.0), z), hh)));
}

/**
 * The GRU's backward equations that need no product, for 4 units (or 1 in lane 0) of a real (unmasked) step: from dh
 * (the gradient reaching h_t), z, ĥ and h_{t−1} (as the update used it), stores the candidate's pre-activation
 * gradient at dzhAt, the update gate's at dzzAt and dh ⊙ z (the part of dh_{t−1} that bypasses the products) at
 * dhPartialAt, flushed; returns the candidate's.
 */
// @ts-ignore: decorator
@inline export function gruStateBackward(
  dh: v128, z: v128, hh: v128, hPrev: v128, dzhAt: usize, dzzAt: usize, dhPartialAt: usize, act: i32, rec: i32, vec: bool,
): v128 {
  const dzh = flush(f32x4.mul(f32x4.mul(dh, f32x4.sub(f32x4.splat(1.0), z)), derivative(hh, act)));
  st(dzhAt, dzh, vec);
  st(dzzAt, flush(f32x4.mul(f32x4.mul(dh, f32x4.sub(hPrev, hh)), derivative(z, rec))), vec);
  st(dhPartialAt, flush(f32x4.mul(dh, z)), vec);
  return dzh;
}

/**
 * The reset-after GRU's reset-gate gradients for 4 units (or 1) of a real step: from dzh (the candidate's
 * pre-activation gradient), r and rc = h_{t−1}·U_h + b′_h, stores the reset gate's pre-activation gradient at drAt
 * and the recurrent side's candidate gradient dzh ⊙ r at dzhRecAt, flushed.
 */
// @ts-ignore: decorator
@inline export function gruResetAfterBackward(dzh: v128, r: v128, rc: v128, drAt: usize, dzhRecAt: usize, rec: i32, vec: bool): void {
  st(drAt, flush(f32x4.mul(f32x4.mul(dzh, rc), derivative(r, rec))), vec);
  st(dzhRecAt, flush(f32x4.mul(dzh, r)), vec);
}

/**
 * The SimpleRNN's backward equations for 4 units (or 1): from dh (the gradient reaching the step's output h), stores
 * the pre-activation gradient dh ⊙ φ′ at dzAt and 0 at carryAt (nothing bypasses the product); on a masked row 0 at
 * dzAt and all of dh at carryAt.
 */
// @ts-ignore: decorator
@inline export function simpleCellBackward(dh: v128, h: v128, dzAt: usize, carryAt: usize, act: i32, valid: bool, vec: bool): void {
  if (!valid) {
    st(dzAt, f32x4.splat(0.0), vec);
    st(carryAt, dh, vec);
    return;
  }
  st(dzAt, flush(f32x4.mul(dh, derivative(h, act))), vec);
  st(carryAt, f32x4.splat(0.0), vec);
}
