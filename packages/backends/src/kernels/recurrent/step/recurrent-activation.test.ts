import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { expectClose } from "../../../test-support/expect-close";
import { useBackend } from "../../../test-support/test-backends";
import { activate, activationCode, derivativeFromOutput, RECURRENT_ACTIVATIONS } from "./recurrent-activation";
import type { RecurrentActivation } from "./recurrent-activation";

// Every fused activation against tfjs's own (tf.layers' activation of the same name, cpu backend), and its
// derivative-from-output against tfjs autodiff of that activation, on points that avoid the kinks. 1e-6.

const TFJS: Record<RecurrentActivation, (x: tf.Tensor) => tf.Tensor> = {
  linear: (x) => x,
  tanh: tf.tanh,
  sigmoid: tf.sigmoid,
  hardSigmoid: (x) => tf.clipByValue(tf.add(tf.mul(x, 0.2), 0.5), 0, 1),
  relu: tf.relu,
  softsign: (x) => tf.div(x, tf.add(1, tf.abs(x))),
  elu: tf.elu,
  selu: tf.selu,
  softplus: tf.softplus,
};

describe("fused activations", () => {
  beforeAll(async () => {
    await useBackend("cpu");
  });
  // no kinks of hardSigmoid (±2.5) or of relu / elu / selu (0) among them
  const xs = Float32Array.from([-9, -4, -2.4, -1.1, -0.3, -0.01, 0.02, 0.4, 1.3, 2.2, 3.7, 12]);

  for (const name of RECURRENT_ACTIVATIONS) {
    it(`${name}: value and derivative (from the output) equal tfjs's`, () => {
      const code = activationCode(name);
      const x = tf.tensor1d(xs);
      const [y, dy] = tf.tidy(() => [TFJS[name](x), tf.grad((v: tf.Tensor) => tf.sum(TFJS[name](v)))(x)]);
      const ours = Float32Array.from(xs, (v) => activate(v, code));
      expectClose({ shape: [xs.length], values: ours }, y!, { atol: 1e-6, rtol: 1e-6 });
      const derivative = Float32Array.from(ours, (v) => derivativeFromOutput(v, code));
      expectClose({ shape: [xs.length], values: derivative }, dy!, { atol: 1e-6, rtol: 1e-5 });
      tf.dispose([x, y!, dy!]);
    });
  }

  it("rejects names outside the fused set, listing it", () => {
    expect(() => activationCode("swish")).toThrow(
      "expected an activation in linear, tanh, sigmoid, hardSigmoid, relu, softsign, elu, selu, softplus, got swish",
    );
  });
});
