import { rnnBackward } from "./rnn-backward";
import { RnnCellsError } from "./rnn-cells-error";
import { checkSequence, rnnForward } from "./rnn-forward";
import type { RnnState, SequenceShape } from "./rnn-forward";
import type { FloatArray, ResolvedRnnSpec, RnnSpec, RnnWeights } from "./rnn-spec";

/** Matrix norm used by {@link gradientFlow}. */
export type JacobianNorm = "spectral" | "frobenius";

/** Options of {@link gradientFlow}. */
export interface GradientFlowOptions {
  /** Largest `t − k` to report. @default time − from */
  readonly maxLag?: number;
  /** `k`: index of the state the derivative is taken with respect to; 0 is the initial state. @default 0 */
  readonly from?: number;
  /** Which sequence of the batch to analyse. @default 0 */
  readonly batchIndex?: number;
  /** Initial state of the whole batch, as in {@link RnnForwardOptions.initialState}. @default zeros */
  readonly initialState?: RnnState;
  /** `"spectral"` (largest singular value, the ‖·‖₂ of the vanishing/exploding-gradient bounds) or `"frobenius"`. @default "spectral" */
  readonly norm?: JacobianNorm;
}

/** Result of {@link gradientFlow}: entry `i` is for `t − k = lags[i]`. */
export interface GradientFlowResult {
  /** `1 … maxLag`. */
  readonly lags: readonly number[];
  /** `‖∂h_t/∂h_k‖` (for LSTM: with `c_k` held fixed, every path through `c` included). */
  readonly hidden: Float64Array;
  /** LSTM only: `‖∂c_t/∂c_k‖` with `h_k` held fixed. */
  readonly cell: Float64Array | undefined;
  /** LSTM only: the cell path alone, `‖Π_{s=k+1..t} diag(f_s)‖₂ = max_j Π f_{s,j}` (the "constant error carousel"). */
  readonly forgetPath: Float64Array | undefined;
}

/**
 * Largest singular value of a square `[n, n]` row-major matrix: the square root of the largest
 * eigenvalue of MᵀM, found with cyclic Jacobi rotations (exact up to rounding even when the top
 * singular values are nearly equal, where power iteration stalls).
 */
function spectralNorm(m: Float64Array, n: number): number {
  const a = new Float64Array(n * n);
  for (let r = 0; r < n; r++)
    for (let c = 0; c < n; c++) {
      let acc = 0;
      for (let k = 0; k < n; k++) acc += m[k * n + r]! * m[k * n + c]!;
      a[r * n + c] = acc;
    }
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! ** 2;
    if (off === 0) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (apq === 0) continue;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
      }
  }
  let max = 0;
  for (let i = 0; i < n; i++) max = Math.max(max, a[i * n + i]!);
  return Math.sqrt(max);
}

function frobenius(m: Float64Array): number {
  let s = 0;
  for (let i = 0; i < m.length; i++) s += m[i]! * m[i]!;
  return Math.sqrt(s);
}

/**
 * Gradient flow through time: the norm of the Jacobian `∂h_t/∂h_k` of a later hidden state with respect to an
 * earlier one, for `t − k = 1 … maxLag`. The chapter's `∂h_t/∂h_k = Π_{s=k+1..t} ∂h_s/∂h_{s−1}` is built
 * here as that product of exact one-step Jacobians (each row from {@link rnnBackward} on one step), at
 * the states the forward pass reaches on `inputs`. Small recurrent weights make it decay geometrically,
 * large ones make it grow (until the activation saturates); an LSTM whose forget gate is near 1 keeps
 * `‖∂c_t/∂c_k‖` near 1.
 *
 * @param inputs `[batch, time, features]`; one sequence (`batchIndex`) is analysed.
 * @throws {RangeError} when `from`, `maxLag` or `batchIndex` is out of range, or for an unknown norm.
 * @throws everything {@link rnnForward} throws for bad arguments.
 * @example
 * const flow = gradientFlow(spec, weights, x, [1, 30, 4], { maxLag: 20 });
 * flow.hidden[9] // ‖∂h_10/∂h_0‖₂
 */
export function gradientFlow(
  spec: RnnSpec | ResolvedRnnSpec,
  weights: RnnWeights,
  inputs: FloatArray,
  inputShape: SequenceShape,
  options: GradientFlowOptions = {},
): GradientFlowResult {
  const args = checkSequence(spec, weights, inputs, inputShape, options);
  const s = args.spec;
  const { batch, time, features } = args;
  const units = s.units;
  const isLstm = s.cell === "lstm";
  const from = options.from ?? 0;
  if (!(Number.isInteger(from) && from >= 0 && from < time)) {
    throw new RangeError(`expected from to be an integer in [0, ${time - 1}], got ${from}`);
  }
  const maxLag = options.maxLag ?? time - from;
  if (!(Number.isInteger(maxLag) && maxLag >= 1 && from + maxLag <= time)) {
    throw new RangeError(`expected maxLag to be an integer in [1, ${time - from}] (time − from), got ${maxLag}`);
  }
  const bi = options.batchIndex ?? 0;
  if (!(Number.isInteger(bi) && bi >= 0 && bi < batch)) {
    throw new RangeError(`expected batchIndex to be an integer in [0, ${batch - 1}], got ${bi}`);
  }
  const norm = options.norm ?? "spectral";
  if (norm !== "spectral" && norm !== "frobenius") {
    throw new RangeError(`expected norm "spectral" or "frobenius", got ${JSON.stringify(norm)}`);
  }

  const x = Float64Array.from(inputs.subarray(bi * time * features, (bi + 1) * time * features));
  const init: RnnState =
    options.initialState === undefined
      ? isLstm
        ? { h: new Float64Array(units), c: new Float64Array(units) }
        : { h: new Float64Array(units) }
      : {
          h: Float64Array.from(options.initialState.h.subarray(bi * units, (bi + 1) * units)),
          ...(options.initialState.c === undefined
            ? {}
            : { c: Float64Array.from(options.initialState.c.subarray(bi * units, (bi + 1) * units)) }),
        };
  const full = rnnForward(s, weights, x, [1, time, features], { initialState: init, returnSequences: true });
  const stateAt = (k: number): RnnState => {
    if (k === 0) return full.initialState;
    const h = full.hiddenStates.slice((k - 1) * units, k * units);
    return isLstm ? { h, c: full.cellStates!.slice((k - 1) * units, k * units) } : { h };
  };

  // n = size of the state the Jacobian acts on: h, or (h, c) for LSTM.
  const n = isLstm ? 2 * units : units;
  /** One-step Jacobian ∂state_step/∂state_{step−1} `[n, n]`, row i from a VJP with e_i. */
  const stepJacobian = (step: number): Float64Array => {
    const j = new Float64Array(n * n);
    const xs = x.subarray((step - 1) * features, step * features);
    const fwd = rnnForward(s, weights, xs, [1, 1, features], { initialState: stateAt(step - 1) });
    for (let i = 0; i < n; i++) {
      const e = new Float64Array(units);
      e[i % units] = 1;
      const up = i < units ? { h: e } : { c: e };
      const g = rnnBackward(weights, fwd, { finalState: up });
      j.set(g.initialState.h, i * n);
      if (isLstm) j.set(g.initialState.c!, i * n + units);
    }
    return j;
  };

  const measure = (m: Float64Array, rowOff: number, colOff: number): number => {
    const block = new Float64Array(units * units);
    for (let r = 0; r < units; r++) for (let c = 0; c < units; c++) block[r * units + c] = m[(rowOff + r) * n + colOff + c]!;
    return norm === "spectral" ? spectralNorm(block, units) : frobenius(block);
  };

  const hidden = new Float64Array(maxLag);
  const cell = isLstm ? new Float64Array(maxLag) : undefined;
  const forgetPath = isLstm ? new Float64Array(maxLag) : undefined;
  const forgetProduct = new Float64Array(units).fill(1);
  let product: Float64Array | undefined;
  for (let lag = 1; lag <= maxLag; lag++) {
    const step = from + lag;
    const j = stepJacobian(step);
    if (product === undefined) product = j;
    else {
      const next = new Float64Array(n * n);
      for (let r = 0; r < n; r++)
        for (let k = 0; k < n; k++) {
          const a = j[r * n + k]!;
          if (a === 0) continue;
          for (let c = 0; c < n; c++) next[r * n + c]! += a * product[k * n + c]!;
        }
      product = next;
    }
    if (!product.every(Number.isFinite)) {
      throw new RnnCellsError("NON_FINITE", `expected a finite Jacobian product, got overflow at t − k = ${lag}`);
    }
    hidden[lag - 1] = measure(product, 0, 0);
    if (cell !== undefined && forgetPath !== undefined) {
      cell[lag - 1] = measure(product, units, units);
      let maxF = 0;
      for (let u = 0; u < units; u++) {
        forgetProduct[u] = forgetProduct[u]! * full.gateActivations[(step - 1) * 4 * units + units + u]!;
        maxF = Math.max(maxF, Math.abs(forgetProduct[u]!));
      }
      forgetPath[lag - 1] = maxF;
    }
  }
  return { lags: Array.from({ length: maxLag }, (_, i) => i + 1), hidden, cell, forgetPath };
}
