import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BackendsError } from "../../../backends-error";
import { expectClose } from "../../../test-support/expect-close";
import { TEST_BACKENDS, useBackend } from "../../../test-support/test-backends";
import { setRecurrentKernelSwitches } from "../../../testing";
import { simdKernelsFor } from "../../../wasm/recurrent-module";
import { registerRecurrentKernels } from "../register-recurrent-kernels";
import { GRU_GATES, GRU_GATES_GRAD, GRU_STATE, GRU_STATE_GRAD } from "./gru-step";
import { LSTM_STEP, LSTM_STEP_GRAD } from "./lstm-step";
import { SIMPLE_RNN_STEP, SIMPLE_RNN_STEP_GRAD } from "./simple-rnn-step";

// The GRU step kernels, both variants (resetAfter 0: tf.layers; 1: Keras's default), with and without a recurrent
// dropout mask, against the same step written with plain tfjs ops (forward) and tfjs autodiff of it (backward);
// and the recurrent-dropout inputs of the LSTM and SimpleRNN steps against their definition. Outputs within 1e-6,
// gradients within 1e-5 (float32, values of order 1).

const B = 3;
const T = 4;
const H = 5; // a SIMD block of 4 and a tail of 1
const t = 2;
const s = 1;

function run(name: string, inputs: Record<string, tf.Tensor | undefined>, attrs: Record<string, unknown>): tf.Tensor[] {
  const named: tf.NamedTensorMap = {};
  for (const [k, v] of Object.entries(inputs)) if (v !== undefined) named[k] = v;
  const out = tf.engine().runKernel(name, named, attrs as tf.NamedAttrMap);
  return Array.isArray(out) ? out : [out];
}

const r = (shape: number[], seed: number): tf.Tensor => tf.randomUniform(shape, -1.2, 1.2, "float32", seed);
/** Row 1 is padded at time t (the kernels read the mask at t). */
const paddingMask = (): tf.Tensor => tf.tensor2d([1, 1, 1, 1, 1, 1, 0, 1, 1, 0, 1, 1], [B, T]);
/** A recurrent dropout mask with rate 0.5: 0 or 1 / (1 − 0.5). */
const dropMask = (): tf.Tensor => tf.tensor2d([2, 0, 2, 2, 0, 0, 2, 2, 0, 2, 2, 2, 0, 2, 0], [B, H]);

/**
 * The GRU step with plain ops: z, r = σ(xw_zr + hu_zr [+ b′]); resetAfter: hh = tanh(xw_h + r ⊙ (hu_h + b′_h)), else
 * hh = tanh(xw_h + (r ⊙ hp)·U_h); h = z ⊙ hp + (1 − z) ⊙ hh with hp = hPrev ⊙ m, and hPrev itself on padded rows.
 */
function referenceStep(
  after: boolean,
  xwT: tf.Tensor,
  hu: tf.Tensor,
  hPrev: tf.Tensor,
  uh: tf.Tensor,
  rb: tf.Tensor | undefined,
  valid: tf.Tensor,
  m: tf.Tensor | undefined,
): tf.Tensor {
  const hp = m === undefined ? hPrev : tf.mul(hPrev, m);
  const [xz, xr, xh] = tf.split(xwT, 3, 1) as [tf.Tensor, tf.Tensor, tf.Tensor];
  const huB = rb === undefined ? hu : tf.add(hu, rb);
  const [uz, ur] = tf.split(tf.slice(huB, [0, 0], [B, 2 * H]), 2, 1) as [tf.Tensor, tf.Tensor];
  const z = tf.sigmoid(tf.add(xz, uz));
  const rg = tf.sigmoid(tf.add(xr, ur));
  const rec = after ? tf.mul(rg, tf.slice(huB, [0, 2 * H], [B, H])) : tf.matMul(tf.mul(rg, hp), uh);
  const hh = tf.tanh(tf.add(xh, rec));
  const h = tf.add(tf.mul(z, hp), tf.mul(tf.sub(1, z), hh));
  return tf.where(tf.cast(valid, "bool"), h, hPrev);
}

const VARIANTS: { backend: string; simd: boolean }[] = TEST_BACKENDS.flatMap((backend: string) =>
  backend === "wasm" ? [{ backend, simd: true }, { backend, simd: false }] : [{ backend, simd: false }],
);

for (const { backend, simd } of VARIANTS) {
  describe(`GRU and recurrent-dropout step kernels on ${backend}${backend === "wasm" ? (simd ? " (SIMD module)" : " (JavaScript)") : ""}`, () => {
    beforeAll(async () => {
      await useBackend(backend);
      registerRecurrentKernels();
      setRecurrentKernelSwitches({ simdKernels: simd });
      if (backend === "wasm" && simd) expect(simdKernelsFor(tf.backend())).not.toBeNull();
    });
    afterAll(() => {
      setRecurrentKernelSwitches({ simdKernels: true });
    });

    for (const after of [false, true]) {
      for (const dropout of [false, true]) {
        it(`GRU resetAfter ${after ? 1 : 0}${dropout ? ", recurrent dropout" : ""}: forward and backward equal plain ops and their autodiff`, () => {
          const before = tf.memory().numTensors;
          tf.tidy(() => {
            const attrs = { t, s, activation: "tanh", recurrentActivation: "sigmoid", resetAfter: after ? 1 : 0 };
            const xw = r([B, T, 3 * H], 1);
            const hPrev = r([B, H], 2);
            const u = r([H, 3 * H], 3);
            const rb = after ? r([3 * H], 4) : undefined;
            const mask = paddingMask();
            const m = dropout ? dropMask() : undefined;
            const hp = m === undefined ? hPrev : tf.mul(hPrev, m);
            const uh = tf.slice(u, [0, 2 * H], [H, H]);
            const hu = after ? tf.matMul(hp, u) : tf.matMul(hp, tf.slice(u, [0, 0], [H, 2 * H]));
            const [zr, second] = run(GRU_GATES, { xw, hu, hPrev: after ? undefined : hp, recurrentBias: rb }, attrs) as [tf.Tensor, tf.Tensor];
            const rhu = after ? second : tf.matMul(second, uh);
            const outs = run(GRU_STATE, { xw, zr, rhu, hPrev, mask, recurrentMask: m }, attrs);
            expect(outs.length).toBe(dropout ? 3 : 2);
            const [h, hh, hDropped] = outs as [tf.Tensor, tf.Tensor, tf.Tensor | undefined];
            const xwT = tf.reshape(tf.slice(xw, [0, t, 0], [B, 1, 3 * H]), [B, 3 * H]);
            const valid = tf.reshape(tf.slice(mask, [0, t], [B, 1]), [B, 1]);
            const expected = referenceStep(after, xwT, hu, hPrev, uh, rb, valid, m);
            expectClose(h, expected, { atol: 1e-6 });
            if (m !== undefined) expectClose(hDropped!, tf.mul(expected, m), { atol: 1e-6 });

            // backward: the gradient reaching h_t is dhRec ⊙ m + dhCarry + dOut[s]
            const dhRec = r([B, H], 5);
            const dhCarry = r([B, H], 6);
            const dOut = r([B, T, H], 7);
            const upstream = tf.add(tf.add(m === undefined ? dhRec : tf.mul(dhRec, m), dhCarry), tf.reshape(tf.slice(dOut, [0, s, 0], [B, 1, H]), [B, H]));
            const [dzh, dzz, dhPartial] = run(GRU_STATE_GRAD, { zr, hh, hPrev: hp, dhRec, dhCarry, dOut, mask, recurrentMask: m }, attrs) as [tf.Tensor, tf.Tensor, tf.Tensor];
            const gatesGradInputs = after
              ? { dzh, zr, hu, recurrentBias: rb, dzz, dhPartial, mask, recurrentMask: m }
              : { dRh: tf.matMul(dzh, uh, false, true), zr, hPrev: hp, dzz, dhPartial, mask, recurrentMask: m };
            const [dzr, dhCarryPrev] = run(GRU_GATES_GRAD, gatesGradInputs, attrs) as [tf.Tensor, tf.Tensor];
            expect(dzr.shape).toEqual([B, (after ? 3 : 2) * H]);

            // autodiff of the reference with hu (the product's result) as an independent input
            const grads = tf.grads((xwT_: tf.Tensor, hu_: tf.Tensor, hPrev_: tf.Tensor) =>
              tf.sum(tf.mul(referenceStep(after, xwT_, hu_, hPrev_, uh, rb, valid, m), upstream)),
            )([xwT, hu, hPrev]) as [tf.Tensor, tf.Tensor, tf.Tensor];
            const dzrZR = tf.slice(dzr, [0, 0], [B, 2 * H]);
            expectClose(tf.concat([dzrZR, dzh], 1), grads[0], { atol: 1e-5, rtol: 1e-5 });
            // resetAfter: all three recurrent blocks (z, r, and dzh ⊙ r); otherwise z and r
            expectClose(dzr, grads[1], { atol: 1e-5, rtol: 1e-5 });
            expectClose(dhCarryPrev, grads[2], { atol: 1e-5, rtol: 1e-5 });
          });
          expect(tf.memory().numTensors).toBe(before);
        });
      }
    }

    it("GRU kernels check their inputs per variant", () => {
      tf.tidy(() => {
        const xw = r([B, T, 3 * H], 1);
        expect(() => run(GRU_GATES, { xw, hu: r([B, 3 * H], 2) }, { t, recurrentActivation: "sigmoid" })).toThrow(BackendsError);
        expect(() => run(GRU_GATES, { xw, hu: r([B, 2 * H], 2), hPrev: r([B, H], 3), recurrentBias: r([3 * H], 4) }, { t, recurrentActivation: "sigmoid" })).toThrow(
          'RecurrentGruGates: expected no input "recurrentBias" (resetAfter 0), got one',
        );
        expect(() => run(GRU_GATES, { xw, hu: r([B, 2 * H], 2) }, { t, recurrentActivation: "sigmoid", resetAfter: 1 })).toThrow(
          'RecurrentGruGates: expected input "hu" of shape [3, 15], got [3, 10]',
        );
        expect(() => run(GRU_GATES, { xw, hu: r([B, 3 * H], 2) }, { t, recurrentActivation: "sigmoid", resetAfter: 2 })).toThrow(
          'RecurrentGruGates: expected attribute "resetAfter" to be 0 or 1, got 2',
        );
      });
    });

    it("LSTM and SimpleRNN steps: recurrentMask adds hDropped = h ⊙ m and multiplies dhRec by m, nothing else", () => {
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        const attrs = { t, s, activation: "tanh", recurrentActivation: "sigmoid" };
        const mask = paddingMask();
        const m = dropMask();
        const lstmIn = { xw: r([B, T, 4 * H], 11), hu: r([B, 4 * H], 12), hPrev: r([B, H], 13), cPrev: r([B, H], 14), mask };
        const plain = run(LSTM_STEP, lstmIn, attrs);
        const dropped = run(LSTM_STEP, { ...lstmIn, recurrentMask: m }, attrs);
        expect([plain.length, dropped.length]).toEqual([3, 4]);
        for (let k = 0; k < 3; k++) expectClose(dropped[k]!, plain[k]!, { atol: 0, rtol: 0 });
        expectClose(dropped[3]!, tf.mul(plain[0]!, m), { atol: 1e-7 });
        const gradIn = { gates: plain[2]!, c: plain[1]!, cPrev: lstmIn.cPrev, dhRec: r([B, H], 15), dhCarry: r([B, H], 16), dOut: r([B, T, H], 17), dcNext: r([B, H], 18), mask };
        const gradDropped = run(LSTM_STEP_GRAD, { ...gradIn, recurrentMask: m }, attrs);
        const gradByHand = run(LSTM_STEP_GRAD, { ...gradIn, dhRec: tf.mul(gradIn.dhRec, m) }, attrs);
        gradDropped.forEach((g, k) => expectClose(g, gradByHand[k]!, { atol: 1e-7 }));

        const simpleIn = { xw: r([B, T, H], 21), hu: r([B, H], 22), hPrev: r([B, H], 23), mask };
        const [h] = run(SIMPLE_RNN_STEP, simpleIn, attrs) as [tf.Tensor];
        const [h2, hd] = run(SIMPLE_RNN_STEP, { ...simpleIn, recurrentMask: m }, attrs) as [tf.Tensor, tf.Tensor];
        expectClose(h2, h, { atol: 0, rtol: 0 });
        expectClose(hd, tf.mul(h, m), { atol: 1e-7 });
        const sGradIn = { h, dhRec: r([B, H], 24), dhCarry: r([B, H], 25), dOut: r([B, T, H], 26), mask };
        const sDropped = run(SIMPLE_RNN_STEP_GRAD, { ...sGradIn, recurrentMask: m }, attrs);
        const sByHand = run(SIMPLE_RNN_STEP_GRAD, { ...sGradIn, dhRec: tf.mul(sGradIn.dhRec, m) }, attrs);
        sDropped.forEach((g, k) => expectClose(g, sByHand[k]!, { atol: 1e-7 }));
      });
      expect(tf.memory().numTensors).toBe(before);
    });
  });
}
