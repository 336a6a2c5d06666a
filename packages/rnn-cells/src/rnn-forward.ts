import { RnnCellsError } from "./rnn-cells-error";
import {
  allocate,
  assertFinite,
  assertFloatArray,
  assertPositiveInteger,
  resolveSpec,
  validateWeights,
} from "./rnn-spec";
import type { FloatArray, FloatDType, ResolvedRnnSpec, RnnSpec, RnnWeights } from "./rnn-spec";

/** Shape of a batch of sequences: `[batch, time, features]`. */
export type SequenceShape = readonly [batch: number, time: number, features: number];

/** A recurrent state: `h` `[batch, units]`, plus `c` `[batch, units]` for LSTM. */
export interface RnnState<T extends FloatArray = FloatArray> {
  /** Hidden state `[batch, units]`. */
  readonly h: T;
  /** Cell state `[batch, units]`; LSTM only. */
  readonly c?: T;
}

/** Options of {@link rnnForward}. */
export interface RnnForwardOptions {
  /**
   * State before the first processed step: `h` `[batch, units]`, and `c` `[batch, units]` for LSTM.
   * @default zeros
   */
  readonly initialState?: RnnState;
  /**
   * Process the sequence from the last time step to the first (tfjs / Keras `goBackwards`). As in tfjs,
   * the returned sequences are in processing order: step `s` of the output is time `time − 1 − s`.
   * @default false
   */
  readonly goBackwards?: boolean;
  /**
   * Valid time steps `[batch, time]`, in time order (not processing order); nonzero / `true` = valid.
   * Keras / tfjs semantics: at a masked step the state is carried over unchanged (`h_s = h_{s−1}`,
   * `c_s = c_{s−1}`) and the step's output is that carried `h`.
   * @default every step valid
   */
  readonly mask?: ArrayLike<number> | ArrayLike<boolean>;
  /**
   * `output` holds every step `[batch, time, units]` instead of the last one `[batch, units]`.
   * @default false
   */
  readonly returnSequences?: boolean;
  /**
   * Element type of every returned array. With `"float32"` every stored state is rounded to
   * float32 before the next step reads it, as a float32 implementation would; arithmetic inside a
   * step is float64.
   * @default "float64"
   */
  readonly dtype?: FloatDType;
}

/** Everything {@link rnnForward} computed; {@link rnnBackward} reads it. Arrays are row-major. */
export interface RnnForwardResult {
  readonly spec: ResolvedRnnSpec;
  readonly dtype: FloatDType;
  readonly batch: number;
  readonly time: number;
  readonly features: number;
  readonly units: number;
  readonly goBackwards: boolean;
  readonly returnSequences: boolean;
  /** The inputs `[batch, time, features]` (the caller's array, not a copy). */
  readonly inputs: FloatArray;
  /** Normalised mask `[batch, time]` in time order (1 valid, 0 masked), or `undefined`. */
  readonly mask: Uint8Array | undefined;
  /** `[batch, time, units]` if `returnSequences`, else `[batch, units]` (the last processed step). */
  readonly output: FloatArray;
  /** Shape of `output`. */
  readonly outputShape: readonly number[];
  /** `h` after each processing step `[batch, time, units]` (processing order; equals the sequence output). */
  readonly hiddenStates: FloatArray;
  /** `c` after each processing step `[batch, time, units]`; LSTM only. */
  readonly cellStates: FloatArray | undefined;
  /** The state before the first step (zeros if none was given). */
  readonly initialState: RnnState;
  /** The state after the last step: `h` `[batch, units]` (and `c` for LSTM). */
  readonly finalState: RnnState;
  /**
   * Gate pre-activations `[batch, time, G·units]`, processing order, in gate order
   * (SimpleRNN: `a`; LSTM: i, f, c, o; GRU: z, r, h where the h block is the full argument of φ).
   * Computed at masked steps too (and then unused).
   */
  readonly gatePreactivations: FloatArray;
  /** Gate activations `[batch, time, G·units]`, same layout (σ of i, f, o and φ of c; σ of z, r and φ of h). */
  readonly gateActivations: FloatArray;
  /** GRU with `resetAfter` only: `h_{t−1} U_h + b'_h` `[batch, time, units]`, the term the reset gate scales. */
  readonly recurrentCandidate: FloatArray | undefined;
}

/** @internal Validated, normalised call arguments shared by forward, backward and the checkers. */
export interface SequenceArgs {
  readonly spec: ResolvedRnnSpec;
  readonly batch: number;
  readonly time: number;
  readonly features: number;
  readonly mask: Uint8Array | undefined;
}

/** @internal */
export function normalizeMask(mask: RnnForwardOptions["mask"], batch: number, time: number): Uint8Array | undefined {
  if (mask === undefined) return undefined;
  if (mask === null || typeof mask !== "object" || typeof mask.length !== "number") {
    throw new TypeError(`expected mask to be an array-like [batch, time], got ${String(mask)}`);
  }
  if (mask.length !== batch * time) {
    throw new RnnCellsError(
      "SHAPE_MISMATCH",
      `expected mask of shape [${batch}, ${time}] (${batch * time} elements), got ${mask.length} elements`,
    );
  }
  const out = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) {
    const v = mask[i];
    if (typeof v === "number" && Number.isNaN(v)) {
      throw new RnnCellsError("NON_FINITE", `expected mask values to be numbers or booleans, got NaN at index ${i}`);
    }
    out[i] = v === 0 || v === false || v === undefined ? 0 : 1;
  }
  return out;
}

/** @internal */
export function checkSequence(
  specIn: RnnSpec | ResolvedRnnSpec,
  weights: RnnWeights,
  inputs: FloatArray,
  inputShape: SequenceShape,
  options: RnnForwardOptions,
): SequenceArgs {
  const spec = resolveSpec(specIn);
  validateWeights(spec, weights);
  if (!Array.isArray(inputShape) || inputShape.length !== 3) {
    throw new TypeError(`expected inputShape to be [batch, time, features], got ${JSON.stringify(inputShape)}`);
  }
  const [batch, time, features] = inputShape;
  assertPositiveInteger("batch", batch);
  assertPositiveInteger("time", time);
  assertPositiveInteger("features", features);
  if (features !== spec.inputDim) {
    throw new RnnCellsError(
      "SHAPE_MISMATCH",
      `expected inputs with ${spec.inputDim} features (spec.inputDim), got ${features}`,
    );
  }
  assertFloatArray("inputs", inputs, batch * time * features, `[${batch}, ${time}, ${features}]`);
  assertFinite("inputs", inputs);
  const mask = normalizeMask(options.mask, batch, time);
  const init = options.initialState;
  if (init !== undefined) {
    const shape = `[${batch}, ${spec.units}]`;
    assertFloatArray("initialState.h", init.h, batch * spec.units, shape);
    assertFinite("initialState.h", init.h);
    if (spec.cell === "lstm") {
      if (init.c === undefined) {
        throw new RnnCellsError("INVALID_ARGUMENT", "expected initialState.c for an LSTM, got undefined");
      }
      assertFloatArray("initialState.c", init.c, batch * spec.units, shape);
      assertFinite("initialState.c", init.c);
    } else if (init.c !== undefined) {
      throw new RnnCellsError("INVALID_ARGUMENT", `expected no initialState.c for cell "${spec.cell}", got an array`);
    }
  }
  if (options.dtype !== undefined && options.dtype !== "float32" && options.dtype !== "float64") {
    throw new RangeError(`expected dtype "float32" or "float64", got ${JSON.stringify(options.dtype)}`);
  }
  return { spec, batch, time, features, mask };
}

/** @internal Time index of processing step `s`. */
export function timeIndex(s: number, time: number, goBackwards: boolean): number {
  return goBackwards ? time - 1 - s : s;
}

/**
 * Runs a SimpleRNN, LSTM or GRU layer over a batch of sequences, as tfjs-layers' `rnn()` loop does,
 * keeping every intermediate value that backpropagation needs. Equations: see {@link RnnSpec}.
 *
 * @param spec the cell and its configuration.
 * @param weights kernel `[inputDim, G·units]`, recurrent kernel `[units, G·units]`, bias `[G·units]`
 *   (GRU `resetAfter`: `[2, 3·units]`), Keras / tfjs layout.
 * @param inputs `[batch, time, features]`, row-major.
 * @param inputShape `[batch, time, features]`.
 * @throws {TypeError} when an array is not a Float32Array / Float64Array or the shape is not a triple.
 * @throws {RangeError} for an invalid spec, dtype or shape entry.
 * @throws {RnnCellsError} `SHAPE_MISMATCH` when an array's length does not match its shape,
 *   `NON_FINITE` for NaN / ±Infinity in weights, inputs or initial state, `INVALID_ARGUMENT`
 *   for a missing LSTM `c` or a bias given with `useBias: false`.
 * @example
 * const spec = { cell: "simple-rnn", units: 2, inputDim: 5 } as const;
 * const result = rnnForward(spec, weights, new Float64Array(1 * 3 * 5), [1, 3, 5], { returnSequences: true });
 * result.output // Float64Array [1, 3, 2]
 */
export function rnnForward(
  spec: RnnSpec | ResolvedRnnSpec,
  weights: RnnWeights,
  inputs: FloatArray,
  inputShape: SequenceShape,
  options: RnnForwardOptions = {},
): RnnForwardResult {
  const args = checkSequence(spec, weights, inputs, inputShape, options);
  const s = args.spec;
  const { batch, time, features, mask } = args;
  const units = s.units;
  const G = s.gates;
  const cols = G * units;
  const dtype = options.dtype ?? "float64";
  const goBackwards = options.goBackwards ?? false;
  const returnSequences = options.returnSequences ?? false;
  const isLstm = s.cell === "lstm";
  const isGru = s.cell === "gru";
  const W = weights.kernel;
  const U = weights.recurrentKernel;
  const bias = weights.bias;
  const phi = s.activation;
  const sigma = s.recurrentActivation;

  const hiddenStates = allocate(dtype, batch * time * units);
  const cellStates = isLstm ? allocate(dtype, batch * time * units) : undefined;
  const pre = allocate(dtype, batch * time * cols);
  const act = allocate(dtype, batch * time * cols);
  const recurrentCandidate = isGru && s.resetAfter ? allocate(dtype, batch * time * units) : undefined;
  const initH = allocate(dtype, batch * units);
  const initC = isLstm ? allocate(dtype, batch * units) : undefined;
  if (options.initialState !== undefined) {
    initH.set(options.initialState.h);
    if (initC !== undefined && options.initialState.c !== undefined) initC.set(options.initialState.c);
  }

  const hPrev = new Float64Array(units);
  const cPrev = new Float64Array(units);
  const zx = new Float64Array(cols); // x W + b (input bias)
  const zh = new Float64Array(cols); // h U (+ recurrent bias for GRU resetAfter)
  const rh = new Float64Array(units); // r ⊙ h_{t−1} (GRU resetAfter: false)

  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < units; j++) {
      hPrev[j] = initH[b * units + j]!;
      if (initC !== undefined) cPrev[j] = initC[b * units + j]!;
    }
    for (let step = 0; step < time; step++) {
      const t = timeIndex(step, time, goBackwards);
      const xOff = (b * time + t) * features;
      const gOff = (b * time + step) * cols;
      const sOff = (b * time + step) * units;
      // zx = x_t W + b
      for (let j = 0; j < cols; j++) zx[j] = bias === undefined ? 0 : bias[j]!;
      for (let k = 0; k < features; k++) {
        const xk = inputs[xOff + k]!;
        if (xk === 0) continue;
        const row = k * cols;
        for (let j = 0; j < cols; j++) zx[j]! += xk * W[row + j]!;
      }
      // zh = h_{t−1} U (all gates; for GRU resetAfter: false only z and r are used)
      for (let j = 0; j < cols; j++) zh[j] = isGru && s.resetAfter && bias !== undefined ? bias[cols + j]! : 0;
      for (let k = 0; k < units; k++) {
        const hk = hPrev[k]!;
        if (hk === 0) continue;
        const row = k * cols;
        for (let j = 0; j < cols; j++) zh[j]! += hk * U[row + j]!;
      }
      const valid = mask === undefined || mask[b * time + t] === 1;
      if (s.cell === "simple-rnn") {
        for (let j = 0; j < units; j++) {
          const a = zx[j]! + zh[j]!;
          const y = phi.apply(a);
          pre[gOff + j] = a;
          act[gOff + j] = y;
          hiddenStates[sOff + j] = valid ? y : hPrev[j]!;
        }
      } else if (isLstm) {
        for (let j = 0; j < units; j++) {
          for (let g = 0; g < 4; g++) {
            const a = zx[g * units + j]! + zh[g * units + j]!;
            pre[gOff + g * units + j] = a;
            act[gOff + g * units + j] = g === 2 ? phi.apply(a) : sigma.apply(a);
          }
          const i = act[gOff + j]!;
          const f = act[gOff + units + j]!;
          const gc = act[gOff + 2 * units + j]!;
          const o = act[gOff + 3 * units + j]!;
          const c = f * cPrev[j]! + i * gc;
          const h = o * phi.apply(c);
          cellStates![sOff + j] = valid ? c : cPrev[j]!;
          hiddenStates[sOff + j] = valid ? h : hPrev[j]!;
        }
      } else {
        for (let j = 0; j < units; j++) {
          for (let g = 0; g < 2; g++) {
            const a = zx[g * units + j]! + zh[g * units + j]!;
            pre[gOff + g * units + j] = a;
            act[gOff + g * units + j] = sigma.apply(a);
          }
        }
        if (s.resetAfter) {
          for (let j = 0; j < units; j++) {
            const r = act[gOff + units + j]!;
            const rc = zh[2 * units + j]!;
            recurrentCandidate![sOff + j] = rc;
            pre[gOff + 2 * units + j] = zx[2 * units + j]! + r * rc;
          }
        } else {
          for (let k = 0; k < units; k++) rh[k] = act[gOff + units + k]! * hPrev[k]!;
          for (let j = 0; j < units; j++) {
            let a = zx[2 * units + j]!;
            for (let k = 0; k < units; k++) a += rh[k]! * U[k * cols + 2 * units + j]!;
            pre[gOff + 2 * units + j] = a;
          }
        }
        for (let j = 0; j < units; j++) {
          const hh = phi.apply(pre[gOff + 2 * units + j]!);
          act[gOff + 2 * units + j] = hh;
          const z = act[gOff + j]!;
          const h = z * hPrev[j]! + (1 - z) * hh;
          hiddenStates[sOff + j] = valid ? h : hPrev[j]!;
        }
      }
      // Read the state back from storage so float32 rounding feeds the next step.
      for (let j = 0; j < units; j++) {
        hPrev[j] = hiddenStates[sOff + j]!;
        if (cellStates !== undefined) cPrev[j] = cellStates[sOff + j]!;
      }
    }
  }

  const finalH = allocate(dtype, batch * units);
  const finalC = isLstm ? allocate(dtype, batch * units) : undefined;
  for (let b = 0; b < batch; b++) {
    const off = (b * time + time - 1) * units;
    finalH.set(hiddenStates.subarray(off, off + units), b * units);
    if (finalC !== undefined) finalC.set(cellStates!.subarray(off, off + units), b * units);
  }
  const output = returnSequences ? hiddenStates.slice() : finalH.slice();
  return {
    spec: s,
    dtype,
    batch,
    time,
    features,
    units,
    goBackwards,
    returnSequences,
    inputs,
    mask,
    output,
    outputShape: returnSequences ? [batch, time, units] : [batch, units],
    hiddenStates,
    cellStates,
    initialState: initC === undefined ? { h: initH } : { h: initH, c: initC },
    finalState: finalC === undefined ? { h: finalH } : { h: finalH, c: finalC },
    gatePreactivations: pre,
    gateActivations: act,
    recurrentCandidate,
  };
}
