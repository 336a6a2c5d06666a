import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectClose } from "../../../test-support/expect-close";
import type { CaseData, SequenceKernelCase } from "../../../test-support/sequence-kernel-cases";
import { caseData, caseLabel, GATE_BLOCKS, referenceBackward, referenceForward, SEQUENCE_KERNEL_CASES } from "../../../test-support/sequence-kernel-cases";
import { TEST_BACKENDS, useBackend } from "../../../test-support/test-backends";
import { GRU_SEQUENCE, GRU_SEQUENCE_GRAD } from "./gru-sequence";
import { SEQUENCE_KERNELS } from "./sequence-kernel-names";
import { SIMPLE_RNN_SEQUENCE, SIMPLE_RNN_SEQUENCE_GRAD } from "./simple-rnn-sequence";
import { registerRecurrentKernels } from "../register-recurrent-kernels";
import { configureRecurrentKernels } from "../recurrent-kernel-settings";
import type { RecurrentKernelOptions } from "../recurrent-kernel-settings";
import { recurrentThreadsReady } from "./sequence-runtime";

// Every cell's whole-sequence kernels (GRU in both variants, SimpleRNN, and the LSTM again) against the float64
// reference of @recurrent/rnn-cells: forward values, and the gradients of a loss reaching the output sequence and
// the final states, on both backends, with the threads splitting the units and without. The case table
// (test-support/sequence-kernel-cases.ts) has masks with gaps, goBackwards, initial states and unit counts that are
// not multiples of 4. Tolerances: 2e-5 + 1e-4·|expected| forward, 1e-4 + 1e-3·|expected| for gradients (float32
// kernels against float64 over at most 7 steps); the bidirectional kernels equal one single-direction call per
// direction within 1e-6 (forward) and 1e-5 (gradients).


const FORWARD = { atol: 2e-5, rtol: 1e-4 };
const GRADIENT = { atol: 1e-4, rtol: 1e-3 };

function run(name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>): tf.Tensor[] {
  const out = tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap);
  return Array.isArray(out) ? out : [out];
}

const lstm = (c: SequenceKernelCase) => c.cell === "lstm";
const biasShape = (c: SequenceKernelCase) => (c.resetAfter ? [2, 3 * c.units] : [GATE_BLOCKS[c.cell] * c.units]);

/** The kernel inputs of a case's data (one direction), with a suffix ("" or "F", "B"). */
function laneTensors(c: SequenceKernelCase, data: CaseData, sfx = ""): Record<string, tf.Tensor> {
  const g = GATE_BLOCKS[c.cell] * c.units;
  const out: Record<string, tf.Tensor> = {
    [`kernel${sfx}`]: tf.tensor2d(data.kernel, [c.inputDim, g]),
    [`u${sfx}`]: tf.tensor2d(data.recurrentKernel, [c.units, g]),
    [`h0${sfx}`]: tf.tensor2d(data.h0, [c.batch, c.units]),
  };
  if (data.bias !== null) out[`bias${sfx}`] = tf.tensor(data.bias, biasShape(c));
  if (data.c0 !== null) out[`c0${sfx}`] = tf.tensor2d(data.c0, [c.batch, c.units]);
  return out;
}

function sharedTensors(c: SequenceKernelCase, data: CaseData): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = { x: tf.tensor3d(data.x, [c.batch, c.time, c.inputDim]) };
  if (data.mask !== null) out.mask = tf.tensor2d(data.mask, [c.batch, c.time]);
  return out;
}

function attrsOf(c: SequenceKernelCase): Record<string, unknown> {
  return { activation: c.act, recurrentActivation: c.rec, resetAfter: c.resetAfter ? 1 : 0 };
}

/** The incoming gradients of a case (one direction). */
function incoming(c: SequenceKernelCase, data: CaseData, sfx = "", sequence = true): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = { [`dh${sfx}`]: tf.tensor2d(data.dh, [c.batch, c.units]) };
  if (sequence) out[`dy${sfx}`] = tf.tensor3d(data.dy, [c.batch, c.time, c.units]);
  if (data.dc !== null) out[`dc${sfx}`] = tf.tensor2d(data.dc, [c.batch, c.units]);
  return out;
}

// Relaxed SIMD ("on": fused multiply-add) once, for 2 threads on wasm.
const RUNS = [
  ...TEST_BACKENDS.flatMap((backend) => [1, 2].map((threads) => ({ backend, threads, relaxed: "off" as const }))),
  { backend: "wasm" as const, threads: 2, relaxed: "on" as const },
];

for (const { backend, threads, relaxed } of RUNS) {
  describe(`whole-sequence kernels of every cell against @recurrent/rnn-cells (${backend}, ${threads} thread${threads > 1 ? "s" : ""}, relaxed SIMD ${relaxed})`, () => {
    let before: RecurrentKernelOptions = {};
    let running = 0;
    beforeAll(async () => {
      await useBackend(backend);
      registerRecurrentKernels();
      before = configureRecurrentKernels({ threads, relaxedSimd: relaxed });
      running = await recurrentThreadsReady();
    });
    afterAll(() => {
      configureRecurrentKernels(before);
    });

    it(`runs on ${threads} thread${threads > 1 ? "s" : ""}`, () => {
      expect(running).toBe(threads);
    });

    for (const [n, c] of SEQUENCE_KERNEL_CASES.entries()) {
      const names = SEQUENCE_KERNELS[c.cell];
      it(`forward equals the float64 reference (${caseLabel(c)})`, () => {
        const start = tf.memory().numTensors;
        tf.tidy(() => {
          const data = caseData(c, 100 * n + 1);
          const ref = referenceForward(c, data);
          const inputs = { ...sharedTensors(c, data), ...laneTensors(c, data) };
          const attrs = { ...attrsOf(c), goBackwards: c.goBackwards ? 1 : 0 };
          const states = lstm(c) ? 2 : 1;
          const seqOut = run(names.single, inputs, { ...attrs, returnSequences: 1 });
          expect(seqOut.length).toBe(1 + states);
          expectClose(seqOut[0]!, { shape: [c.batch, c.time, c.units], values: ref.output }, FORWARD);
          expectClose(seqOut[1]!, { shape: [c.batch, c.units], values: ref.finalState.h }, FORWARD);
          if (lstm(c)) expectClose(seqOut[2]!, { shape: [c.batch, c.units], values: ref.finalState.c! }, FORWARD);
          const lastOut = run(names.single, inputs, { ...attrs, returnSequences: 0 });
          expect(lastOut.length).toBe(states);
          expectClose(lastOut[0]!, seqOut[1]!, { atol: 0, rtol: 0 });
          const forGrad = run(names.single, inputs, { ...attrs, returnSequences: 1, forGradient: 1 });
          expect(forGrad.length).toBe(2 + states);
          expect(forGrad[forGrad.length - 1]!.dtype).toBe("int32");
          expectClose(forGrad[0]!, seqOut[0]!, { atol: 0, rtol: 0 });
          run(names.singleGrad, { saved: forGrad[forGrad.length - 1]! }, {}); // releases the saved activations
        });
        expect(tf.memory().numTensors).toBe(start);
      });

      it(`backward equals the float64 reference (${caseLabel(c)})`, () => {
        const start = tf.memory().numTensors;
        tf.tidy(() => {
          const data = caseData(c, 100 * n + 5);
          const ref = referenceBackward(c, data, referenceForward(c, data));
          const inputs = { ...sharedTensors(c, data), ...laneTensors(c, data) };
          const fwd = run(names.single, inputs, { ...attrsOf(c), goBackwards: c.goBackwards ? 1 : 0, returnSequences: 0, forGradient: 1 });
          const out = run(names.singleGrad, { saved: fwd[fwd.length - 1]!, ...incoming(c, data) }, {});
          expect(out.length).toBe(lstm(c) ? 6 : 5);
          const g = GATE_BLOCKS[c.cell] * c.units;
          expectClose(out[0]!, { shape: [c.batch, c.time, c.inputDim], values: ref.inputs }, GRADIENT);
          expectClose(out[1]!, { shape: [c.inputDim, g], values: ref.kernel }, GRADIENT);
          expectClose(out[2]!, { shape: [c.units, g], values: ref.recurrentKernel }, GRADIENT);
          expect(out[3]!.shape).toEqual(biasShape(c));
          if (ref.bias !== undefined) expectClose(out[3]!, { shape: biasShape(c), values: ref.bias }, GRADIENT);
          expectClose(out[4]!, { shape: [c.batch, c.units], values: ref.initialState.h }, GRADIENT);
          if (lstm(c)) expectClose(out[5]!, { shape: [c.batch, c.units], values: ref.initialState.c! }, GRADIENT);
        });
        expect(tf.memory().numTensors).toBe(start);
      });
    }

    // the bidirectional kernels: the first four shapes of every cell, sequences and last outputs
    for (const [n, c] of SEQUENCE_KERNEL_CASES.entries()) {
      if (c.time === 1 || c.cell === "lstm") continue; // the LSTM's are in lstm-sequence.test.ts
      const names = SEQUENCE_KERNELS[c.cell];
      it(`the bidirectional kernels equal one single-direction call per direction (${caseLabel(c)})`, () => {
        const start = tf.memory().numTensors;
        tf.tidy(() => {
          const f = caseData(c, 100 * n + 2);
          const b = caseData(c, 100 * n + 7);
          const shared = sharedTensors(c, f);
          const attrs = attrsOf(c);
          const perLane = lstm(c) ? 2 : 1; // final states per direction
          for (const returnSequences of [0, 1]) {
            const outs = perLane + returnSequences;
            const single = [
              ...run(names.single, { ...shared, ...laneTensors(c, f) }, { ...attrs, goBackwards: 0, returnSequences, forGradient: 1 }),
              ...run(names.single, { ...shared, ...laneTensors(c, b) }, { ...attrs, goBackwards: 1, returnSequences, forGradient: 1 }),
            ];
            const both = run(names.bidirectional, { ...shared, ...laneTensors(c, f, "F"), ...laneTensors(c, b, "B") }, { ...attrs, returnSequences, forGradient: 1 });
            expect(both.length).toBe(2 * outs + 1);
            const singleOuts = [...single.slice(0, outs), ...single.slice(outs + 1, 2 * outs + 1)];
            singleOuts.forEach((t, i) => expectClose(both[i]!, t, { atol: 1e-6 }));
            const gF = run(names.singleGrad, { saved: single[outs]!, ...incoming(c, f, "", returnSequences === 1) }, {});
            const gB = run(names.singleGrad, { saved: single[2 * outs + 1]!, ...incoming(c, b, "", returnSequences === 1) }, {});
            const g = run(names.bidirectionalGrad, { saved: both[both.length - 1]!, ...incoming(c, f, "F", returnSequences === 1), ...incoming(c, b, "B", returnSequences === 1) }, {});
            const lane = 3 + perLane; // dkernel, du, dbias, dh0 (, dc0)
            expect(g.length).toBe(1 + 2 * lane);
            expectClose(g[0]!, tf.add(gF[0]!, gB[0]!), { atol: 1e-5 });
            gF.slice(1).forEach((t, i) => expectClose(g[1 + i]!, t, { atol: 1e-5 }));
            gB.slice(1).forEach((t, i) => expectClose(g[1 + lane + i]!, t, { atol: 1e-5 }));
          }
        });
        expect(tf.memory().numTensors).toBe(start);
      });
    }

    it("rejects another cell's handle, and a bias of the other GRU variant's shape", () => {
      tf.tidy(() => {
        const x = tf.zeros([2, 3, 5]);
        const h0 = tf.zeros([2, 4]);
        const attrs = { activation: "tanh", recurrentActivation: "sigmoid" };
        const saved = run(SIMPLE_RNN_SEQUENCE, { x, kernel: tf.zeros([5, 4]), u: tf.zeros([4, 4]), h0 }, { ...attrs, forGradient: 1 })[1]!;
        expect(() => run(GRU_SEQUENCE_GRAD, { saved }, {})).toThrow(/expected the handle of a gruSequenceForward call, got one of simpleRnnSequenceForward/);
        run(SIMPLE_RNN_SEQUENCE_GRAD, { saved }, {});
        const gru = { x, kernel: tf.zeros([5, 12]), u: tf.zeros([4, 12]), h0 };
        expect(() => run(GRU_SEQUENCE, { ...gru, bias: tf.zeros([12]) }, { ...attrs, resetAfter: 1 })).toThrow(/"bias" of shape \[2, 12\], got \[12\]/);
        expect(() => run(GRU_SEQUENCE, { ...gru, bias: tf.zeros([2, 12]) }, attrs)).toThrow(/"bias" of shape \[12\], got \[2, 12\]/);
        expect(() => run(GRU_SEQUENCE, { ...gru, kernel: tf.zeros([5, 10]) }, attrs)).toThrow(/"kernel" of shape \[inputDim, 3·units\], got \[5, 10\]/);
        expect(() => run(GRU_SEQUENCE, gru, { ...attrs, resetAfter: 2 })).toThrow(/attribute "resetAfter" to be 0 or 1, got 2/);
        expect(() => run(SIMPLE_RNN_SEQUENCE, { x, kernel: tf.zeros([5, 4]), u: tf.zeros([3, 4]), h0 }, attrs)).toThrow(/"u" of shape \[4, 4\], got \[3, 4\]/);
      });
    });
  });
}
