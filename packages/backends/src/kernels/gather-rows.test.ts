import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerKernels, unregisterKernels } from "../register-kernels";
import { useBackend } from "../test-support/test-backends";

// The row-copy GatherV2 on wasm against the cpu backend's stock kernel (the reference), on the shapes the
// Embedding layer uses and on the cases it hands back to the stock wasm kernel.

function onCpu(f: () => tf.Tensor): { shape: number[]; values: number[] } {
  const backend = tf.getBackend();
  tf.setBackend("cpu");
  const t = f();
  const result = { shape: t.shape, values: Array.from(t.dataSync()) };
  t.dispose();
  tf.setBackend(backend);
  return result;
}

describe("GatherV2 (wasm, row copies)", () => {
  beforeAll(async () => {
    await useBackend("cpu");
    await useBackend("wasm");
    registerKernels();
  });
  afterAll(() => {
    registerKernels();
  });

  const cases: { name: string; table: number[]; rows: number; width: number[]; dtype: "float32" | "int32"; ids: number[]; idShape: number[]; axis?: number }[] = [
    { name: "embedding rows [batch, time] of 20 floats", table: [], rows: 50, width: [20], dtype: "float32", ids: [3, 0, 49, 3, 7, 7], idShape: [2, 3] },
    { name: "long rows (copied with set)", table: [], rows: 5, width: [100], dtype: "float32", ids: [4, 1, 1], idShape: [3] },
    { name: "int32 rows of rank 3", table: [], rows: 4, width: [2, 3], dtype: "int32", ids: [3, 2, 0], idShape: [3] },
    { name: "axis 1 (stock kernel)", table: [], rows: 6, width: [5], dtype: "float32", ids: [4, 0], idShape: [2], axis: 1 },
  ];
  for (const c of cases) {
    it(`equals the cpu backend: ${c.name}`, () => {
      const size = c.rows * c.width.reduce((a, b) => a * b, 1);
      const values = Array.from({ length: size }, (_, i) => (c.dtype === "int32" ? i : Math.sin(i) * 3));
      const make = () => tf.gather(tf.tensor(values, [c.rows, ...c.width], c.dtype), tf.tensor(c.ids, c.idShape, "int32"), c.axis ?? 0);
      const expected = onCpu(make);
      const before = tf.memory().numTensors;
      const actual = tf.tidy(make);
      expect(actual.shape).toEqual(expected.shape);
      expect(actual.dtype).toBe(c.dtype);
      const got = Array.from(actual.dataSync());
      got.forEach((v, i) => expect(Math.abs(v - expected.values[i]!)).toBeLessThanOrEqual(0));
      actual.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it("rejects an id outside the table, naming it, without leaking", () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const table = tf.zeros([4, 3]);
      expect(() => tf.gather(table, tf.tensor1d([1, 4], "int32"))).toThrow("GatherV2: expected indices in [0, 3], got 4 at position 1");
      expect(() => tf.gather(table, tf.tensor1d([-1], "int32"))).toThrow("got -1 at position 0");
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it("is replaced by the stock kernel by unregisterKernels", () => {
    const ours = tf.getKernel("GatherV2", "wasm");
    unregisterKernels();
    const stock = tf.getKernel("GatherV2", "wasm");
    expect(stock).toBeDefined();
    expect(stock).not.toBe(ours);
    registerKernels();
    expect(tf.getKernel("GatherV2", "wasm")).not.toBe(stock);
  });
});
