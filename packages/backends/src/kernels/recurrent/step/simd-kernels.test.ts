import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectClose } from "../../../test-support/expect-close";
import { useBackend } from "../../../test-support/test-backends";
import { GRU_GATES, GRU_GATES_GRAD, GRU_STATE, GRU_STATE_GRAD } from "./gru-step";
import { LSTM_STEP, LSTM_STEP_GRAD } from "./lstm-step";
import { RECURRENT_ACTIVATIONS } from "./recurrent-activation";
import { setRecurrentKernelSwitches } from "../../../testing";
import { simdKernelsFor } from "../../../wasm/recurrent-module";
import { registerRecurrentKernels } from "../register-recurrent-kernels";
import { SIMPLE_RNN_STEP, SIMPLE_RNN_STEP_GRAD } from "./simple-rnn-step";

// The WebAssembly SIMD kernels (assembly/recurrent.ts) against the JavaScript kernels, which the layer tests check
// against tf.layers and @recurrent/rnn-cells: same inputs (with a mask, every optional input, a unit count that is
// not a multiple of 4 so the scalar tail runs), every activation, both GRU variants, recurrent dropout masks;
// outputs equal within 2e-6.

const B = 3;
const T = 4;
const H = 7; // 4 SIMD lanes + a tail of 3

function run(name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>, simd: boolean): Float32Array[] {
  setRecurrentKernelSwitches({ simdKernels: simd });
  const out = tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap);
  return (Array.isArray(out) ? out : [out]).map((t) => t.dataSync() as Float32Array);
}

function bothMatch(name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>): void {
  const js = run(name, inputs, attrs, false);
  const simd = run(name, inputs, attrs, true);
  expect(simd.length).toBe(js.length);
  simd.forEach((values, k) => {
    expectClose({ shape: [values.length], values }, { shape: [js[k]!.length], values: js[k]! }, { atol: 2e-6, rtol: 2e-6 });
  });
}

describe("SIMD kernels equal the JavaScript kernels (wasm)", () => {
  beforeAll(async () => {
    await useBackend("wasm");
    registerRecurrentKernels();
    expect(simdKernelsFor(tf.backend())).not.toBeNull();
  });
  afterAll(() => {
    setRecurrentKernelSwitches({ simdKernels: true });
  });

  const r = (shape: number[], seed: number): tf.Tensor => tf.randomNormal(shape, 0, 1.5, "float32", seed);
  const mask = (): tf.Tensor => tf.tensor2d([1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 1, 0], [B, T]);

  for (const act of RECURRENT_ACTIVATIONS) {
    for (const rec of ["sigmoid", "hardSigmoid"] as const) {
      it(`LSTM, GRU and SimpleRNN steps, activation ${act}, recurrent ${rec}`, () => {
        tf.tidy(() => {
          const attrs = { t: 2, s: 1, activation: act, recurrentActivation: rec };
          const m = mask();
          const lstmIn = { xw: r([B, T, 4 * H], 1), hu: r([B, 4 * H], 2), hPrev: r([B, H], 3), cPrev: r([B, H], 4), mask: m };
          bothMatch(LSTM_STEP, lstmIn, attrs);
          const [, c, gates] = tf.engine().runKernel(LSTM_STEP, lstmIn, attrs as never) as tf.Tensor[];
          bothMatch(LSTM_STEP_GRAD, { gates: gates!, c: c!, cPrev: lstmIn.cPrev, dhRec: r([B, H], 5), dhCarry: r([B, H], 6), dOut: r([B, T, H], 7), dcNext: r([B, H], 8), mask: m }, attrs);

          const gruIn = { xw: r([B, T, 3 * H], 11), hu: r([B, 2 * H], 12), hPrev: r([B, H], 13) };
          bothMatch(GRU_GATES, gruIn, attrs);
          const [zr, rh] = tf.engine().runKernel(GRU_GATES, gruIn, attrs as never) as tf.Tensor[];
          const stateIn = { xw: gruIn.xw, zr: zr!, rhu: r([B, H], 14), hPrev: gruIn.hPrev, mask: m };
          bothMatch(GRU_STATE, stateIn, attrs);
          const [, hh] = tf.engine().runKernel(GRU_STATE, stateIn, attrs as never) as tf.Tensor[];
          bothMatch(GRU_STATE_GRAD, { zr: zr!, hh: hh!, hPrev: gruIn.hPrev, dhRec: r([B, H], 15), dhCarry: r([B, H], 16), dOut: r([B, T, H], 17), mask: m }, attrs);
          bothMatch(GRU_GATES_GRAD, { dRh: r([B, H], 18), zr: zr!, hPrev: gruIn.hPrev, dzz: r([B, H], 19), dhPartial: rh!, mask: m }, attrs);

          // Keras's reset-after GRU, and recurrent dropout masks (0 or 1 / (1 − rate))
          const after = { ...attrs, resetAfter: 1 };
          const drop = tf.mul(tf.cast(tf.greater(r([B, H], 31), 0), "float32"), 2);
          const afterIn = { xw: gruIn.xw, hu: r([B, 3 * H], 32), recurrentBias: r([3 * H], 33) };
          bothMatch(GRU_GATES, afterIn, after);
          bothMatch(GRU_GATES, { xw: afterIn.xw, hu: afterIn.hu }, after);
          const [zrA, rhuA] = tf.engine().runKernel(GRU_GATES, afterIn, after as never) as tf.Tensor[];
          bothMatch(GRU_STATE, { xw: gruIn.xw, zr: zrA!, rhu: rhuA!, hPrev: gruIn.hPrev, mask: m, recurrentMask: drop }, attrs);
          bothMatch(GRU_STATE_GRAD, { zr: zrA!, hh: hh!, hPrev: gruIn.hPrev, dhRec: r([B, H], 34), dhCarry: r([B, H], 35), dOut: r([B, T, H], 36), mask: m, recurrentMask: drop }, attrs);
          bothMatch(GRU_GATES_GRAD, { dzh: r([B, H], 37), zr: zrA!, hu: afterIn.hu, recurrentBias: afterIn.recurrentBias, dzz: r([B, H], 38), dhPartial: rh!, mask: m, recurrentMask: drop }, after);
          bothMatch(GRU_GATES_GRAD, { dzh: r([B, H], 37), zr: zrA!, hu: afterIn.hu, dzz: r([B, H], 38), dhPartial: rh! }, after);
          bothMatch(GRU_GATES_GRAD, { dRh: r([B, H], 18), zr: zr!, hPrev: gruIn.hPrev, dzz: r([B, H], 19), dhPartial: rh!, mask: m, recurrentMask: drop }, attrs);
          bothMatch(LSTM_STEP, { ...lstmIn, recurrentMask: drop }, attrs);
          bothMatch(LSTM_STEP_GRAD, { gates: gates!, c: c!, cPrev: lstmIn.cPrev, dhRec: r([B, H], 5), dhCarry: r([B, H], 6), dOut: r([B, T, H], 7), dcNext: r([B, H], 8), mask: m, recurrentMask: drop }, attrs);
          bothMatch(SIMPLE_RNN_STEP, { xw: r([B, T, H], 21), hu: r([B, H], 22), hPrev: r([B, H], 23), mask: m, recurrentMask: drop }, attrs);

          bothMatch(SIMPLE_RNN_STEP, { xw: r([B, T, H], 21), hu: r([B, H], 22), hPrev: r([B, H], 23), mask: m }, attrs);
          const [h] = tf.engine().runKernel(SIMPLE_RNN_STEP, { xw: r([B, T, H], 21), hu: r([B, H], 22), hPrev: r([B, H], 23), mask: m }, attrs as never) as tf.Tensor[];
          bothMatch(SIMPLE_RNN_STEP_GRAD, { h: h!, dhRec: r([B, H], 24), dhCarry: r([B, H], 25), dOut: r([B, T, H], 26), mask: m }, attrs);
          bothMatch(SIMPLE_RNN_STEP_GRAD, { h: h!, dhRec: r([B, H], 24), dhCarry: r([B, H], 25), dOut: r([B, T, H], 26), mask: m, recurrentMask: drop }, attrs);
          // optional inputs absent
          bothMatch(SIMPLE_RNN_STEP_GRAD, { h: h! }, attrs);
          bothMatch(LSTM_STEP_GRAD, { gates: gates!, c: c!, cPrev: lstmIn.cPrev }, attrs);
        });
      });
    }
  }
});
