import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BackendsError } from "../backends-error";
import { expectClose } from "../test-support/expect-close";
import { registerKernels, unregisterKernels } from "../register-kernels";
import { TEST_BACKENDS, useBackend } from "../test-support/test-backends";

/**
 * Plain reference: for every segment, scan all ids and add the matching rows (float64). A different algorithm
 * from the kernel's (which scans ids once), so agreement is a real check.
 * x: [numIds, inner] flattened; returns [numSegments, inner] flattened.
 */
function referenceSegmentSum(x: ArrayLike<number>, ids: ArrayLike<number>, inner: number, numSegments: number) {
  const out = new Float64Array(numSegments * inner);
  for (let s = 0; s < numSegments; s++) {
    for (let i = 0; i < ids.length; i++) {
      if (ids[i] !== s) continue;
      for (let j = 0; j < inner; j++) out[s * inner + j] = (out[s * inner + j] as number) + (x[i * inner + j] as number);
    }
  }
  return out;
}

/** Deterministic pseudo-random values in [-1, 1) (LCG), so failures reproduce. */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let state = seed >>> 0;
  for (let i = 0; i < n; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state / 2 ** 31 - 1;
  }
  return out;
}

interface Case {
  name: string;
  xShape: number[];
  ids: number[];
  idShape: number[];
  numSegments: number;
}

const CASES: Case[] = [
  { name: "rank-1 x, distinct ids", xShape: [4], ids: [3, 0, 2, 1], idShape: [4], numSegments: 4 },
  { name: "repeated ids", xShape: [6, 3], ids: [1, 1, 1, 4, 4, 0], idShape: [6], numSegments: 5 },
  { name: "empty segments (most of the vocabulary unused)", xShape: [5, 2], ids: [7, 2, 7, 19, 2], idShape: [5], numSegments: 20 },
  { name: "ids of rank 2 (a [batch, time] id matrix)", xShape: [2, 3, 4], ids: [0, 5, 5, 2, 0, 9], idShape: [2, 3], numSegments: 10 },
  { name: "no ids at all", xShape: [0, 3], ids: [], idShape: [0], numSegments: 4 },
  { name: "no ids and no segments", xShape: [0, 3], ids: [], idShape: [0], numSegments: 0 },
  { name: "trailing dim of size 0", xShape: [3, 0], ids: [0, 1, 0], idShape: [3], numSegments: 2 },
];

describe.each(TEST_BACKENDS)("UnsortedSegmentSum on %s", (backend) => {
  beforeAll(async () => {
    registerKernels();
    await useBackend(backend);
  });

  it.each(CASES)("matches the reference: $name", ({ xShape, ids, idShape, numSegments }) => {
    const before = tf.memory().numTensors;
    const size = xShape.reduce((a, b) => a * b, 1);
    const xv = values(size, 7);
    const x = tf.tensor(xv, xShape, "float32");
    const segmentIds = tf.tensor(ids, idShape, "int32");
    const result = tf.unsortedSegmentSum(x, segmentIds as tf.Tensor1D, numSegments);
    expect(result.dtype).toBe("float32");
    const trailing = xShape.slice(idShape.length);
    const expected = referenceSegmentSum(xv, ids, trailing.reduce((a, b) => a * b, 1), numSegments);
    expectClose(result, { shape: [numSegments, ...trailing], values: expected }, { atol: 1e-6, rtol: 1e-6 });
    tf.dispose([x, segmentIds, result]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("sums int32 values exactly", () => {
    const before = tf.memory().numTensors;
    const result = tf.tidy(() =>
      tf.unsortedSegmentSum(tf.tensor2d([[1, 2], [3, 4], [5, 6]], [3, 2], "int32"), tf.tensor1d([2, 0, 2], "int32"), 3),
    );
    expect(result.dtype).toBe("int32");
    expect(result.shape).toEqual([3, 2]);
    expect(Array.from(result.dataSync())).toEqual([3, 4, 0, 0, 6, 8]);
    result.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("matches the reference on an embedding-sized gradient (1,000 ids into 5,000 rows of 20)", () => {
    const numIds = 1000;
    const inner = 20;
    const numSegments = 5000;
    const idsArr = new Int32Array(numIds);
    for (let i = 0; i < numIds; i++) idsArr[i] = (i * 7919 + 13) % 611; // repeats, and rows >= 611 stay empty
    const xv = values(numIds * inner, 3);
    const result = tf.tidy(() => tf.unsortedSegmentSum(tf.tensor2d(xv, [numIds, inner]), tf.tensor1d(idsArr, "int32"), numSegments));
    expectClose(result, { shape: [numSegments, inner], values: referenceSegmentSum(xv, idsArr, inner, numSegments) }, { atol: 1e-5, rtol: 1e-5 });
    result.dispose();
  });

  it("gives the Embedding (gather) gradient: rows of repeated ids accumulate, unused rows are 0", () => {
    const before = tf.memory().numTensors;
    const table = tf.tensor2d(values(6 * 3, 11), [6, 3]);
    const idx = tf.tensor2d([[0, 4, 4], [5, 0, 4]], [2, 3], "int32");
    const upstream = values(2 * 3 * 3, 5);
    const dy = tf.tensor3d(upstream, [2, 3, 3]);
    const grads = tf.grads((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, idx), dy)));
    const [g] = grads([table]);
    if (g === undefined) throw new Error("no gradient");
    const flatIds = [0, 4, 4, 5, 0, 4];
    expectClose(g, { shape: [6, 3], values: referenceSegmentSum(upstream, flatIds, 3, 6) }, { atol: 1e-6, rtol: 1e-6 });
    tf.dispose([g, idx, table, dy]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each([
    { ids: [0, 3, 1], numSegments: 3, bad: 3, at: 1 },
    { ids: [2, -1], numSegments: 3, bad: -1, at: 1 },
    { ids: [87009], numSegments: 87009, bad: 87009, at: 0 },
  ])("rejects out-of-range id $bad with a clear error, leaking nothing", ({ ids, numSegments, bad, at }) => {
    const x = tf.ones([ids.length, 2]);
    const segmentIds = tf.tensor1d(ids, "int32");
    const before = tf.memory().numTensors;
    const backendBefore = tf.engine().backend.numDataIds();
    let caught: unknown;
    try {
      tf.unsortedSegmentSum(x, segmentIds, numSegments);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(BackendsError);
    expect((caught as BackendsError).code).toBe("KERNEL_INPUT");
    expect((caught as Error).message).toBe(
      `UnsortedSegmentSum: expected segment ids in [0, ${numSegments}), got ${bad} at flat index ${at}`,
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.engine().backend.numDataIds()).toBe(backendBefore);
    tf.dispose([x, segmentIds]);
  });

  it("rejects a segmentIds shape that is not a prefix of x.shape", () => {
    const x = tf.ones([2, 3]);
    const ids = tf.tensor1d([0, 1, 1], "int32");
    expect(() => tf.unsortedSegmentSum(x, ids, 2)).toThrow(
      "UnsortedSegmentSum: expected segmentIds.shape to be a prefix of x.shape [2, 3], got [3]",
    );
    tf.dispose([x, ids]);
  });
});

describe("UnsortedSegmentSum on cpu against the stock tfjs kernel", () => {
  afterAll(() => {
    registerKernels();
  });

  it("gives the same sums as the kernel it replaces", async () => {
    await useBackend("cpu");
    const xv = values(40 * 4, 9);
    const ids = Array.from({ length: 40 }, (_, i) => (i * 5) % 13);
    const run = () => tf.tidy(() => tf.unsortedSegmentSum(tf.tensor2d(xv, [40, 4]), tf.tensor1d(ids, "int32"), 16));
    unregisterKernels();
    const stock = run();
    registerKernels();
    const ours = run();
    expectClose(ours, stock, { atol: 1e-6, rtol: 1e-6 });
    tf.dispose([stock, ours]);
  });
});
