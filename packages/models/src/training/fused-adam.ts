import * as tf from "@tensorflow/tfjs";
import { ADAM_UPDATE, registerKernels } from "@recurrent/backends";
import { checkNumber } from "./option-checks";

/** The stock optimizer's state, private in its type declarations. */
interface AdamState {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: ({ originalName: string; variable: tf.Variable } | undefined)[];
  accumulatedSecondMoment: ({ originalName: string; variable: tf.Variable } | undefined)[];
  iterations: number;
  incrementIterations(): void;
}

type Gradients = Parameters<tf.AdamOptimizer["applyGradients"]>[0];

/**
 * `tf.train.adam` that updates each variable with one kernel (`FusedAdamUpdate` of `@recurrent/backends`, on cpu
 * and wasm) instead of about 13 element-wise ones: the same arithmetic in the same order, one pass over memory.
 * On other backends, or where the kernel is not registered, it is the stock optimizer. Same class name (`"Adam"`),
 * configuration and weights (`getWeights` / `setWeights`: iterations, then the first and second moments), so it
 * checkpoints, saves and resumes exactly like `tf.train.adam`. Like the stock optimizer it never writes a variable
 * in place: each update is computed into new tensors and `assign`ed, which is what lets `trainModel` refuse a step
 * after the fact without copying the weights.
 *
 * The constructor checks its arguments (unlike `tf.train.adam`): see {@link fusedAdam}.
 */
export class FusedAdamOptimizer extends tf.AdamOptimizer {
  /**
   * @param learningRate a finite number > 0.
   * @param beta1 in [0, 1).
   * @param beta2 in [0, 1).
   * @param epsilon a finite number > 0; `null` or absent: the backend's epsilon, as `tf.train.adam`.
   * @throws {TypeError} / {RangeError} for arguments outside those ranges.
   */
  constructor(learningRate: number, beta1: number, beta2: number, epsilon: number | null = null) {
    super(...checkAdamArguments(learningRate, beta1, beta2, epsilon));
  }

  override applyGradients(variableGradients: Gradients): void {
    const backend = tf.getBackend();
    if (tf.getKernel(ADAM_UPDATE, backend) === undefined) {
      super.applyGradients(variableGradients);
      return;
    }
    const self = this as unknown as AdamState;
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    // 1 − β^t at this step t = iterations + 1 (what the stock optimizer's accBeta variables hold)
    const t = self.iterations + 1;
    const attrs = {
      learningRate: self.learningRate,
      beta1: self.beta1,
      beta2: self.beta2,
      epsilon: self.epsilon,
      correction1: 1 - self.beta1 ** t,
      correction2: 1 - self.beta2 ** t,
    };
    tf.tidy(() => {
      names.forEach((name, i) => {
        const value = tf.engine().registeredVariables[name]!;
        self.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        self.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        const gradient = Array.isArray(variableGradients) ? variableGradients[i]!.tensor : variableGradients[name];
        if (gradient == null) return;
        const m = self.accumulatedFirstMoment[i].variable;
        const v = self.accumulatedSecondMoment[i].variable;
        const [x2, m2, v2] = tf.engine().runKernel(ADAM_UPDATE, { x: value, g: gradient, m, v }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
        m.assign(m2!);
        v.assign(v2!);
        value.assign(x2!);
      });
      // keep the stock state current, so getWeights/setWeights and a later stock step agree
      self.accBeta1.assign(tf.mul(self.accBeta1, self.beta1));
      self.accBeta2.assign(tf.mul(self.accBeta2, self.beta2));
    });
    self.incrementIterations();
  }
}

/**
 * Creates a {@link FusedAdamOptimizer}: `tf.train.adam` with one kernel per variable update on cpu and wasm.
 * Registers the `"adam"` kernel group of `@recurrent/backends` if it is not yet.
 *
 * @param learningRate @default 0.001
 * @param beta1 @default 0.9
 * @param beta2 @default 0.999
 * @param epsilon @default the backend's epsilon (1e-7), as `tf.train.adam`
 * @throws {TypeError} for an argument that is not a number.
 * @throws {RangeError} for a learning rate or epsilon that is not a finite number > 0 (with ε = 0, Adam divides 0
 *   by 0 for a variable whose gradients have all been 0), or a β outside [0, 1).
 * @example
 * const optimizer = fusedAdam(1e-3);
 * optimizer.minimize(() => loss(), false, variables);
 */
export function fusedAdam(learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon?: number): FusedAdamOptimizer {
  checkAdamArguments(learningRate, beta1, beta2, epsilon ?? null); // before registering anything
  registerKernels(["adam"]);
  return new FusedAdamOptimizer(learningRate, beta1, beta2, epsilon ?? null);
}

function checkAdamArguments(
  learningRate: unknown,
  beta1: unknown,
  beta2: unknown,
  epsilon: unknown,
): [learningRate: number, beta1: number, beta2: number, epsilon: number | undefined] {
  return [
    checkNumber("learningRate", learningRate, { above: 0 }),
    checkNumber("beta1", beta1, { min: 0, below: 1 }),
    checkNumber("beta2", beta2, { min: 0, below: 1 }),
    epsilon === null || epsilon === undefined ? undefined : checkNumber("epsilon", epsilon, { above: 0 }),
  ];
}
