import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectClose } from "../../expect-close";
import { useBackend } from "../../test-backends";
import { LSTM_SEQUENCE } from "./lstm-sequence-wasm";
import { LSTM_STEP } from "./lstm-step";
import { setRecurrentSimdKernels } from "./recurrent-simd-module";
import { registerRecurrentKernels } from "./register-recurrent-kernels";

// The whole-sequence inference kernel against the per-step path it replaces (tf.matMul + the fused step kernel,
// itself checked against tf.layers in @recurrent/models).

const B = 3;
const T = 5;
const H = 6;

function run(name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>): tf.Tensor[] {
  const out = tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap);
  return Array.isArray(out) ? out : [out];
}

describe("RecurrentLstmSequence (wasm)", () => {
  beforeAll(async () => {
    await useBackend("wasm");
    registerRecurrentKernels();
  });
  afterAll(() => {
    setRecurrentSimdKernels(true);
  });

  for (const simd of [true, false]) {
    for (const goBackwards of [false, true]) {
      for (const returnSequences of [false, true]) {
        it(`equals the step-by-step path (SIMD ${simd}, goBackwards ${goBackwards}, returnSequences ${returnSequences}, masked)`, () => {
          setRecurrentSimdKernels(simd);
          const before = tf.memory().numTensors;
          tf.tidy(() => {
            const xw = tf.randomNormal([B, T, 4 * H], 0, 1, "float32", 1);
            const u = tf.randomNormal([H, 4 * H], 0, 0.5, "float32", 2);
            const h0 = tf.randomNormal([B, H], 0, 1, "float32", 3);
            const c0 = tf.randomNormal([B, H], 0, 1, "float32", 4);
            const mask = tf.tensor2d([1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1], [B, T]);
            const attrs = { activation: "tanh", recurrentActivation: "sigmoid" };
            const outs = run(LSTM_SEQUENCE, { xw, u, h0, c0, mask }, { ...attrs, goBackwards: goBackwards ? 1 : 0, returnSequences: returnSequences ? 1 : 0 });
            let h: tf.Tensor = h0;
            let c: tf.Tensor = c0;
            const hs: tf.Tensor[] = [];
            for (let s = 0; s < T; s++) {
              const t = goBackwards ? T - 1 - s : s;
              [h, c] = run(LSTM_STEP, { xw, hu: tf.matMul(h, u), hPrev: h, cPrev: c, mask }, { t, ...attrs }) as [tf.Tensor, tf.Tensor];
              hs.push(h);
            }
            const expected = returnSequences ? [tf.stack(hs, 1), h, c] : [h, c];
            expect(outs.length).toBe(expected.length);
            outs.forEach((o, i) => expectClose(o, expected[i]!, { atol: 1e-6 }));
          });
          expect(tf.memory().numTensors).toBe(before);
        });
      }
    }
  }
});
