/**
 * Element-wise activations understood by the fused recurrent kernels, and their derivatives expressed through
 * the activation's OUTPUT (so the backward kernels need only what the forward kernels saved).
 *
 * Names are those of `tf.layers` activations (`Activation.getClassName()`).
 */
export type RecurrentActivation =
  | "linear"
  | "tanh"
  | "sigmoid"
  | "hardSigmoid"
  | "relu"
  | "softsign"
  | "elu"
  | "selu"
  | "softplus";

/**
 * Every activation the fused kernels implement, in a stable order. Each has a derivative that is a function of its
 * output alone (what the backward kernels read): softsign (1 − |y|)², elu y > 0 ? 1 : y + 1, selu y > 0 ? λ : y + λα,
 * softplus 1 − e^(−y). tfjs's other element-wise activations are not: swish, mish and gelu are not monotonic or have
 * no closed form in y, relu6 is not in Keras's set; layers with them run the stock code path (and say so).
 */
export const RECURRENT_ACTIVATIONS: readonly RecurrentActivation[] = [
  "linear",
  "tanh",
  "sigmoid",
  "hardSigmoid",
  "relu",
  "softsign",
  "elu",
  "selu",
  "softplus",
];

/** λ of selu (tfjs's `SELU_SCALE`, Klambauer et al. 2017). */
export const SELU_SCALE = 1.0507009873554805;
/** λ·α of selu (tfjs's `SELU_SCALEALPHA`). */
export const SELU_SCALE_ALPHA = 1.7580993408473768;

/**
 * Values whose magnitude is below this are written as 0 by the fused kernels. WebAssembly has no flush-to-zero
 * mode, and subnormal floats (|v| < 1.2e-38 in float32) make matrix products on them about 25× slower; clearing
 * everything below 1e-30 removes them before they are formed by a product, at a relative cost far below float32
 * resolution of any value that matters (it is 1e-23 of the smallest normal gate value).
 */
export const FLUSH_TO_ZERO_BELOW = 1e-30;

/** Activation as a small integer, so inner loops switch on a number. */
export const ActivationCode = {
  Linear: 0,
  Tanh: 1,
  Sigmoid: 2,
  HardSigmoid: 3,
  Relu: 4,
  Softsign: 5,
  Elu: 6,
  Selu: 7,
  Softplus: 8,
} as const;
/** One of the values of {@link ActivationCode}. */
export type ActivationCode = (typeof ActivationCode)[keyof typeof ActivationCode];

/**
 * Maps an activation name to its code.
 *
 * @throws {RangeError} when the name is not one of {@link RECURRENT_ACTIVATIONS}.
 */
export function activationCode(name: unknown): ActivationCode {
  switch (name) {
    case "linear":
      return ActivationCode.Linear;
    case "tanh":
      return ActivationCode.Tanh;
    case "sigmoid":
      return ActivationCode.Sigmoid;
    case "hardSigmoid":
      return ActivationCode.HardSigmoid;
    case "relu":
      return ActivationCode.Relu;
    case "softsign":
      return ActivationCode.Softsign;
    case "elu":
      return ActivationCode.Elu;
    case "selu":
      return ActivationCode.Selu;
    case "softplus":
      return ActivationCode.Softplus;
    default:
      throw new RangeError(`expected an activation in ${RECURRENT_ACTIVATIONS.join(", ")}, got ${String(name)}`);
  }
}

/**
 * Applies an activation in place to `values[start, end)`.
 */
export function activateRange(values: Float32Array, start: number, end: number, code: ActivationCode): void {
  switch (code) {
    case ActivationCode.Linear:
      return;
    case ActivationCode.Tanh:
      for (let k = start; k < end; k++) values[k] = Math.tanh(values[k]!);
      return;
    case ActivationCode.Sigmoid:
      for (let k = start; k < end; k++) values[k] = 1 / (1 + Math.exp(-values[k]!));
      return;
    case ActivationCode.HardSigmoid:
      // tf.layers: clip(0.2 x + 0.5, 0, 1)
      for (let k = start; k < end; k++) {
        const y = 0.2 * values[k]! + 0.5;
        values[k] = y < 0 ? 0 : y > 1 ? 1 : y;
      }
      return;
    case ActivationCode.Relu:
      for (let k = start; k < end; k++) if (!(values[k]! > 0)) values[k] = 0;
      return;
    default:
      for (let k = start; k < end; k++) values[k] = activate(values[k]!, code);
  }
}

/** The activation of one value. */
export function activate(x: number, code: ActivationCode): number {
  switch (code) {
    case ActivationCode.Linear:
      return x;
    case ActivationCode.Tanh:
      return Math.tanh(x);
    case ActivationCode.Sigmoid:
      return 1 / (1 + Math.exp(-x));
    case ActivationCode.HardSigmoid: {
      const y = 0.2 * x + 0.5;
      return y < 0 ? 0 : y > 1 ? 1 : y;
    }
    case ActivationCode.Relu:
      return x > 0 ? x : 0;
    case ActivationCode.Softsign:
      return x / (1 + Math.abs(x));
    case ActivationCode.Elu:
      // tfjs's elu (alpha 1)
      return x > 0 ? x : Math.expm1(x);
    case ActivationCode.Selu:
      return x > 0 ? SELU_SCALE * x : SELU_SCALE_ALPHA * Math.expm1(x);
    case ActivationCode.Softplus:
      // log(1 + e^x) without overflow: max(x, 0) + log1p(e^−|x|)
      return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
  }
}

/**
 * The derivative of the activation at the point whose activation is `y`.
 * For hard sigmoid and relu the derivative is taken as 0 on the flat parts (y exactly 0 or 1, resp. 0).
 */
export function derivativeFromOutput(y: number, code: ActivationCode): number {
  switch (code) {
    case ActivationCode.Linear:
      return 1;
    case ActivationCode.Tanh:
      return 1 - y * y;
    case ActivationCode.Sigmoid:
      return y * (1 - y);
    case ActivationCode.HardSigmoid:
      return y > 0 && y < 1 ? 0.2 : 0;
    case ActivationCode.Relu:
      return y > 0 ? 1 : 0;
    case ActivationCode.Softsign: {
      const a = 1 - Math.abs(y);
      return a * a;
    }
    case ActivationCode.Elu:
      return y > 0 ? 1 : y + 1;
    case ActivationCode.Selu:
      return y > 0 ? SELU_SCALE : y + SELU_SCALE_ALPHA;
    case ActivationCode.Softplus:
      // σ(x) = 1 − e^−y
      return -Math.expm1(-y);
  }
}

/** Flushes a value to zero when its magnitude is below {@link FLUSH_TO_ZERO_BELOW}. */
export function flush(v: number): number {
  return v > -FLUSH_TO_ZERO_BELOW && v < FLUSH_TO_ZERO_BELOW ? 0 : v;
}
