import * as tf from "@tensorflow/tfjs";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { expectClose } from "../expect-close";
import { clipByGlobalNorm, squaredNorms } from "./clip-by-global-norm";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("clipByGlobalNorm", () => {
  it("scales by clipNorm / globalNorm above the limit (3-4-5: norm 5, clipped to 1 gives 0.6 and 0.8)", () => {
    tf.tidy(() => {
      const { gradients, globalNorm, clipped } = clipByGlobalNorm({ a: tf.tensor1d([3]), b: tf.tensor2d([[0, 4]]) }, 1);
      expect(globalNorm).toBe(5);
      expect(clipped).toBe(true);
      expect(Object.keys(gradients)).toStrictEqual(["a", "b"]);
      expect(gradients.b!.shape).toStrictEqual([1, 2]);
      expectClose(gradients.a!.dataSync(), [0.6], { atol: 1e-7 });
      expectClose(gradients.b!.dataSync(), [0, 0.8], { atol: 1e-7 });
    });
  });

  it("returns the very tensors when the norm is within the limit, for arrays and maps", () => {
    tf.tidy(() => {
      const list = [tf.tensor1d([3]), tf.tensor1d([4])];
      const r = clipByGlobalNorm(list, 5);
      expect(r.gradients).toBe(list);
      expect(r.clipped).toBe(false);
      const scaled = clipByGlobalNorm(list, 2.5);
      expect(Array.isArray(scaled.gradients)).toBe(true);
      expectClose(scaled.gradients[1]!.dataSync(), [2], { atol: 1e-6 });
    });
  });

  it("uses a given global norm (TensorFlow's use_norm) and skips null entries of a gradient map", () => {
    tf.tidy(() => {
      const r = clipByGlobalNorm({ a: tf.tensor1d([1, 1]), frozen: null as unknown as tf.Tensor }, 1, 10);
      expect(r.globalNorm).toBe(10);
      expect(Object.keys(r.gradients)).toStrictEqual(["a"]);
      expectClose(r.gradients.a!.dataSync(), [0.1, 0.1], { atol: 1e-7 });
    });
  });

  it("refuses a bad clipNorm, a bad given norm and gradients holding NaN or infinity", () => {
    tf.tidy(() => {
      const g = { a: tf.tensor1d([1, 2]) };
      expect(() => clipByGlobalNorm(g, 0)).toThrow(new RangeError("expected clipNorm to be a finite number > 0, got 0"));
      expect(() => clipByGlobalNorm(g, Number.NaN)).toThrow("expected clipNorm to be a finite number > 0, got NaN");
      expect(() => clipByGlobalNorm(g, 1, -1)).toThrow("expected globalNorm to be a finite number >= 0, got -1");
      expect(() => clipByGlobalNorm({ a: tf.tensor1d([1, Number.NaN]) }, 1)).toThrow(
        "expected gradients with a finite global norm, got NaN (a gradient holds NaN or infinite values)",
      );
      expect(() => clipByGlobalNorm({ a: tf.tensor1d([Number.POSITIVE_INFINITY]) }, 1)).toThrow("got Infinity");
      expect(() => clipByGlobalNorm([tf.tensor1d([1]), [1] as unknown as tf.Tensor], 1)).toThrow(
        new TypeError("expected gradient 1 to be a tensor, got an array of length 1"),
      );
      expect(() => clipByGlobalNorm(null as unknown as tf.Tensor[], 1)).toThrow("expected gradients to be an array of tensors or a map");
    });
  });

  it("never lets more than clipNorm through, keeps the direction, leaks nothing (fast-check)", () => {
    // values below 1e-6 flushed to 0: their float32 squares would underflow, unlike the float64 reference's
    const value = fc.float({ noNaN: true, noDefaultInfinity: true, min: -1e3, max: 1e3 }).map((x) => (Math.abs(x) < 1e-6 ? 0 : x));
    const arrays = fc.array(fc.array(value, { minLength: 1, maxLength: 7 }), {
      minLength: 1,
      maxLength: 4,
    });
    fc.assert(
      fc.property(arrays, fc.double({ min: 1e-3, max: 1e3, noNaN: true }), (values, clipNorm) => {
        const before = tf.memory().numTensors;
        tf.tidy(() => {
          const tensors = values.map((v) => tf.tensor1d(v));
          const norm = Math.sqrt(values.flat().reduce((s, x) => s + x * x, 0)); // float64 reference
          const { gradients, globalNorm, clipped } = clipByGlobalNorm(tensors, clipNorm);
          expect(Math.abs(globalNorm - norm)).toBeLessThanOrEqual(1e-5 * norm);
          expect(clipped).toBe(globalNorm > clipNorm);
          const scale = clipped ? clipNorm / globalNorm : 1;
          gradients.forEach((g, i) => expectClose(g.dataSync(), values[i]!.map((x) => x * scale), { atol: 1e-6 * Math.max(1, norm), rtol: 1e-6 }));
          const after = Math.sqrt(squaredNorms(gradients).reduce((s, x) => s + x, 0));
          expect(after).toBeLessThanOrEqual(clipNorm * (1 + 1e-5));
        });
        expect(tf.memory().numTensors).toBe(before);
      }),
      { numRuns: 60 },
    );
  });
});
