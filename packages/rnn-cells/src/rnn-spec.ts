import { getActivation } from "./activations";
import type { Activation, ActivationName } from "./activations";
import { RnnCellsError } from "./rnn-cells-error";

/** A float typed array: every tensor in this package is one, row-major, with its shape stated beside it. */
export type FloatArray = Float32Array | Float64Array;

/** Element type of the arrays a computation returns. */
export type FloatDType = "float32" | "float64";

/**
 * The three recurrent cells (Keras / tfjs `SimpleRNN`, `LSTM`, `GRU`), spelled the same in every
 * `@recurrent/*` package and CLI. {@link cellKind} also accepts the tfjs and Keras spellings
 * (`"simpleRNN"`, `"SimpleRNN"`, `"simple_rnn"`, `"LSTM"`, `"GRU"`).
 */
export type CellKind = "lstm" | "gru" | "simple-rnn";

/** Every {@link CellKind}. */
export const CELL_KINDS: readonly CellKind[] = ["lstm", "gru", "simple-rnn"];

const CELL_ALIASES: Readonly<Record<string, CellKind>> = {
  LSTM: "lstm",
  GRU: "gru",
  simpleRNN: "simple-rnn",
  SimpleRNN: "simple-rnn",
  simple_rnn: "simple-rnn",
  simpleRnn: "simple-rnn",
};

/**
 * The canonical name of a cell kind: one of {@link CellKind}, or a tfjs / Keras spelling of one.
 *
 * @throws {RangeError} For any other value, listing the accepted names.
 * @example
 * cellKind("SimpleRNN"); // "simple-rnn"
 */
export function cellKind(name: string): CellKind {
  if ((CELL_KINDS as readonly string[]).includes(name)) return name as CellKind;
  const alias = typeof name === "string" && Object.hasOwn(CELL_ALIASES, name) ? CELL_ALIASES[name] : undefined;
  if (alias !== undefined) return alias;
  throw new RangeError(
    `expected cell to be one of ${CELL_KINDS.join(", ")} (or simpleRNN, SimpleRNN, simple_rnn, LSTM, GRU), got ${JSON.stringify(name)}`,
  );
}

/**
 * What a recurrent layer computes. Field names and defaults follow Keras / tfjs layers,
 * except `recurrentActivation`, whose default here is the chapter's σ (sigmoid): tfjs layers
 * default to `hardSigmoid`, so pass it explicitly when comparing with a default tfjs layer.
 *
 * Equations, per step, with `x` `[features]`, `h` `[units]`, kernel `W` `[features, G·units]`,
 * recurrent kernel `U` `[units, G·units]`, bias `b` `[G·units]` split into G gate blocks:
 * - `simple-rnn` (G = 1): `h_t = φ(x_t W + h_{t−1} U + b)`.
 * - `lstm` (G = 4, gate order i, f, c, o): `i = σ(x W_i + h U_i + b_i)`, `f = σ(…_f)`, `g = φ(…_c)`, `o = σ(…_o)`,
 *   `c_t = f ⊙ c_{t−1} + i ⊙ g`, `h_t = o ⊙ φ(c_t)`.
 * - `gru` (G = 3, gate order z, r, h): `z = σ(x W_z + h U_z + b_z)`, `r = σ(x W_r + h U_r + b_r)`,
 *   `resetAfter: false` (tfjs): `ĥ = φ(x W_h + b_h + (r ⊙ h_{t−1}) U_h)`;
 *   `resetAfter: true` (Keras default): `ĥ = φ(x W_h + b_h + r ⊙ (h_{t−1} U_h + b'_h))` with a second,
 *   recurrent bias `b'` (bias shape `[2, 3·units]`: row 0 input bias, row 1 recurrent bias, as Keras stores it);
 *   `h_t = z ⊙ h_{t−1} + (1 − z) ⊙ ĥ`.
 *
 * @example
 * const spec: RnnSpec = { cell: "lstm", units: 8, inputDim: 5, recurrentActivation: "hardSigmoid" };
 */
export interface RnnSpec {
  /** Which cell. */
  readonly cell: CellKind;
  /** Number of units (size of `h`, and of `c` for LSTM). A positive integer. */
  readonly units: number;
  /** Number of input features per step. A positive integer. */
  readonly inputDim: number;
  /**
   * φ, the activation of the state (SimpleRNN), of the candidate `g` and of `φ(c_t)` (LSTM), of `ĥ` (GRU).
   * @default "tanh"
   */
  readonly activation?: ActivationName;
  /**
   * σ, the activation of the gates (LSTM i, f, o; GRU z, r). Ignored by `simple-rnn`.
   * @default "sigmoid"
   */
  readonly recurrentActivation?: ActivationName;
  /**
   * Whether the layer has a bias.
   * @default true
   */
  readonly useBias?: boolean;
  /**
   * GRU only: apply the reset gate after the recurrent matrix product (Keras default, needs a
   * `[2, 3·units]` bias) instead of before it (what tfjs implements).
   * @default false
   */
  readonly resetAfter?: boolean;
}

/** An {@link RnnSpec} with every default filled in and the activations looked up. */
export interface ResolvedRnnSpec {
  readonly cell: CellKind;
  readonly units: number;
  readonly inputDim: number;
  /** Number of gate blocks G: 1 (SimpleRNN), 4 (LSTM), 3 (GRU). */
  readonly gates: number;
  readonly activation: Activation;
  readonly recurrentActivation: Activation;
  readonly useBias: boolean;
  readonly resetAfter: boolean;
}

/**
 * Weights in the Keras / tfjs layer layout, so they move to and from `layer.getWeights()` /
 * `layer.setWeights([kernel, recurrentKernel, bias])` without reshuffling. Row-major.
 *
 * @example
 * // SimpleRNN, 2 units, 5 features
 * const weights: RnnWeights = {
 *   kernel: new Float64Array(5 * 2),          // [inputDim, units]
 *   recurrentKernel: new Float64Array(2 * 2), // [units, units]
 *   bias: new Float64Array(2),                // [units]
 * };
 */
export interface RnnWeights {
  /** `[inputDim, G·units]`. */
  readonly kernel: FloatArray;
  /** `[units, G·units]`. */
  readonly recurrentKernel: FloatArray;
  /**
   * `[G·units]`; for a GRU with `resetAfter: true`, `[2, 3·units]` (input bias, then recurrent bias).
   * Required when `useBias` is true, must be absent otherwise.
   */
  readonly bias?: FloatArray;
}

/** Shapes of the weights of a spec, as `[rows, cols]` or `[length]`. */
export interface RnnWeightShapes {
  readonly kernel: readonly [number, number];
  readonly recurrentKernel: readonly [number, number];
  /** `undefined` when the spec has no bias. */
  readonly bias: readonly number[] | undefined;
}

const GATES: Readonly<Record<CellKind, number>> = { "simple-rnn": 1, lstm: 4, gru: 3 };

/** @internal */
export function assertPositiveInteger(name: string, value: unknown): asserts value is number {
  if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
    throw new RangeError(`expected ${name} to be a positive integer, got ${String(value)}`);
  }
}

/**
 * Checks a spec and fills in its defaults (a resolved spec is checked again and returned as is).
 *
 * @throws {RangeError} for an unknown cell or activation, a non-positive `units` / `inputDim`,
 *   or `resetAfter` on a cell that is not a GRU.
 * @example
 * resolveSpec({ cell: "gru", units: 3, inputDim: 2 }).gates // 3
 */
export function resolveSpec(input: RnnSpec | ResolvedRnnSpec): ResolvedRnnSpec {
  const spec: RnnSpec =
    "gates" in input
      ? {
          cell: input.cell,
          units: input.units,
          inputDim: input.inputDim,
          activation: input.activation.name,
          recurrentActivation: input.recurrentActivation.name,
          useBias: input.useBias,
          resetAfter: input.resetAfter,
        }
      : input;
  const cell = cellKind(spec.cell);
  assertPositiveInteger("units", spec.units);
  assertPositiveInteger("inputDim", spec.inputDim);
  if (spec.resetAfter === true && cell !== "gru") {
    throw new RangeError(`expected resetAfter only with cell "gru", got cell ${JSON.stringify(spec.cell)}`);
  }
  return {
    cell,
    units: spec.units,
    inputDim: spec.inputDim,
    gates: GATES[cell],
    activation: getActivation(spec.activation ?? "tanh"),
    recurrentActivation: getActivation(spec.recurrentActivation ?? "sigmoid"),
    useBias: spec.useBias ?? true,
    resetAfter: spec.resetAfter ?? false,
  };
}

/**
 * The weight shapes a spec expects (Keras / tfjs layout).
 *
 * @throws {RangeError} when the spec is invalid (see {@link resolveSpec}).
 * @example
 * weightShapes({ cell: "lstm", units: 8, inputDim: 5 })
 * // { kernel: [5, 32], recurrentKernel: [8, 32], bias: [32] }
 */
export function weightShapes(spec: RnnSpec | ResolvedRnnSpec): RnnWeightShapes {
  const s = resolveSpec(spec);
  const cols = s.gates * s.units;
  let bias: readonly number[] | undefined;
  if (s.useBias) bias = s.resetAfter ? [2, cols] : [cols];
  return { kernel: [s.inputDim, cols], recurrentKernel: [s.units, cols], bias };
}

/** @internal Throws unless `array` is a float typed array of `expected` elements. */
export function assertFloatArray(name: string, array: unknown, expected: number, shape: string): void {
  if (!(array instanceof Float32Array || array instanceof Float64Array)) {
    const got = array === null ? "null" : typeof array === "object" ? array.constructor.name : typeof array;
    throw new TypeError(`expected ${name} to be a Float32Array or Float64Array ${shape}, got ${got}`);
  }
  if (array.length !== expected) {
    throw new RnnCellsError(
      "SHAPE_MISMATCH",
      `expected ${name} of shape ${shape} (${expected} elements), got ${array.length} elements`,
    );
  }
}

/** @internal Throws a NON_FINITE error naming the first NaN / ±Infinity. */
export function assertFinite(name: string, array: ArrayLike<number>): void {
  for (let i = 0; i < array.length; i++) {
    if (!Number.isFinite(array[i])) {
      throw new RnnCellsError("NON_FINITE", `expected finite values in ${name}, got ${String(array[i])} at index ${i}`);
    }
  }
}

/** @internal Checks weights against a resolved spec. */
export function validateWeights(spec: ResolvedRnnSpec, weights: RnnWeights): void {
  if (typeof weights !== "object" || weights === null) {
    throw new TypeError(`expected weights to be an object { kernel, recurrentKernel, bias }, got ${String(weights)}`);
  }
  const shapes = weightShapes(spec);
  const fmt = (shape: readonly number[]) => `[${shape.join(", ")}]`;
  assertFloatArray("kernel", weights.kernel, shapes.kernel[0] * shapes.kernel[1], fmt(shapes.kernel));
  assertFloatArray(
    "recurrentKernel",
    weights.recurrentKernel,
    shapes.recurrentKernel[0] * shapes.recurrentKernel[1],
    fmt(shapes.recurrentKernel),
  );
  if (shapes.bias === undefined) {
    if (weights.bias !== undefined) {
      throw new RnnCellsError("INVALID_ARGUMENT", "expected no bias with useBias: false, got a bias array");
    }
  } else {
    assertFloatArray(
      "bias",
      weights.bias,
      shapes.bias.reduce((a, b) => a * b, 1),
      fmt(shapes.bias),
    );
  }
  assertFinite("kernel", weights.kernel);
  assertFinite("recurrentKernel", weights.recurrentKernel);
  if (weights.bias !== undefined) assertFinite("bias", weights.bias);
}

/** @internal Allocates an array of the given dtype. */
export function allocate(dtype: FloatDType, length: number): FloatArray {
  return dtype === "float32" ? new Float32Array(length) : new Float64Array(length);
}
