import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { expectClose } from "../test-support/expect-close";
import { useBackend } from "../test-support/test-backends";
import { registerTransposeFreeMatMul } from "./transpose-free-mat-mul";

// The replacement wasm BatchMatMul against the same products computed with explicit transposes and the plain
// product (which the replacement leaves to the stock kernel), for every transpose combination and a batched case.

describe("registerTransposeFreeMatMul (wasm)", () => {
  beforeAll(async () => {
    await useBackend("wasm");
    registerTransposeFreeMatMul();
  });

  it("is idempotent", () => {
    expect(registerTransposeFreeMatMul()).toBe(false);
  });

  it("gives the products of explicit transposes for A·Bᵀ, Aᵀ·B, Aᵀ·Bᵀ (2-D and batched) without leaking", () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const a = tf.randomNormal([7, 5], 0, 1, "float32", 1);
      const b = tf.randomNormal([7, 5], 0, 1, "float32", 2);
      expectClose(tf.matMul(a, b, false, true), tf.matMul(a, tf.transpose(b)), { atol: 1e-5 });
      expectClose(tf.matMul(a, b, true, false), tf.matMul(tf.transpose(a), b), { atol: 1e-5 });
      expectClose(tf.matMul(a, tf.transpose(b), true, true), tf.matMul(tf.transpose(a), b), { atol: 1e-5 });
      const a3 = tf.randomNormal([3, 4, 6], 0, 1, "float32", 3);
      const b3 = tf.randomNormal([3, 5, 6], 0, 1, "float32", 4);
      expectClose(tf.matMul(a3, b3, false, true), tf.matMul(a3, tf.transpose(b3, [0, 2, 1])), { atol: 1e-5 });
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it("leaves gradients of matMul intact", () => {
    tf.tidy(() => {
      const a = tf.randomNormal([4, 3], 0, 1, "float32", 5);
      const b = tf.randomNormal([3, 2], 0, 1, "float32", 6);
      const [da, db] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.matMul(x, y)))([a, b]);
      // d/dA Σ(AB) = 1·Bᵀ, d/dB Σ(AB) = Aᵀ·1
      expectClose(da!, tf.matMul(tf.ones([4, 2]), tf.transpose(b)), { atol: 1e-5 });
      expectClose(db!, tf.matMul(tf.transpose(a), tf.ones([4, 2])), { atol: 1e-5 });
    });
  });
});
