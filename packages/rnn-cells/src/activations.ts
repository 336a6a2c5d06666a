/** Names of the activations the cells accept (Keras / tfjs names). */
export type ActivationName = "tanh" | "sigmoid" | "hard_sigmoid" | "relu" | "linear";

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

// tfjs and Keras 2: hard_sigmoid(x) = clip(0.2 x + 0.5, 0, 1). At the kinks x = ±2.5 the
// derivative is 0.2, the subgradient tfjs's clipByValue gradient picks (its bounds are inclusive).
const hardSigmoid: Activation = {
  name: "hard_sigmoid",
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

const ACTIVATIONS: Readonly<Record<ActivationName, Activation>> = {
  tanh,
  sigmoid,
  hard_sigmoid: hardSigmoid,
  relu,
  linear,
};

/**
 * Looks an activation up by its Keras / tfjs name.
 *
 * @throws {RangeError} when the name is not one of {@link ActivationName}.
 * @example
 * getActivation("tanh").apply(0) // 0
 */
export function getActivation(name: ActivationName): Activation {
  const activation = (ACTIVATIONS as Record<string, Activation | undefined>)[name];
  if (activation === undefined) {
    throw new RangeError(
      `expected activation to be one of ${Object.keys(ACTIVATIONS).join(", ")}, got ${JSON.stringify(name)}`,
    );
  }
  return activation;
}
