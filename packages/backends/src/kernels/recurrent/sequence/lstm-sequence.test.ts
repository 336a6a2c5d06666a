import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectClose } from "../../../test-support/expect-close";
import { TEST_BACKENDS, useBackend } from "../../../test-support/test-backends";
import { GRU_SEQUENCE } from "./gru-sequence";
import { BIDIRECTIONAL_LSTM_SEQUENCE, BIDIRECTIONAL_LSTM_SEQUENCE_GRAD, LSTM_SEQUENCE, LSTM_SEQUENCE_GRAD } from "./lstm-sequence";
import { registerRecurrentKernels } from "../register-recurrent-kernels";
import { configureRecurrentKernels } from "../recurrent-kernel-settings";
import type { RecurrentKernelOptions } from "../recurrent-kernel-settings";
import { recurrentKernelsInfo, recurrentThreadsReady } from "./sequence-runtime";

// The whole-sequence kernels against an LSTM written with plain tf ops (forward values, and tfjs autodiff for the
// backward kernel), with the threads splitting the units and without. Shapes exercise the 4 × 8 register tiles,
// their row and column tails, and thread shares of unequal size; the last case is larger than the packed products'
// blocks (depth 4U = 400 and B·T = 279 over 256, rows B·T and U over 96, D = 70 and U = 100 not whole panels of 8,
// thread shares of 6 and 7 panels). Cases with `dropped` take a recurrent dropout mask (recurrentMask: every step's
// recurrent product takes h ⊙ mask).

function run(name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>): tf.Tensor[] {
  const out = tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap);
  return Array.isArray(out) ? out : [out];
}

interface Case {
  batch: number;
  time: number;
  inputDim: number;
  units: number;
  bias: boolean;
  goBackwards: boolean;
  masked: boolean;
  act: "tanh" | "relu";
  rec: "sigmoid" | "hardSigmoid";
  dropped?: boolean;
}

const CASES: Case[] = [
  { batch: 5, time: 7, inputDim: 9, units: 12, bias: true, goBackwards: false, masked: true, act: "tanh", rec: "sigmoid" },
  { batch: 5, time: 7, inputDim: 9, units: 12, bias: true, goBackwards: true, masked: true, act: "tanh", rec: "sigmoid" },
  { batch: 8, time: 4, inputDim: 16, units: 16, bias: false, goBackwards: false, masked: false, act: "tanh", rec: "hardSigmoid" },
  { batch: 3, time: 5, inputDim: 2, units: 6, bias: true, goBackwards: true, masked: false, act: "relu", rec: "sigmoid" },
  { batch: 1, time: 1, inputDim: 1, units: 1, bias: false, goBackwards: false, masked: false, act: "tanh", rec: "sigmoid" },
  { batch: 9, time: 31, inputDim: 70, units: 100, bias: true, goBackwards: true, masked: true, act: "tanh", rec: "sigmoid" },
  { batch: 5, time: 7, inputDim: 9, units: 13, bias: true, goBackwards: true, masked: true, act: "tanh", rec: "sigmoid", dropped: true },
  { batch: 9, time: 31, inputDim: 70, units: 100, bias: true, goBackwards: false, masked: true, act: "tanh", rec: "sigmoid", dropped: true },
];

const activations = {
  tanh: (x: tf.Tensor) => tf.tanh(x),
  relu: (x: tf.Tensor) => tf.relu(x),
  sigmoid: (x: tf.Tensor) => tf.sigmoid(x),
  hardSigmoid: (x: tf.Tensor) => tf.clipByValue(tf.add(tf.mul(x, 0.2), 0.5), 0, 1),
};

/** The LSTM in plain tf ops: y by processing step, hT, cT. */
function reference(
  c: Case,
  x: tf.Tensor3D,
  kernel: tf.Tensor2D,
  bias: tf.Tensor1D | null,
  u: tf.Tensor2D,
  h0: tf.Tensor2D,
  c0: tf.Tensor2D,
  mask: tf.Tensor2D | null,
  drop: tf.Tensor2D | null = null,
): tf.Tensor[] {
  const projected = tf.matMul(tf.reshape(x, [c.batch * c.time, c.inputDim]), kernel);
  const xw = tf.reshape(bias === null ? projected : tf.add(projected, bias), [c.batch, c.time, 4 * c.units]);
  const act = activations[c.act];
  const rec = activations[c.rec];
  let h: tf.Tensor = h0;
  let cell: tf.Tensor = c0;
  const ys: tf.Tensor[] = [];
  for (let s = 0; s < c.time; s++) {
    const t = c.goBackwards ? c.time - 1 - s : s;
    const z = tf.add(tf.squeeze(tf.slice(xw, [0, t, 0], [c.batch, 1, 4 * c.units]), [1]), tf.matMul(drop === null ? h : tf.mul(h, drop), u));
    const [zi, zf, zg, zo] = tf.split(z, 4, 1) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    let cNew = tf.add(tf.mul(rec(zf), cell), tf.mul(rec(zi), act(zg)));
    let hNew = tf.mul(rec(zo), act(cNew));
    if (mask !== null) {
      const m = tf.slice(mask, [0, t], [c.batch, 1]);
      cNew = tf.add(tf.mul(m, cNew), tf.mul(tf.sub(1, m), cell));
      hNew = tf.add(tf.mul(m, hNew), tf.mul(tf.sub(1, m), h));
    }
    h = hNew;
    cell = cNew;
    ys.push(h);
  }
  return [tf.stack(ys, 1), h, cell];
}

function inputsFor(c: Case, seed: number) {
  const x = tf.randomNormal([c.batch, c.time, c.inputDim], 0, 1, "float32", seed) as tf.Tensor3D;
  const kernel = tf.randomNormal([c.inputDim, 4 * c.units], 0, 0.5, "float32", seed + 4) as tf.Tensor2D;
  const bias = c.bias ? (tf.randomNormal([4 * c.units], 0, 0.5, "float32", seed + 5) as tf.Tensor1D) : null;
  const u = tf.randomNormal([c.units, 4 * c.units], 0, 0.4, "float32", seed + 1) as tf.Tensor2D;
  const h0 = tf.randomNormal([c.batch, c.units], 0, 0.5, "float32", seed + 2) as tf.Tensor2D;
  const c0 = tf.randomNormal([c.batch, c.units], 0, 0.5, "float32", seed + 3) as tf.Tensor2D;
  // pre- and post-padded rows, and a row with a padded step in the middle
  const m = new Float32Array(c.batch * c.time).fill(1);
  if (c.masked) {
    for (let t = 0; t < 2; t++) m[0 * c.time + t] = 0;
    for (let t = c.time - 3; t < c.time; t++) m[1 * c.time + t] = 0;
    m[2 * c.time + 3] = 0;
  }
  const mask = c.masked ? tf.tensor2d(m, [c.batch, c.time]) : null;
  // a recurrent dropout mask of rate 0.3: 0 or 1 / 0.7
  const keep = tf.randomUniform([c.batch, c.units], 0, 1, "float32", seed + 6).greaterEqual(0.3);
  const drop = c.dropped === true ? (tf.div(tf.cast(keep, "float32"), 0.7) as tf.Tensor2D) : null;
  return { x, kernel, bias, u, h0, c0, mask, drop };
}

/** The kernel's inputs from a case's tensors: the optional ones (bias, mask, recurrent mask) only when present. */
function kernelInputs(d: ReturnType<typeof inputsFor>): Record<string, tf.Tensor> {
  return {
    x: d.x, kernel: d.kernel, u: d.u, h0: d.h0, c0: d.c0,
    ...(d.bias === null ? {} : { bias: d.bias }),
    ...(d.mask === null ? {} : { mask: d.mask }),
    ...(d.drop === null ? {} : { recurrentMask: d.drop }),
  };
}

const label = (c: Case) =>
  `B${c.batch} T${c.time} D${c.inputDim} U${c.units}${c.bias ? "" : " no bias"}${c.goBackwards ? " goBackwards" : ""}${c.masked ? " masked" : ""}${c.dropped === true ? " recurrent dropout" : ""} ${c.act}/${c.rec}`;

// Relaxed SIMD ("on": fused multiply-add, turning on V8's flag on Node 20) once, for 2 threads on wasm.
const RUNS = [
  ...TEST_BACKENDS.flatMap((backend) => [1, 2].map((threads) => ({ backend, threads, relaxed: "off" as const }))),
  { backend: "wasm" as const, threads: 2, relaxed: "on" as const },
];

for (const { backend, threads, relaxed } of RUNS) {
  describe(`${LSTM_SEQUENCE} and ${LSTM_SEQUENCE_GRAD} (${backend}, ${threads} thread${threads > 1 ? "s" : ""}, relaxed SIMD ${relaxed})`, () => {
    let before: RecurrentKernelOptions = {};
    let running = 0;
    let usedRelaxed: boolean | undefined;
    beforeAll(async () => {
      await useBackend(backend);
      registerRecurrentKernels();
      before = configureRecurrentKernels({ threads, relaxedSimd: relaxed });
      running = await recurrentThreadsReady();
      usedRelaxed = recurrentKernelsInfo()?.relaxedSimd;
    });
    afterAll(() => {
      configureRecurrentKernels(before);
    });

    it(`runs on ${threads} thread${threads > 1 ? "s" : ""}, relaxed SIMD ${relaxed}`, () => {
      expect(running).toBe(threads);
      expect(usedRelaxed).toBe(relaxed === "on"); // Node 20 has it behind a flag that "on" sets
    });

    for (const [n, c] of CASES.entries()) {
      it(`forward equals plain tf ops (${label(c)})`, () => {
        const start = tf.memory().numTensors;
        tf.tidy(() => {
          const data = inputsFor(c, 10 * n + 1);
          const { x, kernel, bias, u, h0, c0, mask, drop } = data;
          const [y, hT, cT] = reference(c, x, kernel, bias, u, h0, c0, mask, drop) as [tf.Tensor, tf.Tensor, tf.Tensor];
          const attrs = { activation: c.act, recurrentActivation: c.rec, goBackwards: c.goBackwards ? 1 : 0 };
          const inputs = kernelInputs(data);
          const seqOut = run(LSTM_SEQUENCE, inputs, { ...attrs, returnSequences: 1 });
          expect(seqOut.length).toBe(3);
          expectClose(seqOut[0]!, y, { atol: 1e-5 });
          expectClose(seqOut[1]!, hT, { atol: 1e-5 });
          expectClose(seqOut[2]!, cT, { atol: 1e-5 });
          const lastOut = run(LSTM_SEQUENCE, inputs, { ...attrs, returnSequences: 0 });
          expect(lastOut.length).toBe(2);
          expectClose(lastOut[0]!, hT, { atol: 1e-5 });
          const forGrad = run(LSTM_SEQUENCE, inputs, { ...attrs, returnSequences: 1, forGradient: 1 });
          expect(forGrad.map((t) => t.shape)).toEqual([[c.batch, c.time, c.units], [c.batch, c.units], [c.batch, c.units], [1]]);
          expect(forGrad[3]!.dtype).toBe("int32");
          expectClose(forGrad[0]!, y, { atol: 1e-5 });
          // release the saved activations
          run(LSTM_SEQUENCE_GRAD, { saved: forGrad[3]! }, {});
        });
        expect(tf.memory().numTensors).toBe(start);
      });

      it(`backward equals tfjs autodiff of plain tf ops (${label(c)})`, () => {
        const start = tf.memory().numTensors;
        tf.tidy(() => {
          const { x, kernel, bias, u, h0, c0, mask, drop } = inputsFor(c, 10 * n + 5);
          // a loss that reaches every output: the sequence, the final h and the final c
          const wy = tf.randomNormal([c.batch, c.time, c.units], 0, 1, "float32", 7);
          const wh = tf.randomNormal([c.batch, c.units], 0, 1, "float32", 8);
          const wc = tf.randomNormal([c.batch, c.units], 0, 1, "float32", 9);
          const loss = (...v: tf.Tensor[]) => {
            const [y, hT, cT] = reference(
              c, v[0] as tf.Tensor3D, v[1] as tf.Tensor2D, c.bias ? (v[5] as tf.Tensor1D) : null,
              v[2] as tf.Tensor2D, v[3] as tf.Tensor2D, v[4] as tf.Tensor2D, mask, drop,
            );
            return tf.addN([tf.sum(tf.mul(y!, wy)), tf.sum(tf.mul(hT!, wh)), tf.sum(tf.mul(cT!, wc))]) as tf.Scalar;
          };
          const expected = tf.grads(loss)([x, kernel, u, h0, c0, ...(bias === null ? [] : [bias])]);
          const attrs = { activation: c.act, recurrentActivation: c.rec, goBackwards: c.goBackwards ? 1 : 0 };
          const common = { x, kernel, u, h0, c0, ...(mask === null ? {} : { mask }), ...(drop === null ? {} : { recurrentMask: drop }) };
          const fwd = run(LSTM_SEQUENCE, { ...common, ...(bias === null ? {} : { bias }) }, { ...attrs, returnSequences: 0, forGradient: 1 });
          const out = run(LSTM_SEQUENCE_GRAD, { saved: fwd[2]!, dy: wy, dh: wh, dc: wc }, {});
          expect(out.length).toBe(6);
          const [dx, dKernel, dU, dBias, dh0, dc0] = out as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
          // float32 sums in another order; with recurrent dropout (h scaled by 1 / 0.7) weight gradients reach 15
          const tol = { atol: 1e-4, rtol: c.dropped === true ? 1e-4 : 1e-6 };
          expectClose(dx, expected[0]!, tol);
          expectClose(dKernel, expected[1]!, tol);
          expectClose(dU, expected[2]!, tol);
          expectClose(dh0, expected[3]!, tol);
          expectClose(dc0, expected[4]!, tol);
          if (bias !== null) expectClose(dBias, expected[5]!, tol);
        });
        expect(tf.memory().numTensors).toBe(start);
      });
    }

    it("treats absent incoming gradients as zeros", () => {
      tf.tidy(() => {
        const c = CASES[0]!;
        const { x, kernel, u, h0, c0 } = inputsFor(c, 3);
        const attrs = { activation: "tanh", recurrentActivation: "sigmoid", goBackwards: 0 };
        const forward = () => run(LSTM_SEQUENCE, { x, kernel, u, h0, c0 }, { ...attrs, forGradient: 1 })[2]!;
        const zeros = tf.zeros([c.batch, c.units]);
        const dy = tf.randomNormal([c.batch, c.time, c.units], 0, 1, "float32", 4);
        const explicit = run(LSTM_SEQUENCE_GRAD, { saved: forward(), dy, dh: zeros, dc: zeros }, {});
        const absent = run(LSTM_SEQUENCE_GRAD, { saved: forward(), dy }, {});
        explicit.forEach((e, i) => expectClose(absent[i]!, e, { atol: 0 }));
      });
    });

    for (const [n, c] of [...CASES.slice(0, 4), CASES[6]!].entries()) {
      it(`the bidirectional kernels equal one single-direction call per direction (${label(c)})`, () => {
        const start = tf.memory().numTensors;
        tf.tidy(() => {
          const f = inputsFor(c, 10 * n + 2);
          const b = inputsFor(c, 10 * n + 7);
          const mask = f.mask;
          const attrs = { activation: c.act, recurrentActivation: c.rec };
          const lane = (p: typeof f) => ({
            kernel: p.kernel, u: p.u, h0: p.h0, c0: p.c0,
            ...(p.bias === null ? {} : { bias: p.bias }),
            ...(p.drop === null ? {} : { recurrentMask: p.drop }),
          });
          const suffixed = (p: typeof f, sfx: string) => Object.fromEntries(Object.entries(lane(p)).map(([k, v]) => [`${k}${sfx}`, v]));
          const shared = { x: f.x, ...(mask === null ? {} : { mask }) };
          for (const returnSequences of [0, 1]) {
            const single = [
              ...run(LSTM_SEQUENCE, { ...shared, ...lane(f) }, { ...attrs, goBackwards: 0, returnSequences, forGradient: 1 }),
              ...run(LSTM_SEQUENCE, { ...shared, ...lane(b) }, { ...attrs, goBackwards: 1, returnSequences, forGradient: 1 }),
            ];
            const both = run(BIDIRECTIONAL_LSTM_SEQUENCE, { ...shared, ...suffixed(f, "F"), ...suffixed(b, "B") }, { ...attrs, returnSequences, forGradient: 1 });
            const perLane = returnSequences === 1 ? 4 : 3; // [y,] hT, cT, saved
            expect(both.length).toBe(2 * perLane - 1);
            const singleOuts = [...single.slice(0, perLane - 1), ...single.slice(perLane, 2 * perLane - 1)];
            singleOuts.forEach((t, i) => expectClose(both[i]!, t, { atol: 1e-6 }));
            const dyF = returnSequences === 1 ? tf.randomNormal([c.batch, c.time, c.units], 0, 1, "float32", 21) : null;
            const dyB = returnSequences === 1 ? tf.randomNormal([c.batch, c.time, c.units], 0, 1, "float32", 22) : null;
            const dhF = tf.randomNormal([c.batch, c.units], 0, 1, "float32", 23);
            const dcB = tf.randomNormal([c.batch, c.units], 0, 1, "float32", 24);
            const gF = run(LSTM_SEQUENCE_GRAD, { saved: single[perLane - 1]!, dh: dhF, ...(dyF === null ? {} : { dy: dyF }) }, {});
            const gB = run(LSTM_SEQUENCE_GRAD, { saved: single[2 * perLane - 1]!, dc: dcB, ...(dyB === null ? {} : { dy: dyB }) }, {});
            const g = run(BIDIRECTIONAL_LSTM_SEQUENCE_GRAD, {
              saved: both[both.length - 1]!, dhF, dcB, ...(dyF === null ? {} : { dyF }), ...(dyB === null ? {} : { dyB }),
            }, {});
            expect(g.length).toBe(11);
            expectClose(g[0]!, tf.add(gF[0]!, gB[0]!), { atol: 1e-5 });
            gF.slice(1).forEach((t, i) => expectClose(g[1 + i]!, t, { atol: 1e-5 }));
            gB.slice(1).forEach((t, i) => expectClose(g[6 + i]!, t, { atol: 1e-5 }));
          }
        });
        expect(tf.memory().numTensors).toBe(start);
      });
    }

    it("rejects a single-direction handle in the bidirectional gradient", () => {
      tf.tidy(() => {
        const { x, kernel, u, h0, c0 } = inputsFor(CASES[3]!, 13);
        const saved = run(LSTM_SEQUENCE, { x, kernel, u, h0, c0 }, { activation: "tanh", recurrentActivation: "sigmoid", forGradient: 1 })[2]!;
        expect(() => run(BIDIRECTIONAL_LSTM_SEQUENCE_GRAD, { saved }, {})).toThrow(/expected the handle of a 2-direction forward call, got one of 1/);
        run(LSTM_SEQUENCE_GRAD, { saved }, {});
      });
    });

    it("keeps the saved activations until the backward call, once, and releases the oldest beyond 64", () => {
      tf.tidy(() => {
        const c = CASES[3]!;
        const { x, kernel, u, h0, c0 } = inputsFor(c, 11);
        const attrs = { activation: "relu", recurrentActivation: "sigmoid", forGradient: 1 };
        const forward = () => run(LSTM_SEQUENCE, { x, kernel, u, h0, c0 }, attrs)[2]!;
        const saved = forward();
        run(LSTM_SEQUENCE_GRAD, { saved }, {});
        expect(() => run(LSTM_SEQUENCE_GRAD, { saved }, {})).toThrow(/its backward pass already ran/);
        const handles = Array.from({ length: 65 }, forward);
        expect(() => run(LSTM_SEQUENCE_GRAD, { saved: handles[0]! }, {})).toThrow(/more than 64 forward passes were waiting/);
        for (const h of handles.slice(1).reverse()) run(LSTM_SEQUENCE_GRAD, { saved: h }, {});
        expect(() => run(LSTM_SEQUENCE_GRAD, { saved: tf.tensor1d([1], "float32") }, {})).toThrow(/expected an int32 tensor, got float32/);
      });
    });

    it("rejects inputs of the wrong shape or dtype, naming them", () => {
      tf.tidy(() => {
        const x = tf.zeros([2, 3, 5]);
        const ok = { kernel: tf.zeros([5, 8]), u: tf.zeros([2, 8]), h0: tf.zeros([2, 2]), c0: tf.zeros([2, 2]) };
        const attrs = { activation: "tanh", recurrentActivation: "sigmoid" };
        expect(() => run(LSTM_SEQUENCE, { x, ...ok, u: tf.zeros([3, 8]) }, attrs)).toThrow(/"u" of shape \[2, 8\], got \[3, 8\]/);
        expect(() => run(LSTM_SEQUENCE, { x, ...ok, kernel: tf.zeros([5, 7]) }, attrs)).toThrow(/"kernel" of shape \[inputDim, 4·units\]/);
        expect(() => run(LSTM_SEQUENCE, { x, ...ok, kernel: tf.zeros([4, 8]) }, attrs)).toThrow(/"kernel" of shape \[5, 8\], got \[4, 8\]/);
        expect(() => run(LSTM_SEQUENCE, { x: tf.zeros([2, 3, 5], "int32"), ...ok }, attrs)).toThrow(/dtype float32, got int32/);
        expect(() => run(LSTM_SEQUENCE, { x, ...ok, mask: tf.ones([2, 4]) }, attrs)).toThrow(/"mask" of shape \[2, 3\]/);
        expect(() => run(LSTM_SEQUENCE, { x, ...ok, bias: tf.zeros([7]) }, attrs)).toThrow(/"bias" of shape \[8\]/);
        expect(() => run(LSTM_SEQUENCE, { x, ...ok, recurrentMask: tf.ones([2, 3]) }, attrs)).toThrow(/"recurrentMask" of shape \[2, 2\], got \[2, 3\]/);
        const lanes = { kernelF: ok.kernel, uF: ok.u, h0F: ok.h0, c0F: ok.c0, kernelB: ok.kernel, uB: ok.u, h0B: ok.h0, c0B: ok.c0 };
        expect(() => run(BIDIRECTIONAL_LSTM_SEQUENCE, { x, ...lanes, recurrentMaskF: tf.ones([2, 2]) }, attrs)).toThrow(
          /expected input "recurrentMaskB" as the other direction has one, got none/,
        );
        const gru = { x, kernel: tf.zeros([5, 6]), u: tf.zeros([2, 6]), h0: ok.h0, recurrentMask: tf.ones([2, 3]) };
        expect(() => run(GRU_SEQUENCE, gru, attrs)).toThrow(/"recurrentMask" of shape \[2, 2\], got \[2, 3\]/);
      });
    });
  });
}

// Every output of the kernels is one chain of operations whatever the partition between threads (the packed
// products sum each output from its init in the order of k, the thread shares only choose who computes it), so
// the thread count changes no bit.
describe(`${LSTM_SEQUENCE} and ${LSTM_SEQUENCE_GRAD}: the same bits on 1 and 2 threads`, () => {
  let before: RecurrentKernelOptions = {};
  beforeAll(async () => {
    await useBackend("wasm");
    registerRecurrentKernels();
    before = configureRecurrentKernels({ threads: 1, relaxedSimd: "off" });
  });
  afterAll(() => {
    configureRecurrentKernels(before);
  });

  for (const c of [CASES[5]!, CASES[7]!]) {
    it(`forward and backward (${label(c)})`, async () => {
      configureRecurrentKernels({ threads: 1 });
      expect(await recurrentThreadsReady()).toBe(1);
      const runAll = (): Float32Array[] =>
        tf.tidy(() => {
          const attrs = { activation: c.act, recurrentActivation: c.rec, goBackwards: c.goBackwards ? 1 : 0 };
          const inputs = kernelInputs(inputsFor(c, 91));
          const fwd = run(LSTM_SEQUENCE, inputs, { ...attrs, returnSequences: 1, forGradient: 1 });
          const dy = tf.randomNormal([c.batch, c.time, c.units], 0, 1, "float32", 92);
          const grads = run(LSTM_SEQUENCE_GRAD, { saved: fwd[3]!, dy }, {});
          return [...fwd.slice(0, 3), ...grads].map((t) => t.dataSync() as Float32Array);
        });
      const one = runAll();
      configureRecurrentKernels({ threads: 2 });
      expect(await recurrentThreadsReady()).toBe(2);
      const two = runAll();
      expect(two.length).toBe(9);
      two.forEach((values, i) => expect(values).toEqual(one[i]));
    });
  }
});
