import type { KernelConfig, NamedAttrMap } from "@tensorflow/tfjs";
import { BackendsError } from "../backends-error";
import type { FusedKernelSpec } from "./recurrent/step/fused-kernel";
import { expectShape, fusedKernelConfig } from "./recurrent/step/fused-kernel";

/** Kernel name of one fused Adam update of a variable. */
export const ADAM_UPDATE = "FusedAdamUpdate";

type Shapes = Readonly<Record<string, readonly number[] | undefined>>;

/** A finite number attribute. */
function numberAttr(attrs: NamedAttrMap, key: string): number {
  const v = attrs[key];
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new BackendsError("KERNEL_INPUT", `${ADAM_UPDATE}: expected attribute "${key}" to be a finite number, got ${String(v)}`);
  }
  return v;
}

function coefficients(attrs: NamedAttrMap) {
  return {
    lr: numberAttr(attrs, "learningRate"),
    beta1: numberAttr(attrs, "beta1"),
    beta2: numberAttr(attrs, "beta2"),
    epsilon: numberAttr(attrs, "epsilon"),
    c1: numberAttr(attrs, "correction1"),
    c2: numberAttr(attrs, "correction2"),
  };
}

/**
 * One Adam update of a variable in a single pass over its values, with `tf.train.adam`'s arithmetic in the same
 * order of operations (what the stock optimizer does in about 13 element-wise kernels, each a pass over memory):
 *
 *   m' = m·β1 + g·(1 − β1),  v' = v·β2 + g²·(1 − β2),  x' = (m'/c1) / (√(v'/c2) + ε) · (−lr) + x
 *
 * where `correction1` c1 = 1 − β1ᵗ and `correction2` c2 = 1 − β2ᵗ at step t. Inputs: `x` (the variable's value),
 * `g` (its gradient), `m`, `v` (the moments), all float32 of one shape. Attributes: `learningRate`, `beta1`,
 * `beta2`, `epsilon`, `correction1`, `correction2`. Outputs: `[x', m', v']`. WebAssembly SIMD on wasm.
 */
export const adamUpdateSpec: FusedKernelSpec = {
  name: ADAM_UPDATE,
  required: ["x", "g", "m", "v"],
  optional: [],
  outputShapes(shapes: Shapes, attrs: NamedAttrMap) {
    const shape = shapes.x!;
    for (const key of ["g", "m", "v"]) expectShape(ADAM_UPDATE, key, shapes[key], shape);
    coefficients(attrs);
    return [[...shape], [...shape], [...shape]];
  },
  simd(kernels, inputs, outputs, shapes, attrs) {
    const n = shapes.x!.reduce((a, b) => a * b, 1);
    const c = coefficients(attrs);
    kernels.adamUpdate(inputs.x!, inputs.g!, inputs.m!, inputs.v!, outputs[0]!, outputs[1]!, outputs[2]!, n, c.lr, c.beta1, c.beta2, c.epsilon, c.c1, c.c2);
  },
  compute(inputs, outputs, _shapes, attrs) {
    const x = inputs.x!;
    const g = inputs.g!;
    const m = inputs.m!;
    const v = inputs.v!;
    const [xOut, mOut, vOut] = outputs as [Float32Array, Float32Array, Float32Array];
    const { lr, beta1, beta2, epsilon, c1, c2 } = coefficients(attrs);
    const ob1 = 1 - beta1;
    const ob2 = 1 - beta2;
    for (let i = 0; i < x.length; i++) {
      const gi = g[i]!;
      const mi = m[i]! * beta1 + gi * ob1;
      const vi = v[i]! * beta2 + gi * gi * ob2;
      mOut[i] = mi;
      vOut[i] = vi;
      xOut[i] = (mi / c1 / (Math.sqrt(vi / c2) + epsilon)) * -lr + x[i]!;
    }
  },
};

/** The kernel configs of {@link ADAM_UPDATE} for cpu and wasm. */
export const adamUpdateConfigs: KernelConfig[] = (["cpu", "wasm"] as const).map((backend) => fusedKernelConfig(adamUpdateSpec, backend));
