import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_BACKENDS, useBackend } from "../../../test-support/test-backends";
import { registerRecurrentKernels } from "../register-recurrent-kernels";
import type { RecurrentKernelOptions } from "../recurrent-kernel-settings";
import { configureRecurrentKernels, setRecurrentKernelSwitches } from "../recurrent-kernel-settings";
import { distinctRows } from "./distinct-rows";
import { BIDIRECTIONAL_LSTM_SEQUENCE, BIDIRECTIONAL_LSTM_SEQUENCE_GRAD, LSTM_SEQUENCE, LSTM_SEQUENCE_GRAD } from "./lstm-sequence";
import { recurrentThreadsReady } from "./sequence-runtime";

// The whole-sequence LSTM kernels compute the input projection once per distinct input row (distinctInputRows
// switch, on by default). These tests check the row finder, then that the kernels give the same bits with and
// without sharing, forward and backward, on an input whose rows come from a small table (an Embedding's output).

/** A deterministic generator of floats in [-1, 1). */
function uniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  };
}

const floats = (n: number, next: () => number): Float32Array => Float32Array.from({ length: n }, () => next());

describe("distinctRows", () => {
  it("numbers the distinct rows in order of first appearance and copies them", () => {
    const r = distinctRows(Float32Array.of(1, 2, 3, 4, 1, 2, 5, 6, 3, 4), 5, 2, 4);
    expect(r).not.toBeNull();
    expect(r!.count).toBe(3);
    expect([...r!.rows]).toEqual([0, 1, 0, 2, 1]);
    expect([...r!.values]).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("compares bits: 0 and -0 differ, equal NaNs match, a NaN's payload is kept", () => {
    const bits = Int32Array.of(0, 0x80000000 | 0, 0x7fc00001, 0x7fc00001, 0x7fc00002);
    const r = distinctRows(new Float32Array(bits.buffer), 5, 1, 5)!;
    expect([...r.rows]).toEqual([0, 1, 2, 2, 3]);
    expect([...new Int32Array(r.values.buffer)]).toEqual([0, 0x80000000 | 0, 0x7fc00001, 0x7fc00002]);
  });

  it("finds every row of a large table whatever the hash collisions (8,000 rows from a table of 1,000)", () => {
    const next = uniform(7);
    const table = floats(1000 * 3, next);
    const ids = Int32Array.from({ length: 8000 }, () => Math.floor(((next() + 1) / 2) * 1000));
    const values = new Float32Array(8000 * 3);
    ids.forEach((id, r) => values.set(table.subarray(id * 3, id * 3 + 3), r * 3));
    const r = distinctRows(values, 8000, 3, 6000)!;
    expect(r.count).toBe(new Set(ids).size);
    expect(r.count).toBeGreaterThan(990);
    for (let row = 0; row < 8000; row++) {
      expect([...r.values.subarray(r.rows[row]! * 3, r.rows[row]! * 3 + 3)]).toEqual([...values.subarray(row * 3, row * 3 + 3)]);
    }
  });

  it("gives null when more rows than maxDistinct are distinct, or 90 % of the first 1,024", () => {
    expect(distinctRows(Float32Array.of(1, 2, 3, 1), 4, 1, 2)).toBeNull();
    expect(distinctRows(Float32Array.of(1, 2, 3, 1), 4, 1, 3)!.count).toBe(3);
    const next = uniform(3);
    const mostlyNew = floats(2048, next);
    mostlyNew.fill(0, 1024); // the second half alike: sharing would pay there, but the sample said otherwise
    expect(distinctRows(mostlyNew, 2048, 1, 2000)).toBeNull();
    expect(distinctRows(new Float32Array(0), 0, 4, 10)).toBeNull();
  });

  it("rejects a length that is not rows × cols", () => {
    expect(() => distinctRows(new Float32Array(5), 2, 3, 2)).toThrow(new RangeError("expected 2 × 3 = 6 values, got 5"));
  });
});

const B = 3;
const T = 9;
const D = 7;
const U = 13; // not a multiple of 4 (nor of the packed products' panel width)
const TABLE_ROWS = 5;

/** The inputs of one direction, and x [B, T, D] made of TABLE_ROWS distinct rows (some of them padding zeros). */
function inputs(seed: number, sfx: string): Record<string, tf.Tensor> {
  const next = uniform(seed);
  return {
    [`kernel${sfx}`]: tf.tensor2d(floats(D * 4 * U, next), [D, 4 * U]),
    [`u${sfx}`]: tf.tensor2d(floats(U * 4 * U, next), [U, 4 * U]),
    [`bias${sfx}`]: tf.tensor1d(floats(4 * U, next)),
    [`h0${sfx}`]: tf.tensor2d(floats(B * U, next), [B, U]),
    [`c0${sfx}`]: tf.tensor2d(floats(B * U, next), [B, U]),
  };
}

function embedded(seed: number): { x: tf.Tensor; values: Float32Array } {
  const next = uniform(seed);
  const table = floats(TABLE_ROWS * D, next);
  table.fill(0, 0, D); // row 0: padding
  const values = new Float32Array(B * T * D);
  for (let r = 0; r < B * T; r++) {
    const id = r % T < 2 ? 0 : Math.floor(((next() + 1) / 2) * TABLE_ROWS);
    values.set(table.subarray(id * D, (id + 1) * D), r * D);
  }
  return { x: tf.tensor3d(values, [B, T, D]), values };
}

function run(name: string, ins: Record<string, tf.Tensor>, attrs: Record<string, unknown>): tf.Tensor[] {
  const out = tf.engine().runKernel(name, ins, attrs as tf.NamedAttrMap);
  return Array.isArray(out) ? out : [out];
}

/** Outputs, then (with forGradient) the gradients of the forward call, as arrays. */
function forwardAndBackward(single: boolean, shared: boolean, goBackwards: number): number[][] {
  setRecurrentKernelSwitches({ distinctInputRows: shared });
  return tf.tidy(() => {
    const { x } = embedded(11);
    const mask = tf.tensor2d(Array.from({ length: B * T }, (_, i) => (i % T === 4 ? 0 : 1)), [B, T]);
    const ins = single ? { x, mask, ...inputs(21, "") } : { x, mask, ...inputs(21, "F"), ...inputs(31, "B") };
    const attrs = { activation: "tanh", recurrentActivation: "sigmoid", returnSequences: 1, goBackwards };
    const predict = run(single ? LSTM_SEQUENCE : BIDIRECTIONAL_LSTM_SEQUENCE, ins, attrs);
    const fwd = run(single ? LSTM_SEQUENCE : BIDIRECTIONAL_LSTM_SEQUENCE, ins, { ...attrs, forGradient: 1 });
    const saved = fwd[fwd.length - 1]!;
    const next = uniform(41);
    const dy = () => tf.tensor3d(floats(B * T * U, next), [B, T, U]);
    const grads = run(single ? LSTM_SEQUENCE_GRAD : BIDIRECTIONAL_LSTM_SEQUENCE_GRAD, single ? { saved, dy: dy() } : { saved, dyF: dy(), dyB: dy() }, {});
    return [...predict, ...fwd.slice(0, -1), ...grads].map((t) => [...t.dataSync()]);
  });
}

// 1 and 2 threads: with 2, each thread gathers its own columns of the projections
const RUNS = TEST_BACKENDS.flatMap((backend) => [1, 2].map((threads) => ({ backend, threads })));

for (const { backend, threads } of RUNS) {
  describe(`the whole-sequence LSTM kernels on shared input rows (${backend}, ${threads} thread${threads > 1 ? "s" : ""})`, () => {
    let before: RecurrentKernelOptions = {};
    beforeAll(async () => {
      await useBackend(backend);
      registerRecurrentKernels();
      before = configureRecurrentKernels({ threads, relaxedSimd: "off" });
      expect(await recurrentThreadsReady()).toBe(threads);
    });
    afterAll(() => {
      configureRecurrentKernels(before);
      setRecurrentKernelSwitches({ distinctInputRows: true });
    });

    it(`the input shares its rows: ${TABLE_ROWS} distinct of ${B * T}`, () => {
      const { x, values } = embedded(11);
      x.dispose();
      expect(distinctRows(values, B * T, D, Math.floor(0.75 * B * T))?.count).toBeLessThanOrEqual(TABLE_ROWS);
    });

    for (const single of [true, false]) {
      for (const goBackwards of single ? [0, 1] : [0]) {
        it(`${single ? "single" : "bidirectional"}${goBackwards ? ", goBackwards" : ""}: outputs and gradients are the same bits with and without sharing`, () => {
          const start = tf.memory().numTensors;
          const plain = forwardAndBackward(single, false, goBackwards);
          const shared = forwardAndBackward(single, true, goBackwards);
          expect(shared.length).toBe(plain.length);
          shared.forEach((values, i) => expect(values).toEqual(plain[i]));
          expect(tf.memory().numTensors).toBe(start);
        });
      }
    }
  });
}
