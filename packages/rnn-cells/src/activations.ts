/**
 * Names of the activations the cells accept, spelled as tfjs spells them (the names a tfjs layer configuration
 * and a saved `model.json` use). The same names are used by every `@recurrent/*` package. Keras's snake-case
 * spelling (`"hardSigmoid"`) is accepted as an alias by {@link activationName} and {@link getActivation}.
 */
export type ActivationName =
  | "tanh"
  | "sigmoid"
  | "hardSigmoid"
  | "relu"
  | "linear"
  | "softsign"
  | "elu"
  | "selu"
  | "softplus";

/** Every {@link ActivationName}, in a fixed order. */
export const ACTIVATION_NAMES: readonly ActivationName[] = [
  "tanh",
  "sigmoid",
  "hardSigmoid",
  "relu",
  "linear",
  "softsign",
  "elu",
  "selu",
  "softplus",
];

/** Other spellings users type for the same activations (Keras's snake case). */
const ACTIVATION_ALIASES: Readonly<Record<string, ActivationName>> = { hard_sigmoid: "hardSigmoid" };

/**
 * The canonical name of an activation: one of {@link ActivationName}, or a Keras spelling of one
 * (`"hardSigmoid"` → `"hardSigmoid"`).
 *
 * @throws {RangeError} For any other value, listing the accepted names.
 * @example
 * activationName("hardSigmoid"); // "hardSigmoid"
 */
export function activationName(name: string): ActivationName {
  if ((ACTIVATION_NAMES as readonly string[]).includes(name)) return name as ActivationName;
  const alias = typeof name === "string" && Object.hasOwn(ACTIVATION_ALIASES, name) ? ACTIVATION_ALIASES[name] : undefined;
  if (alias !== undefined) return alias;
  throw new RangeError(
    `expected activation to be one of ${ACTIVATION_NAMES.join(", ")} (or Keras's hard_sigmoid), got ${JSON.stringify(name)}`,
  );
}

/** An activation φ with its derivative, expressed through the output y = φ(x) where possible. */
export interface Activation {
  readonly name: ActivationName;
  /** y = φ(x) */
  apply(x: number): number;
  /**
   * dφ/dx at the point where φ(x) = y and the pre-activation is x.
   * Both are passed because hard sigmoid and relu need x at their kinks.
   */
  derivative(x: number, y: number): number;
}

const tanh: Activation = {
  name: "tanh",
  apply: Math.tanh,
  derivative: (_x, y) => 1 - y * y,
};

const sigmoid: Activation = {
  name: "sigmoid",
  apply: (x) => 1 / (1 + Math.exp(-x)),
  derivative: (_x, y) => y * (1 - y),
};

// tfjs and Keras 2: hardSigmoid(x) = clip(0.2 x + 0.5, 0, 1). At the kinks x = ±2.5 the
// derivative is 0.2, the subgradient tfjs's clipByValue gradient picks (its bounds are inclusive).
const hardSigmoid: Activation = {
  name: "hardSigmoid",
  apply: (x) => Math.min(1, Math.max(0, 0.2 * x + 0.5)),
  derivative: (x) => (x >= -2.5 && x <= 2.5 ? 0.2 : 0),
};

// At x = 0 the derivative is 0, as tfjs's relu gradient (step(x)) gives.
const relu: Activation = {
  name: "relu",
  apply: (x) => (x > 0 ? x : 0),
  derivative: (x) => (x > 0 ? 1 : 0),
};

const linear: Activation = {
  name: "linear",
  apply: (x) => x,
  derivative: () => 1,
};

// x / (1 + |x|); its derivative 1 / (1 + |x|)² = (1 − |y|)².
const softsign: Activation = {
  name: "softsign",
  apply: (x) => x / (1 + Math.abs(x)),
  derivative: (x) => 1 / ((1 + Math.abs(x)) * (1 + Math.abs(x))),
};

// tfjs's elu (alpha 1): x for x > 0, e^x − 1 otherwise; derivative 1, resp. e^x (tfjs's EluGrad picks 1 at 0).
const elu: Activation = {
  name: "elu",
  apply: (x) => (x > 0 ? x : Math.expm1(x)),
  derivative: (x) => (x >= 0 ? 1 : Math.exp(x)),
};

// selu (Klambauer et al. 2017) with tfjs's / Keras's constants λ and λα.
const SELU_SCALE = 1.0507009873554805;
const SELU_SCALE_ALPHA = 1.7580993408473768;
const selu: Activation = {
  name: "selu",
  apply: (x) => (x > 0 ? SELU_SCALE * x : SELU_SCALE_ALPHA * Math.expm1(x)),
  derivative: (x) => (x > 0 ? SELU_SCALE : SELU_SCALE_ALPHA * Math.exp(x)),
};

// log(1 + e^x), written to neither overflow nor lose small values; its derivative is σ(x).
const softplus: Activation = {
  name: "softplus",
  apply: (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))),
  derivative: (x) => 1 / (1 + Math.exp(-x)),
};

const ACTIVATIONS: Readonly<Record<ActivationName, Activation>> = {
  tanh,
  sigmoid,
  hardSigmoid,
  relu,
  linear,
  softsign,
  elu,
  selu,
  softplus,
};

/**
 * Looks an activation up by its name ({@link ActivationName}, or Keras's `"hardSigmoid"`).
 *
 * @throws {RangeError} when the name is not one of {@link ActivationName} or an alias of one.
 * @example
 * getActivation("tanh").apply(0) // 0
 */
export function getActivation(name: ActivationName): Activation {
  return ACTIVATIONS[activationName(name)];
}
