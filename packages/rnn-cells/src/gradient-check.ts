import { seededRandom } from "./init-weights";
import { rnnBackward } from "./rnn-backward";
import type { RnnUpstreamGradients, TruncationMode } from "./rnn-backward";
import { RnnCellsError } from "./rnn-cells-error";
import { checkSequence, rnnForward, timeIndex } from "./rnn-forward";
import type { RnnForwardOptions, RnnState, SequenceShape } from "./rnn-forward";
import type { FloatArray, ResolvedRnnSpec, RnnSpec, RnnWeights } from "./rnn-spec";

/**
 * Central-difference gradient `(f(x + εe_i) − f(x − εe_i)) / 2ε` of a scalar function, one
 * coordinate at a time (error O(ε²)). `x` is perturbed in place and restored exactly.
 *
 * @param f the scalar function.
 * @param x the point `[n]`.
 * @param epsilon the step ε.
 * @default epsilon 1e-5 (float64: truncation error ~1e-10, rounding ~1e-11 relative)
 * @throws {RangeError} when `epsilon` is not positive and finite.
 * @throws {RnnCellsError} `NON_FINITE` when `f` returns NaN / ±Infinity.
 * @example
 * numericGradient((x) => x[0]! * x[0]!, Float64Array.of(3)) // ≈ [6]
 */
export function numericGradient(f: (x: Float64Array) => number, x: Float64Array, epsilon = 1e-5): Float64Array {
  if (!(Number.isFinite(epsilon) && epsilon > 0)) {
    throw new RangeError(`expected epsilon > 0 and finite, got ${epsilon}`);
  }
  const grad = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const saved = x[i]!;
    x[i] = saved + epsilon;
    const plus = f(x);
    x[i] = saved - epsilon;
    const minus = f(x);
    x[i] = saved;
    if (!Number.isFinite(plus) || !Number.isFinite(minus)) {
      throw new RnnCellsError("NON_FINITE", `expected f to stay finite, got ${plus} / ${minus} perturbing index ${i}`);
    }
    grad[i] = (plus - minus) / (2 * epsilon);
  }
  return grad;
}

/**
 * Relative error of two gradients as whole vectors: `‖a − n‖₂ / (‖a‖₂ + ‖n‖₂)`, 0 when both are zero.
 * Unlike an element-wise ratio it is not dominated by entries that are zero up to rounding.
 *
 * @throws {RnnCellsError} `SHAPE_MISMATCH` when the lengths differ.
 * @example
 * relativeError([1, 2], [1, 2.000001]) // ≈ 2.2e-7
 */
export function relativeError(analytic: ArrayLike<number>, numeric: ArrayLike<number>): number {
  if (analytic.length !== numeric.length) {
    throw new RnnCellsError(
      "SHAPE_MISMATCH",
      `expected gradients of equal length, got ${analytic.length} and ${numeric.length}`,
    );
  }
  let diff = 0;
  let na = 0;
  let nn = 0;
  for (let i = 0; i < analytic.length; i++) {
    const a = analytic[i]!;
    const n = numeric[i]!;
    diff += (a - n) * (a - n);
    na += a * a;
    nn += n * n;
  }
  const denom = Math.sqrt(na) + Math.sqrt(nn);
  return denom === 0 ? 0 : Math.sqrt(diff) / denom;
}

/** Options of {@link gradientCheck}: the forward options, the truncation, and the loss. */
export interface GradientCheckOptions extends Omit<RnnForwardOptions, "dtype"> {
  /** Truncated BPTT window, as in {@link RnnBackwardOptions.truncate}. @default undefined (full BPTT) */
  readonly truncate?: number;
  /** As in {@link RnnBackwardOptions.truncateMode}. @default "sliding" */
  readonly truncateMode?: TruncationMode;
  /**
   * The loss is `L = ⟨upstream.output, output⟩ + ⟨upstream.finalState.h, h_T⟩ + ⟨upstream.finalState.c, c_T⟩`.
   * @default a seeded uniform [−1, 1] gradient on `output`
   */
  readonly upstream?: RnnUpstreamGradients;
  /** Seed of the default upstream gradient. @default 0 */
  readonly seed?: number;
  /** Finite-difference step. @default 1e-5 */
  readonly epsilon?: number;
}

/** One checked tensor of a {@link GradientCheckResult}. */
export interface GradientCheckEntry {
  /** `kernel`, `recurrentKernel`, `bias`, `inputs`, `initialState.h` or `initialState.c`. */
  readonly name: string;
  /** {@link relativeError} of analytic vs numeric. */
  readonly relativeError: number;
  /** Largest `|analytic_i − numeric_i|`. */
  readonly maxAbsError: number;
  /** From {@link rnnBackward}. */
  readonly analytic: Float64Array;
  /** From central differences. */
  readonly numeric: Float64Array;
}

/** Result of {@link gradientCheck}. */
export interface GradientCheckResult {
  readonly entries: readonly GradientCheckEntry[];
  /** Largest relative error over the entries. */
  readonly maxRelativeError: number;
  /** The loss at the unperturbed point. */
  readonly loss: number;
}

interface Window {
  readonly lo: number;
  readonly hi: number;
  readonly injectAt: (step: number) => boolean;
}

/**
 * Checks {@link rnnBackward} against central differences of the linear loss
 * `L = ⟨upstream, outputs⟩`, in float64, for every element of the kernel, recurrent kernel, bias,
 * inputs and initial state (zeros if none is given). With `truncate`, the numeric side
 * differentiates the truncated objective exactly: each window is re-run from the state the full
 * forward pass reached before it, held constant, so truncated gradients are checked too.
 *
 * Cost: two forward passes per checked element; keep shapes small.
 *
 * @throws everything {@link rnnForward} and {@link rnnBackward} throw for bad arguments.
 * @example
 * const r = gradientCheck({ cell: "lstm", units: 3, inputDim: 2 }, initWeights(spec), x, [2, 5, 2], { truncate: 2 });
 * r.maxRelativeError < 1e-6 // true
 */
export function gradientCheck(
  spec: RnnSpec | ResolvedRnnSpec,
  weights: RnnWeights,
  inputs: FloatArray,
  inputShape: SequenceShape,
  options: GradientCheckOptions = {},
): GradientCheckResult {
  const args = checkSequence(spec, weights, inputs, inputShape, options);
  const s = args.spec;
  const { batch, time, features } = args;
  const units = s.units;
  const isLstm = s.cell === "lstm";
  const goBackwards = options.goBackwards ?? false;
  const returnSequences = options.returnSequences ?? false;

  const kernel = Float64Array.from(weights.kernel);
  const recurrentKernel = Float64Array.from(weights.recurrentKernel);
  const bias = weights.bias === undefined ? undefined : Float64Array.from(weights.bias);
  const x = Float64Array.from(inputs);
  const h0 = options.initialState === undefined ? new Float64Array(batch * units) : Float64Array.from(options.initialState.h);
  const c0 = !isLstm
    ? undefined
    : options.initialState?.c === undefined
      ? new Float64Array(batch * units)
      : Float64Array.from(options.initialState.c);
  const w: RnnWeights = bias === undefined ? { kernel, recurrentKernel } : { kernel, recurrentKernel, bias };
  const init = (): RnnState => (c0 === undefined ? { h: h0 } : { h: h0, c: c0 });

  const forwardOptions: RnnForwardOptions = {
    initialState: init(),
    goBackwards,
    returnSequences,
    ...(options.mask === undefined ? {} : { mask: options.mask }),
  };
  const base = rnnForward(s, w, x, inputShape, forwardOptions);
  let upstream = options.upstream;
  if (upstream === undefined) {
    const rand = seededRandom(options.seed ?? 0);
    upstream = { output: Float64Array.from({ length: base.output.length }, () => 2 * rand() - 1) };
  }
  const grads = rnnBackward(w, base, upstream, {
    ...(options.truncate === undefined ? {} : { truncate: options.truncate }),
    ...(options.truncateMode === undefined ? {} : { truncateMode: options.truncateMode }),
  });

  // Detached states: what the unperturbed full pass held before each step.
  const baseH = Float64Array.from(base.hiddenStates);
  const baseC = base.cellStates === undefined ? undefined : Float64Array.from(base.cellStates);
  const k = options.truncate;
  const mode = options.truncateMode ?? "sliding";
  const windows: Window[] = [];
  if (k === undefined || k >= time) {
    windows.push({ lo: 0, hi: time - 1, injectAt: () => true });
  } else if (mode === "chunked") {
    for (let lo = 0; lo < time; lo += k) windows.push({ lo, hi: Math.min(lo + k, time) - 1, injectAt: () => true });
  } else {
    for (let target = 0; target < time; target++) {
      windows.push({ lo: Math.max(0, target - k + 1), hi: target, injectAt: (st) => st === target });
    }
  }
  const dOut = upstream.output;
  const dH = upstream.finalState?.h;
  const dC = upstream.finalState?.c;
  const mask = args.mask;

  const loss = (): number => {
    let total = 0;
    for (const win of windows) {
      const len = win.hi - win.lo + 1;
      // The window's time indices, in time order, and its start state.
      const tFirst = goBackwards ? timeIndex(win.hi, time, true) : win.lo;
      const sub = new Float64Array(batch * len * features);
      const subMask = mask === undefined ? undefined : new Uint8Array(batch * len);
      for (let b = 0; b < batch; b++) {
        for (let t = 0; t < len; t++) {
          const src = (b * time + tFirst + t) * features;
          sub.set(x.subarray(src, src + features), (b * len + t) * features);
          if (subMask !== undefined) subMask[b * len + t] = mask![b * time + tFirst + t]!;
        }
      }
      let start: RnnState;
      if (win.lo === 0) start = init();
      else {
        const sh = new Float64Array(batch * units);
        const sc = baseC === undefined ? undefined : new Float64Array(batch * units);
        for (let b = 0; b < batch; b++) {
          const off = (b * time + win.lo - 1) * units;
          sh.set(baseH.subarray(off, off + units), b * units);
          sc?.set(baseC!.subarray(off, off + units), b * units);
        }
        start = sc === undefined ? { h: sh } : { h: sh, c: sc };
      }
      const r = rnnForward(s, w, sub, [batch, len, features], {
        initialState: start,
        goBackwards,
        returnSequences: true,
        ...(subMask === undefined ? {} : { mask: subMask }),
      });
      for (let b = 0; b < batch; b++) {
        for (let step = win.lo; step <= win.hi; step++) {
          if (!win.injectAt(step)) continue;
          const off = (b * len + step - win.lo) * units;
          const last = step === time - 1;
          for (let j = 0; j < units; j++) {
            const h = r.hiddenStates[off + j]!;
            if (dOut !== undefined && returnSequences) total += dOut[(b * time + step) * units + j]! * h;
            if (last) {
              if (dOut !== undefined && !returnSequences) total += dOut[b * units + j]! * h;
              if (dH !== undefined) total += dH[b * units + j]! * h;
              if (dC !== undefined) total += dC[b * units + j]! * r.cellStates![off + j]!;
            }
          }
        }
      }
    }
    return total;
  };

  const eps = options.epsilon ?? 1e-5;
  const entries: GradientCheckEntry[] = [];
  const check = (name: string, param: Float64Array, analytic: FloatArray): void => {
    const numeric = numericGradient(() => loss(), param, eps);
    const a = Float64Array.from(analytic);
    let maxAbs = 0;
    for (let i = 0; i < a.length; i++) maxAbs = Math.max(maxAbs, Math.abs(a[i]! - numeric[i]!));
    entries.push({ name, relativeError: relativeError(a, numeric), maxAbsError: maxAbs, analytic: a, numeric });
  };
  check("kernel", kernel, grads.kernel);
  check("recurrentKernel", recurrentKernel, grads.recurrentKernel);
  if (bias !== undefined) check("bias", bias, grads.bias!);
  check("inputs", x, grads.inputs);
  check("initialState.h", h0, grads.initialState.h);
  if (c0 !== undefined) check("initialState.c", c0, grads.initialState.c!);
  return {
    entries,
    maxRelativeError: Math.max(...entries.map((e) => e.relativeError)),
    loss: loss(),
  };
}
