import { clipByGlobalNorm, clipByValue, globalNorm } from "./clip-gradients";
import { RnnCellsError } from "./rnn-cells-error";
import { timeIndex } from "./rnn-forward";
import type { RnnForwardResult, RnnState } from "./rnn-forward";
import { allocate, assertFinite, assertFloatArray, validateWeights } from "./rnn-spec";
import type { FloatArray, RnnWeights } from "./rnn-spec";

/** Gradients of a loss with respect to what {@link rnnForward} produced. Give at least one. */
export interface RnnUpstreamGradients {
  /**
   * `∂L/∂output`, in the layout of `forward.output`: `[batch, time, units]` (processing order) when the
   * forward pass used `returnSequences`, else `[batch, units]` (the last step). Zeros at the steps a
   * loss does not read give a many-to-one or any-subset loss.
   */
  readonly output?: FloatArray;
  /** `∂L/∂finalState`: `h` and (LSTM) `c`, each `[batch, units]`. */
  readonly finalState?: { readonly h?: FloatArray; readonly c?: FloatArray };
}

/** How gradients are truncated in time (see {@link RnnBackwardOptions.truncate}). */
export type TruncationMode = "sliding" | "chunked";

/** Options of {@link rnnBackward}. */
export interface RnnBackwardOptions {
  /**
   * Truncated BPTT with a window of `k` steps (a positive integer). Without it: full BPTT.
   * @default undefined (full BPTT)
   */
  readonly truncate?: number;
  /**
   * `"sliding"`: the gradient injected at processing step `s` flows back through steps `s, s−1, …, s−k+1`
   * only (the state before them is treated as a constant), so every output sees the same window
   * (Williams & Peng's BPTT(k)). `"chunked"`: the sequence is cut into consecutive chunks of `k`
   * processing steps and no gradient crosses a chunk boundary (what stateful Keras training on
   * `k`-step slices computes).
   * @default "sliding"
   */
  readonly truncateMode?: TruncationMode;
  /**
   * Clip every parameter-gradient element to `[−clipValue, clipValue]` (applied after `clipGlobalNorm`).
   * @default undefined (no clipping)
   */
  readonly clipValue?: number;
  /**
   * Rescale the parameter gradients (kernel, recurrentKernel, bias) so their global L2 norm is at most this.
   * @default undefined (no clipping)
   */
  readonly clipGlobalNorm?: number;
}

/** Result of {@link rnnBackward}. Arrays have the forward pass's dtype. */
export interface RnnGradients {
  /** `∂L/∂kernel` `[inputDim, G·units]`. */
  readonly kernel: FloatArray;
  /** `∂L/∂recurrentKernel` `[units, G·units]`. */
  readonly recurrentKernel: FloatArray;
  /** `∂L/∂bias` `[G·units]` (GRU `resetAfter`: `[2, 3·units]`); `undefined` without bias. */
  readonly bias: FloatArray | undefined;
  /** `∂L/∂inputs` `[batch, time, features]` (time order, like the inputs). Not clipped. */
  readonly inputs: FloatArray;
  /** `∂L/∂initialState`: `h` (and `c` for LSTM) `[batch, units]`. Not clipped. */
  readonly initialState: RnnState;
  /** Global L2 norm of the parameter gradients before any clipping. */
  readonly globalNorm: number;
}

/**
 * Backpropagation through time for the pass `forward` recorded: gradients of a loss `L`, given
 * `∂L/∂output` (any subset of steps) and/or `∂L/∂finalState`, with respect to the kernel, recurrent
 * kernel, bias, inputs and initial state. Masked steps pass the state gradient through unchanged
 * and contribute nothing else. With `truncate`, gradients stop after `k` steps (see
 * {@link RnnBackwardOptions}); with `clipValue` / `clipGlobalNorm`, parameter gradients are clipped.
 *
 * Per step (SimpleRNN): `δa_t = (δh_t) ⊙ φ'(a_t)`, `∂L/∂W += x_tᵀ δa_t`, `∂L/∂U += h_{t−1}ᵀ δa_t`,
 * `∂L/∂b += δa_t`, `∂L/∂x_t = δa_t Wᵀ`, `δh_{t−1} = δa_t Uᵀ + ∂L/∂o_{t−1}`; LSTM and GRU likewise through
 * their gates (LSTM also carries `δc_{t−1} = δc_t ⊙ f_t`).
 *
 * @param weights the same weights the forward pass used.
 * @param forward the result of {@link rnnForward}.
 * @throws {RnnCellsError} `SHAPE_MISMATCH` when an upstream gradient has the wrong length,
 *   `INVALID_ARGUMENT` when no upstream gradient is given or `c` is given for a cell without one,
 *   `NON_FINITE` for NaN / ±Infinity in the upstream gradients.
 * @throws {RangeError} for a truncation window that is not a positive integer, an unknown mode,
 *   or a clipping bound that is not positive and finite.
 * @example
 * const fwd = rnnForward(spec, weights, x, [2, 10, 3], { returnSequences: true });
 * const grads = rnnBackward(weights, fwd, { output: dLdOutput }, { truncate: 4, clipGlobalNorm: 1 });
 * grads.kernel // ∂L/∂kernel [3, G·units]
 */
export function rnnBackward(
  weights: RnnWeights,
  forward: RnnForwardResult,
  upstream: RnnUpstreamGradients,
  options: RnnBackwardOptions = {},
): RnnGradients {
  const s = forward.spec;
  validateWeights(s, weights);
  const { batch, time, features, units, goBackwards, mask } = forward;
  const G = s.gates;
  const cols = G * units;
  const isLstm = s.cell === "lstm";
  const stateShape = `[${batch}, ${units}]`;

  if (upstream.output === undefined && upstream.finalState === undefined) {
    throw new RnnCellsError("INVALID_ARGUMENT", "expected upstream.output or upstream.finalState, got neither");
  }
  const dOut = upstream.output;
  if (dOut !== undefined) {
    assertFloatArray("upstream.output", dOut, forward.output.length, `[${forward.outputShape.join(", ")}]`);
    assertFinite("upstream.output", dOut);
  }
  const dFinalH = upstream.finalState?.h;
  const dFinalC = upstream.finalState?.c;
  if (dFinalH !== undefined) {
    assertFloatArray("upstream.finalState.h", dFinalH, batch * units, stateShape);
    assertFinite("upstream.finalState.h", dFinalH);
  }
  if (dFinalC !== undefined) {
    if (!isLstm) {
      throw new RnnCellsError("INVALID_ARGUMENT", `expected no upstream.finalState.c for cell "${s.cell}", got an array`);
    }
    assertFloatArray("upstream.finalState.c", dFinalC, batch * units, stateShape);
    assertFinite("upstream.finalState.c", dFinalC);
  }
  const k = options.truncate;
  if (k !== undefined && !(Number.isInteger(k) && k > 0)) {
    throw new RangeError(`expected truncate to be a positive integer, got ${String(k)}`);
  }
  const mode = options.truncateMode ?? "sliding";
  if (mode !== "sliding" && mode !== "chunked") {
    throw new RangeError(`expected truncateMode "sliding" or "chunked", got ${JSON.stringify(mode)}`);
  }

  const W = weights.kernel;
  const U = weights.recurrentKernel;
  const phi = s.activation;
  const sigma = s.recurrentActivation;
  const inputs = forward.inputs;
  const H = forward.hiddenStates;
  const C = forward.cellStates;
  const pre = forward.gatePreactivations;
  const act = forward.gateActivations;
  const rcand = forward.recurrentCandidate;
  const initH = forward.initialState.h;
  const initC = forward.initialState.c;

  const dW = new Float64Array(W.length);
  const dU = new Float64Array(U.length);
  const dB = s.useBias ? new Float64Array(weights.bias!.length) : undefined;
  const dX = new Float64Array(inputs.length);
  const dH0 = new Float64Array(batch * units);
  const dC0 = isLstm ? new Float64Array(batch * units) : undefined;

  const dh = new Float64Array(units);
  const dc = new Float64Array(units);
  const dzx = new Float64Array(cols); // gradient of the input-side pre-activations x W + b
  const dzh = new Float64Array(cols); // gradient of the recurrent-side products h U (+ b')
  const hPrev = new Float64Array(units);
  const cPrev = new Float64Array(units);
  const dhPrev = new Float64Array(units);

  /** Adds the upstream gradient of processing step `step` (batch element b) into dh / dc. */
  const inject = (b: number, step: number): boolean => {
    let any = false;
    if (dOut !== undefined && forward.returnSequences) {
      const off = (b * time + step) * units;
      for (let j = 0; j < units; j++) {
        dh[j]! += dOut[off + j]!;
        any ||= dOut[off + j] !== 0;
      }
    }
    if (step === time - 1) {
      if (dOut !== undefined && !forward.returnSequences) {
        for (let j = 0; j < units; j++) {
          dh[j]! += dOut[b * units + j]!;
          any ||= dOut[b * units + j] !== 0;
        }
      }
      if (dFinalH !== undefined) {
        for (let j = 0; j < units; j++) {
          dh[j]! += dFinalH[b * units + j]!;
          any ||= dFinalH[b * units + j] !== 0;
        }
      }
      if (dFinalC !== undefined) {
        for (let j = 0; j < units; j++) {
          dc[j]! += dFinalC[b * units + j]!;
          any ||= dFinalC[b * units + j] !== 0;
        }
      }
    }
    return any;
  };

  /** Backpropagates one processing step: dh, dc hold ∂L/∂h_step, ∂L/∂c_step; on return, ∂L/∂h_{step−1}, ∂L/∂c_{step−1}. */
  const stepBack = (b: number, step: number): void => {
    const t = timeIndex(step, time, goBackwards);
    if (mask !== undefined && mask[b * time + t] === 0) return; // h_s = h_{s−1}: identity
    const gOff = (b * time + step) * cols;
    const sOff = (b * time + step) * units;
    for (let j = 0; j < units; j++) {
      hPrev[j] = step === 0 ? initH[b * units + j]! : H[sOff - units + j]!;
      if (isLstm) cPrev[j] = step === 0 ? initC![b * units + j]! : C![sOff - units + j]!;
      dhPrev[j] = 0;
    }
    if (s.cell === "simple-rnn") {
      for (let j = 0; j < units; j++) {
        const d = dh[j]! * phi.derivative(pre[gOff + j]!, act[gOff + j]!);
        dzx[j] = d;
        dzh[j] = d;
      }
    } else if (isLstm) {
      for (let j = 0; j < units; j++) {
        const i = act[gOff + j]!;
        const f = act[gOff + units + j]!;
        const g = act[gOff + 2 * units + j]!;
        const o = act[gOff + 3 * units + j]!;
        const c = C![sOff + j]!;
        const tc = phi.apply(c);
        const dcT = dc[j]! + dh[j]! * o * phi.derivative(c, tc);
        dzx[j] = dcT * g * sigma.derivative(pre[gOff + j]!, i);
        dzx[units + j] = dcT * cPrev[j]! * sigma.derivative(pre[gOff + units + j]!, f);
        dzx[2 * units + j] = dcT * i * phi.derivative(pre[gOff + 2 * units + j]!, g);
        dzx[3 * units + j] = dh[j]! * tc * sigma.derivative(pre[gOff + 3 * units + j]!, o);
        dc[j] = dcT * f;
      }
      dzh.set(dzx);
    } else {
      for (let j = 0; j < units; j++) {
        const z = act[gOff + j]!;
        const hh = act[gOff + 2 * units + j]!;
        dzx[j] = dh[j]! * (hPrev[j]! - hh) * sigma.derivative(pre[gOff + j]!, z);
        dzx[2 * units + j] = dh[j]! * (1 - z) * phi.derivative(pre[gOff + 2 * units + j]!, hh);
        dhPrev[j] = dh[j]! * z;
      }
      if (s.resetAfter) {
        for (let j = 0; j < units; j++) {
          const r = act[gOff + units + j]!;
          const dah = dzx[2 * units + j]!;
          dzx[units + j] = dah * rcand![sOff + j]! * sigma.derivative(pre[gOff + units + j]!, r);
          dzh[2 * units + j] = dah * r;
        }
      } else {
        // ĥ's argument has (r ⊙ h_{t−1}) U_h: gradient of r ⊙ h_{t−1} is δa_h U_hᵀ.
        for (let k2 = 0; k2 < units; k2++) {
          let drh = 0;
          const row = k2 * cols + 2 * units;
          for (let j = 0; j < units; j++) drh += dzx[2 * units + j]! * U[row + j]!;
          const r = act[gOff + units + k2]!;
          const rh = r * hPrev[k2]!;
          for (let j = 0; j < units; j++) dU[row + j]! += rh * dzx[2 * units + j]!;
          dzx[units + k2] = drh * hPrev[k2]! * sigma.derivative(pre[gOff + units + k2]!, r);
          dhPrev[k2]! += drh * r;
        }
      }
      for (let j = 0; j < 2 * units; j++) dzh[j] = dzx[j]!;
    }
    // Recurrent side: the gate blocks that multiply h_{t−1} U directly (GRU resetAfter: false: z, r only).
    const recCols = s.cell === "gru" && !s.resetAfter ? 2 * units : cols;
    for (let k2 = 0; k2 < units; k2++) {
      const hk = hPrev[k2]!;
      const row = k2 * cols;
      let acc = 0;
      for (let j = 0; j < recCols; j++) {
        const d = dzh[j]!;
        dU[row + j]! += hk * d;
        acc += d * U[row + j]!;
      }
      dhPrev[k2]! += acc;
    }
    if (dB !== undefined) {
      for (let j = 0; j < cols; j++) dB[j]! += dzx[j]!;
      if (s.resetAfter) for (let j = 0; j < cols; j++) dB[cols + j]! += dzh[j]!;
    }
    const xOff = (b * time + t) * features;
    for (let f = 0; f < features; f++) {
      const xf = inputs[xOff + f]!;
      const row = f * cols;
      let acc = 0;
      for (let j = 0; j < cols; j++) {
        const d = dzx[j]!;
        dW[row + j]! += xf * d;
        acc += d * W[row + j]!;
      }
      dX[xOff + f]! += acc;
    }
    dh.set(dhPrev);
  };

  /** Backpropagates steps hi..lo of batch element b, injecting upstream gradients where `injectAt` says. */
  const run = (b: number, hi: number, lo: number, injectAt: (step: number) => boolean): void => {
    dh.fill(0);
    dc.fill(0);
    for (let step = hi; step >= lo; step--) {
      if (injectAt(step)) inject(b, step);
      stepBack(b, step);
    }
    if (lo === 0) {
      for (let j = 0; j < units; j++) {
        dH0[b * units + j]! += dh[j]!;
        if (dC0 !== undefined) dC0[b * units + j]! += dc[j]!;
      }
    }
  };

  for (let b = 0; b < batch; b++) {
    if (k === undefined || k >= time) {
      run(b, time - 1, 0, () => true);
    } else if (mode === "chunked") {
      for (let start = Math.floor((time - 1) / k) * k; start >= 0; start -= k) {
        run(b, Math.min(start + k, time) - 1, start, () => true);
      }
    } else {
      for (let target = time - 1; target >= 0; target--) {
        dh.fill(0);
        dc.fill(0);
        if (!inject(b, target)) continue; // nothing to propagate from this step
        run(b, target, Math.max(0, target - k + 1), (step) => step === target);
      }
    }
  }

  let params: Float64Array[] = dB === undefined ? [dW, dU] : [dW, dU, dB];
  const norm = globalNorm(params);
  if (options.clipGlobalNorm !== undefined) params = clipByGlobalNorm(params, options.clipGlobalNorm).clipped;
  if (options.clipValue !== undefined) params = clipByValue(params, options.clipValue);
  const out = (a: Float64Array): FloatArray => {
    if (forward.dtype === "float64") return a;
    const o = allocate(forward.dtype, a.length);
    o.set(a);
    return o;
  };
  return {
    kernel: out(params[0]!),
    recurrentKernel: out(params[1]!),
    bias: dB === undefined ? undefined : out(params[2]!),
    inputs: out(dX),
    initialState: dC0 === undefined ? { h: out(dH0) } : { h: out(dH0), c: out(dC0) },
    globalNorm: norm,
  };
}
