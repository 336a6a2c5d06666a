import { getActivation } from "./activations";
import type { ActivationName } from "./activations";
import { RnnCellsError } from "./rnn-cells-error";
import { timeIndex } from "./rnn-forward";
import type { SequenceShape } from "./rnn-forward";
import { assertFinite, assertFloatArray, assertPositiveInteger } from "./rnn-spec";
import type { FloatArray } from "./rnn-spec";

/**
 * Where the recurrence of a chapter-style SimpleRNN comes from:
 * - `"hidden-to-hidden"`: `h_t = φ_h(x_t W_xh + h_{t−1} W_hh + b_h)`, `o_t = φ_o(h_t W_ho + b_o)`;
 * - `"output-to-hidden"`: `h_t = φ_h(x_t W_xh + o_{t−1} W_oh + b_h)`, `o_t = φ_o(h_t W_ho + b_o)`;
 * - `"output-to-output"`: `h_t = φ_h(x_t W_xh + b_h)`, `o_t = φ_o(h_t W_ho + o_{t−1} W_oo + b_o)`.
 *
 * Keras / tfjs `SimpleRNN` is `"output-to-output"` with `φ_h` linear, `W_ho = I`, `b_o = 0`, `φ_o = tanh`,
 * `W_xh` = kernel, `b_h` = bias, `W_oo` = recurrent kernel (the chapter's worked example).
 */
export type Recurrence = "hidden-to-hidden" | "output-to-hidden" | "output-to-output";

/**
 * A SimpleRNN with an output layer, as the chapter draws it. Row-vector convention (`x_t W`, as Keras),
 * so the chapter's `W_xh x_t` is `x_t W_xh` here with `W_xh` `[inputDim, hiddenUnits]`.
 *
 * @example
 * const spec: ChapterRnnSpec = { recurrence: "hidden-to-hidden", inputDim: 5, hiddenUnits: 4, outputUnits: 2 };
 */
export interface ChapterRnnSpec {
  readonly recurrence: Recurrence;
  readonly inputDim: number;
  readonly hiddenUnits: number;
  readonly outputUnits: number;
  /** φ_h. @default "tanh" */
  readonly hiddenActivation?: ActivationName;
  /** φ_o. @default "linear" */
  readonly outputActivation?: ActivationName;
  /**
   * Compute the recurrent pre-activation with the concatenated matrix `W = [W_xh; W_rec]`
   * (`[inputDim + stateDim, …]`) applied to `[x_t, s_{t−1}]`, instead of two products.
   * The results are the same; this exists to show it.
   * @default false
   */
  readonly concatenated?: boolean;
}

/**
 * Weights of a {@link ChapterRnnSpec}. Exactly one recurrent matrix, the one its recurrence names.
 */
export interface ChapterRnnWeights {
  /** `[inputDim, hiddenUnits]`. */
  readonly wxh: FloatArray;
  /** `[hiddenUnits]`. */
  readonly bh: FloatArray;
  /** `[hiddenUnits, outputUnits]`. */
  readonly who: FloatArray;
  /** `[outputUnits]`. */
  readonly bo: FloatArray;
  /** `[hiddenUnits, hiddenUnits]`, `"hidden-to-hidden"` only. */
  readonly whh?: FloatArray;
  /** `[outputUnits, hiddenUnits]`, `"output-to-hidden"` only. */
  readonly woh?: FloatArray;
  /** `[outputUnits, outputUnits]`, `"output-to-output"` only. */
  readonly woo?: FloatArray;
}

/** Options of {@link chapterRnnForward}. */
export interface ChapterRnnForwardOptions {
  /** The recurrent state before step 1: `h_0` `[batch, hiddenUnits]` or `o_0` `[batch, outputUnits]`. @default zeros */
  readonly initialState?: FloatArray;
  /** Process time steps last to first; outputs in processing order. @default false */
  readonly goBackwards?: boolean;
}

/** Result of {@link chapterRnnForward} (Float64Arrays, processing order). */
export interface ChapterRnnForwardResult {
  readonly spec: ChapterRnnSpec;
  readonly batch: number;
  readonly time: number;
  readonly goBackwards: boolean;
  readonly inputs: FloatArray;
  /** `h_t` `[batch, time, hiddenUnits]`. */
  readonly hidden: Float64Array;
  /** `o_t` `[batch, time, outputUnits]`. */
  readonly outputs: Float64Array;
  /** Pre-activations of `h_t` `[batch, time, hiddenUnits]`. */
  readonly hiddenPre: Float64Array;
  /** Pre-activations of `o_t` `[batch, time, outputUnits]`. */
  readonly outputPre: Float64Array;
  /** The recurrent state before step 1 (`h_0` or `o_0`). */
  readonly initialState: Float64Array;
}

/** Gradients from {@link chapterRnnBackward}, shaped like the weights (Float64Arrays). */
export interface ChapterRnnGradients {
  readonly wxh: Float64Array;
  readonly bh: Float64Array;
  readonly who: Float64Array;
  readonly bo: Float64Array;
  readonly whh?: Float64Array;
  readonly woh?: Float64Array;
  readonly woo?: Float64Array;
  /** `[batch, time, inputDim]`, time order. */
  readonly inputs: Float64Array;
  /** Gradient of the initial recurrent state. */
  readonly initialState: Float64Array;
}

const RECURRENCES: readonly Recurrence[] = ["hidden-to-hidden", "output-to-hidden", "output-to-output"];

interface Dims {
  readonly D: number;
  readonly Hn: number;
  readonly On: number;
  /** size of the recurrent state: Hn for hidden-to-hidden, On otherwise */
  readonly S: number;
  /** the recurrent matrix `[S, Hn]` (into h) or `[On, On]` (into o) */
  readonly rec: FloatArray;
  readonly recName: "whh" | "woh" | "woo";
}

function check(spec: ChapterRnnSpec, w: ChapterRnnWeights): Dims {
  if (!RECURRENCES.includes(spec.recurrence)) {
    throw new RangeError(`expected recurrence to be one of ${RECURRENCES.join(", ")}, got ${JSON.stringify(spec.recurrence)}`);
  }
  assertPositiveInteger("inputDim", spec.inputDim);
  assertPositiveInteger("hiddenUnits", spec.hiddenUnits);
  assertPositiveInteger("outputUnits", spec.outputUnits);
  const D = spec.inputDim;
  const Hn = spec.hiddenUnits;
  const On = spec.outputUnits;
  assertFloatArray("wxh", w.wxh, D * Hn, `[${D}, ${Hn}]`);
  assertFloatArray("bh", w.bh, Hn, `[${Hn}]`);
  assertFloatArray("who", w.who, Hn * On, `[${Hn}, ${On}]`);
  assertFloatArray("bo", w.bo, On, `[${On}]`);
  const recName = spec.recurrence === "hidden-to-hidden" ? "whh" : spec.recurrence === "output-to-hidden" ? "woh" : "woo";
  const S = recName === "whh" ? Hn : On;
  const cols = recName === "woo" ? On : Hn;
  for (const name of ["whh", "woh", "woo"] as const) {
    if (name !== recName && w[name] !== undefined) {
      throw new RnnCellsError("INVALID_ARGUMENT", `expected no ${name} with recurrence "${spec.recurrence}", got an array`);
    }
  }
  const rec = w[recName];
  assertFloatArray(recName, rec, S * cols, `[${S}, ${cols}]`);
  for (const [name, a] of Object.entries(w)) if (a !== undefined) assertFinite(name, a as FloatArray);
  return { D, Hn, On, S, rec: rec!, recName };
}

/**
 * Runs a chapter-style SimpleRNN (hidden layer plus output layer, with the recurrence its spec
 * names; equations in {@link Recurrence}) over `[batch, time, inputDim]` inputs, in float64.
 *
 * @param inputs `[batch, time, inputDim]`.
 * @throws {RangeError} for an unknown recurrence or a non-positive size.
 * @throws {TypeError} when an array is not a Float32Array / Float64Array.
 * @throws {RnnCellsError} `SHAPE_MISMATCH` for a wrong length, `INVALID_ARGUMENT` for a recurrent
 *   matrix the recurrence does not use, `NON_FINITE` for NaN / ±Infinity.
 * @example
 * const r = chapterRnnForward(spec, weights, x, [1, 3, 5]);
 * r.outputs // [1, 3, outputUnits]
 */
export function chapterRnnForward(
  spec: ChapterRnnSpec,
  weights: ChapterRnnWeights,
  inputs: FloatArray,
  inputShape: SequenceShape,
  options: ChapterRnnForwardOptions = {},
): ChapterRnnForwardResult {
  const { D, Hn, On, S, rec } = check(spec, weights);
  const [batch, time, features] = inputShape;
  assertPositiveInteger("batch", batch);
  assertPositiveInteger("time", time);
  if (features !== D) {
    throw new RnnCellsError("SHAPE_MISMATCH", `expected inputs with ${D} features (spec.inputDim), got ${features}`);
  }
  assertFloatArray("inputs", inputs, batch * time * D, `[${batch}, ${time}, ${D}]`);
  assertFinite("inputs", inputs);
  const init = new Float64Array(batch * S);
  if (options.initialState !== undefined) {
    assertFloatArray("initialState", options.initialState, batch * S, `[${batch}, ${S}]`);
    assertFinite("initialState", options.initialState);
    init.set(options.initialState);
  }
  const goBackwards = options.goBackwards ?? false;
  const phiH = getActivation(spec.hiddenActivation ?? "tanh");
  const phiO = getActivation(spec.outputActivation ?? "linear");
  const { wxh, bh, who, bo } = weights;
  const intoHidden = spec.recurrence !== "output-to-output";
  // The concatenated matrix [W_xh; W_rec] `[D + S, Hn]` (or [W_ho; W_oo] `[Hn + On, On]` for output-to-output).
  let stacked: Float64Array | undefined;
  if (spec.concatenated === true) {
    stacked = intoHidden ? new Float64Array([...wxh, ...rec]) : new Float64Array([...who, ...rec]);
  }

  const hidden = new Float64Array(batch * time * Hn);
  const outputs = new Float64Array(batch * time * On);
  const hiddenPre = new Float64Array(batch * time * Hn);
  const outputPre = new Float64Array(batch * time * On);
  const state = new Float64Array(S);
  const joint = new Float64Array((intoHidden ? D : Hn) + S);

  for (let b = 0; b < batch; b++) {
    state.set(init.subarray(b * S, (b + 1) * S));
    for (let step = 0; step < time; step++) {
      const t = timeIndex(step, time, goBackwards);
      const x = inputs.subarray((b * time + t) * D, (b * time + t + 1) * D);
      const hOff = (b * time + step) * Hn;
      const oOff = (b * time + step) * On;
      // hidden layer
      if (intoHidden && stacked !== undefined) {
        joint.set(x);
        joint.set(state, D);
        for (let j = 0; j < Hn; j++) {
          let a = bh[j]!;
          for (let k = 0; k < D + S; k++) a += joint[k]! * stacked[k * Hn + j]!;
          hiddenPre[hOff + j] = a;
        }
      } else {
        for (let j = 0; j < Hn; j++) {
          let a = bh[j]!;
          for (let k = 0; k < D; k++) a += x[k]! * wxh[k * Hn + j]!;
          if (intoHidden) for (let k = 0; k < S; k++) a += state[k]! * rec[k * Hn + j]!;
          hiddenPre[hOff + j] = a;
        }
      }
      for (let j = 0; j < Hn; j++) hidden[hOff + j] = phiH.apply(hiddenPre[hOff + j]!);
      const h = hidden.subarray(hOff, hOff + Hn);
      // output layer
      if (!intoHidden && stacked !== undefined) {
        joint.set(h);
        joint.set(state, Hn);
        for (let j = 0; j < On; j++) {
          let a = bo[j]!;
          for (let k = 0; k < Hn + S; k++) a += joint[k]! * stacked[k * On + j]!;
          outputPre[oOff + j] = a;
        }
      } else {
        for (let j = 0; j < On; j++) {
          let a = bo[j]!;
          for (let k = 0; k < Hn; k++) a += h[k]! * who[k * On + j]!;
          if (!intoHidden) for (let k = 0; k < S; k++) a += state[k]! * rec[k * On + j]!;
          outputPre[oOff + j] = a;
        }
      }
      for (let j = 0; j < On; j++) outputs[oOff + j] = phiO.apply(outputPre[oOff + j]!);
      state.set(spec.recurrence === "hidden-to-hidden" ? h : outputs.subarray(oOff, oOff + On));
    }
  }
  return { spec, batch, time, goBackwards, inputs, hidden, outputs, hiddenPre, outputPre, initialState: init };
}

/**
 * Full BPTT for {@link chapterRnnForward}: gradients of a loss given `∂L/∂o_t` for every step
 * (`[batch, time, outputUnits]`, processing order; zeros where the loss does not look).
 *
 * @throws {RnnCellsError} `SHAPE_MISMATCH` when `dOutputs` has the wrong length, `NON_FINITE` for NaN.
 * @example
 * const g = chapterRnnBackward(weights, fwd, dLdO);
 * g.whh // [hiddenUnits, hiddenUnits]
 */
export function chapterRnnBackward(
  weights: ChapterRnnWeights,
  forward: ChapterRnnForwardResult,
  dOutputs: FloatArray,
): ChapterRnnGradients {
  const spec = forward.spec;
  const { D, Hn, On, S, rec, recName } = check(spec, weights);
  const { batch, time, goBackwards, inputs, hidden, outputs, hiddenPre, outputPre, initialState } = forward;
  assertFloatArray("dOutputs", dOutputs, batch * time * On, `[${batch}, ${time}, ${On}]`);
  assertFinite("dOutputs", dOutputs);
  const phiH = getActivation(spec.hiddenActivation ?? "tanh");
  const phiO = getActivation(spec.outputActivation ?? "linear");
  const { wxh, who } = weights;
  const g = {
    wxh: new Float64Array(wxh.length),
    bh: new Float64Array(Hn),
    who: new Float64Array(who.length),
    bo: new Float64Array(On),
    rec: new Float64Array(rec.length),
    inputs: new Float64Array(inputs.length),
    initialState: new Float64Array(batch * S),
  };
  const carry = new Float64Array(S); // ∂L/∂(recurrent state) flowing back from later steps
  const dO = new Float64Array(On);
  const dAo = new Float64Array(On);
  const dH = new Float64Array(Hn);
  const dAh = new Float64Array(Hn);
  const prev = new Float64Array(S);

  for (let b = 0; b < batch; b++) {
    carry.fill(0);
    for (let step = time - 1; step >= 0; step--) {
      const t = timeIndex(step, time, goBackwards);
      const hOff = (b * time + step) * Hn;
      const oOff = (b * time + step) * On;
      if (step === 0) prev.set(initialState.subarray(b * S, (b + 1) * S));
      else if (spec.recurrence === "hidden-to-hidden") prev.set(hidden.subarray(hOff - Hn, hOff));
      else prev.set(outputs.subarray(oOff - On, oOff));

      for (let j = 0; j < On; j++) dO[j] = dOutputs[oOff + j]! + (spec.recurrence === "hidden-to-hidden" ? 0 : carry[j]!);
      for (let j = 0; j < On; j++) dAo[j] = dO[j]! * phiO.derivative(outputPre[oOff + j]!, outputs[oOff + j]!);
      for (let k = 0; k < Hn; k++) {
        let acc = spec.recurrence === "hidden-to-hidden" ? carry[k]! : 0;
        for (let j = 0; j < On; j++) {
          g.who[k * On + j]! += hidden[hOff + k]! * dAo[j]!;
          acc += dAo[j]! * who[k * On + j]!;
        }
        dH[k] = acc;
      }
      for (let j = 0; j < On; j++) g.bo[j]! += dAo[j]!;
      for (let j = 0; j < Hn; j++) dAh[j] = dH[j]! * phiH.derivative(hiddenPre[hOff + j]!, hidden[hOff + j]!);
      for (let j = 0; j < Hn; j++) g.bh[j]! += dAh[j]!;
      const xOff = (b * time + t) * D;
      for (let k = 0; k < D; k++) {
        let acc = 0;
        for (let j = 0; j < Hn; j++) {
          g.wxh[k * Hn + j]! += inputs[xOff + k]! * dAh[j]!;
          acc += dAh[j]! * wxh[k * Hn + j]!;
        }
        g.inputs[xOff + k]! += acc;
      }
      // the recurrent matrix feeds h (hidden-to-hidden, output-to-hidden) or o (output-to-output)
      const dInto = spec.recurrence === "output-to-output" ? dAo : dAh;
      const cols = dInto.length;
      for (let k = 0; k < S; k++) {
        let acc = 0;
        for (let j = 0; j < cols; j++) {
          g.rec[k * cols + j]! += prev[k]! * dInto[j]!;
          acc += dInto[j]! * rec[k * cols + j]!;
        }
        carry[k] = acc;
      }
    }
    g.initialState.set(carry, b * S);
  }
  return {
    wxh: g.wxh,
    bh: g.bh,
    who: g.who,
    bo: g.bo,
    [recName]: g.rec,
    inputs: g.inputs,
    initialState: g.initialState,
  };
}
