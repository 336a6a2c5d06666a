import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BackendsError } from "../../../backends-error";
import { expectClose } from "../../../test-support/expect-close";
import { TEST_BACKENDS, useBackend } from "../../../test-support/test-backends";
import { LSTM_STEP, LSTM_STEP_GRAD } from "./lstm-step";
import { FLUSH_TO_ZERO_BELOW } from "./recurrent-activation";
import { setRecurrentKernelSwitches } from "../../../testing";
import { simdKernelsFor } from "../../../wasm/recurrent-module";
import { hasRecurrentKernels, RECURRENT_KERNEL_NAMES, registerRecurrentKernels } from "../register-recurrent-kernels";

// The fused LSTM step kernels against the same step written with plain tfjs ops (forward), and against tfjs
// autodiff of that step (backward). GRU and SimpleRNN kernels are checked end to end by the fast-layer tests of
// @recurrent/models, which compare whole layers and their gradients with tf.layers.

const B = 3;
const T = 4;
const H = 5;

function run(name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>): tf.Tensor[] {
  const out = tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap);
  return Array.isArray(out) ? out : [out];
}

const hardSigmoid = (x: tf.Tensor): tf.Tensor => tf.clipByValue(tf.add(tf.mul(x, 0.2), 0.5), 0, 1);

/** The LSTM step of tf.layers (gates i, f, c, o; recurrent activation hard sigmoid, activation tanh) on its pre-activations z. */
function referenceStep(z: tf.Tensor, cPrev: tf.Tensor): { h: tf.Tensor; c: tf.Tensor } {
  const [zi, zf, zg, zo] = tf.split(z, 4, 1) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
  const c = tf.add(tf.mul(hardSigmoid(zf), cPrev), tf.mul(hardSigmoid(zi), tf.tanh(zg)));
  return { h: tf.mul(hardSigmoid(zo), tf.tanh(c)), c };
}

describe("registerRecurrentKernels", () => {
  it("registers every kernel for cpu and wasm once", () => {
    registerRecurrentKernels();
    expect(registerRecurrentKernels()).toEqual([]);
    expect(hasRecurrentKernels("cpu")).toBe(true);
    expect(hasRecurrentKernels("wasm")).toBe(true);
    expect(hasRecurrentKernels("webgl")).toBe(false);
    expect(RECURRENT_KERNEL_NAMES).toContain(LSTM_STEP);
  });
});

const VARIANTS: { backend: string; simd: boolean }[] = TEST_BACKENDS.flatMap((backend: string) =>
  backend === "wasm" ? [{ backend, simd: true }, { backend, simd: false }] : [{ backend, simd: false }],
);

for (const { backend, simd } of VARIANTS) {
  describe(`fused LSTM step on ${backend}${backend === "wasm" ? (simd ? " (SIMD module)" : " (JavaScript)") : ""}`, () => {
    beforeAll(async () => {
      await useBackend(backend);
      registerRecurrentKernels();
      setRecurrentKernelSwitches({ simdKernels: simd });
      if (backend === "wasm" && simd) {
        // the SIMD module must actually be in use, or this block would test the JavaScript path twice
        expect(simdKernelsFor(tf.backend())).not.toBeNull();
      }
    });
    afterAll(() => {
      setRecurrentKernelSwitches({ simdKernels: true });
    });

    it("forward equals the tf-ops step, copies state on padded rows, and leaks nothing", () => {
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        const t = 2;
        const xw = tf.randomNormal([B, T, 4 * H], 0, 2, "float32", 1);
        const hu = tf.randomNormal([B, 4 * H], 0, 2, "float32", 2);
        const hPrev = tf.randomNormal([B, H], 0, 1, "float32", 3);
        const cPrev = tf.randomNormal([B, H], 0, 1, "float32", 4);
        const mask = tf.tensor2d([1, 1, 1, 1, 1, 1, 0, 1, 0, 0, 1, 1], [B, T]);
        const [h, c, gates] = run(LSTM_STEP, { xw, hu, hPrev, cPrev, mask }, { t, activation: "tanh", recurrentActivation: "hardSigmoid" });
        const z = tf.add(tf.squeeze(tf.slice(xw, [0, t, 0], [B, 1, 4 * H]), [1]), hu);
        const ref = referenceStep(z, cPrev);
        // rows 0 and 2 are real steps at t = 2, row 1 is padding
        const keep = tf.tensor2d([1, 0, 1], [B, 1]);
        const hExpected = tf.add(tf.mul(ref.h, keep), tf.mul(hPrev, tf.sub(1, keep)));
        const cExpected = tf.add(tf.mul(ref.c, keep), tf.mul(cPrev, tf.sub(1, keep)));
        expectClose(h!, hExpected, { atol: 1e-6 });
        expectClose(c!, cExpected, { atol: 1e-6 });
        expect(gates!.shape).toEqual([B, 4 * H]);
        expectClose(tf.slice(gates!, [1, 0], [1, 4 * H]), tf.zeros([1, 4 * H]), { atol: 0 });
      });
      expect(tf.memory().numTensors).toBe(before);
    });

    it("backward equals autodiff of the tf-ops step", () => {
      tf.tidy(() => {
        const t = 1;
        const s = 2;
        const xw = tf.randomNormal([B, T, 4 * H], 0, 1, "float32", 5);
        const hu = tf.randomNormal([B, 4 * H], 0, 1, "float32", 6);
        const hPrev = tf.randomNormal([B, H], 0, 1, "float32", 7);
        const cPrev = tf.randomNormal([B, H], 0, 1, "float32", 8);
        const dhRec = tf.randomNormal([B, H], 0, 1, "float32", 9);
        const dhCarry = tf.randomNormal([B, H], 0, 1, "float32", 10);
        const dOut = tf.randomNormal([B, T, H], 0, 1, "float32", 11);
        const dcNext = tf.randomNormal([B, H], 0, 1, "float32", 12);
        const attrs = { activation: "tanh", recurrentActivation: "hardSigmoid" };
        const [, c, gates] = run(LSTM_STEP, { xw, hu, hPrev, cPrev }, { t, ...attrs });
        const [dz, dcPrev, dhCarryPrev] = run(
          LSTM_STEP_GRAD,
          { gates: gates!, c: c!, cPrev, dhRec, dhCarry, dOut, dcNext },
          { t, s, ...attrs },
        );
        const dh = tf.add(tf.add(dhRec, dhCarry), tf.squeeze(tf.slice(dOut, [0, s, 0], [B, 1, H]), [1]));
        const z = tf.add(tf.squeeze(tf.slice(xw, [0, t, 0], [B, 1, 4 * H]), [1]), hu);
        const loss = (zz: tf.Tensor, cc: tf.Tensor): tf.Scalar => {
          const r = referenceStep(zz, cc);
          return tf.add(tf.sum(tf.mul(r.h, dh)), tf.sum(tf.mul(r.c, dcNext))) as tf.Scalar;
        };
        const [dzExpected, dcExpected] = tf.grads(loss)([z, cPrev]);
        expectClose(dz!, dzExpected!, { atol: 1e-5, rtol: 1e-5 });
        expectClose(dcPrev!, dcExpected!, { atol: 1e-5, rtol: 1e-5 });
        expectClose(dhCarryPrev!, tf.zeros([B, H]), { atol: 0 });
      });
    });

    it(`flushes outputs below ${FLUSH_TO_ZERO_BELOW} to exactly 0`, () => {
      tf.tidy(() => {
        // linear activations, i = g = 0 and f = o = 1: c = h = cPrev = 1e-36, below the threshold
        const xw = tf.zeros([1, 1, 4]);
        const hu = tf.tensor2d([[0, 1, 0, 1]]);
        const hPrev = tf.zeros([1, 1]);
        const cPrev = tf.tensor2d([[1e-36]]);
        const [h, c] = run(LSTM_STEP, { xw, hu, hPrev, cPrev }, { t: 0, activation: "linear", recurrentActivation: "linear" });
        expect(c!.dataSync()[0]).toBe(0);
        expect(h!.dataSync()[0]).toBe(0);
      });
    });

    it("rejects bad inputs with typed errors naming what was expected", () => {
      tf.tidy(() => {
        const xw = tf.zeros([B, T, 4 * H]);
        const hu = tf.zeros([B, 4 * H]);
        const hPrev = tf.zeros([B, H]);
        const cPrev = tf.zeros([B, H]);
        const attrs = { activation: "tanh", recurrentActivation: "sigmoid" };
        expect(() => run(LSTM_STEP, { xw, hu, hPrev: tf.zeros([B, H + 1]), cPrev }, { t: 0, ...attrs })).toThrow(
          /expected input "hPrev" of shape \[3, 5\], got \[3, 6\]/,
        );
        expect(() => run(LSTM_STEP, { xw, hu, hPrev, cPrev }, { t: T, ...attrs })).toThrow(RangeError);
        expect(() => run(LSTM_STEP, { xw, hu, hPrev, cPrev }, { t: 0, activation: "swish", recurrentActivation: "sigmoid" })).toThrow(
          /expected an activation in .*, got swish/,
        );
        try {
          run(LSTM_STEP, { xw, hu, hPrev: tf.zeros([B, H], "int32"), cPrev }, { t: 0, ...attrs });
          expect.fail("expected a BackendsError");
        } catch (error) {
          expect(error).toBeInstanceOf(BackendsError);
          expect((error as BackendsError).code).toBe("KERNEL_INPUT");
        }
      });
    });
  });
}
