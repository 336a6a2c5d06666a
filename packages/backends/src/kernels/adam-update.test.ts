import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { expectClose } from "../test-support/expect-close";
import { registerKernels } from "../register-kernels";
import { TEST_BACKENDS, useBackend } from "../test-support/test-backends";
import { ADAM_UPDATE } from "./adam-update";
import { setRecurrentKernelSwitches } from "../testing";

// The fused update against the stock optimizer's own arithmetic: three steps of tf.train.adam on a variable, and
// the same three steps through the kernel from the same start (float32: 1e-6 relative differences from rounding
// order are expected; the bound is 1e-5 absolute on values of order 1).

function fusedSteps(x0: tf.Tensor, grads: tf.Tensor[], lr: number, beta1: number, beta2: number, epsilon: number): tf.Tensor {
  let x = x0;
  let m = tf.zerosLike(x0);
  let v = tf.zerosLike(x0);
  grads.forEach((g, t) => {
    const out = tf.engine().runKernel(ADAM_UPDATE, { x, g, m, v }, {
      learningRate: lr, beta1, beta2, epsilon, correction1: 1 - beta1 ** (t + 1), correction2: 1 - beta2 ** (t + 1),
    } as never) as tf.Tensor[];
    [x, m, v] = out as [tf.Tensor, tf.Tensor, tf.Tensor];
  });
  return x;
}

for (const backend of TEST_BACKENDS) {
  for (const simd of backend === "wasm" ? [true, false] : [false]) {
    describe(`${ADAM_UPDATE} (${backend}${backend === "wasm" ? `, SIMD ${simd}` : ""})`, () => {
      beforeAll(async () => {
        await useBackend(backend);
        registerKernels();
        setRecurrentKernelSwitches({ simdKernels: simd });
      });

      it("equals three steps of tf.train.adam (odd length: vector body and scalar tail)", () => {
        const before = tf.memory().numTensors;
        tf.tidy(() => {
          const x0 = tf.randomNormal([7, 5], 0, 1, "float32", 1);
          const grads = [2, 3, 4].map((s) => tf.randomNormal([7, 5], 0, 1, "float32", s));
          const variable = tf.variable(x0.clone());
          const adam = tf.train.adam(0.01, 0.9, 0.999, 1e-7);
          for (const g of grads) adam.applyGradients([{ name: variable.name, tensor: g }]);
          expectClose(fusedSteps(x0, grads, 0.01, 0.9, 0.999, 1e-7), variable, { atol: 1e-5 });
          adam.dispose();
          variable.dispose();
        });
        expect(tf.memory().numTensors).toBe(before);
        setRecurrentKernelSwitches({ simdKernels: true });
      });

      it("rejects mismatched shapes and missing coefficients, naming them", () => {
        tf.tidy(() => {
          const a = tf.zeros([4]);
          const attrs = { learningRate: 0.1, beta1: 0.9, beta2: 0.99, epsilon: 1e-7, correction1: 0.1, correction2: 0.01 };
          expect(() => tf.engine().runKernel(ADAM_UPDATE, { x: a, g: tf.zeros([5]), m: a, v: a }, attrs as never)).toThrow(/"g" of shape \[4\], got \[5\]/);
          expect(() => tf.engine().runKernel(ADAM_UPDATE, { x: a, g: a, m: a, v: a }, { ...attrs, epsilon: undefined } as never)).toThrow(
            /attribute "epsilon" to be a finite number, got undefined/,
          );
        });
      });
    });
  }
}
