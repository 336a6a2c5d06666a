import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useBackend } from "../../../test-support/test-backends";
import { configureRecurrentKernels } from "../recurrent-kernel-settings";
import { registerRecurrentKernels } from "../register-recurrent-kernels";
import { LSTM_SEQUENCE } from "./lstm-sequence";
import { closeRecurrentThreads, recurrentKernelsInfo, recurrentThreadsReady } from "./sequence-runtime";

/** One forward call of the whole-sequence LSTM kernel: [hT, cT] values. */
function forward(): number[][] {
  return tf.tidy(() => {
    const [b, t, d, u] = [2, 3, 4, 5];
    const out = tf.engine().runKernel(
      LSTM_SEQUENCE,
      {
        x: tf.randomNormal([b, t, d], 0, 1, "float32", 1),
        kernel: tf.randomNormal([d, 4 * u], 0, 0.5, "float32", 2),
        u: tf.randomNormal([u, 4 * u], 0, 0.5, "float32", 3),
        h0: tf.zeros([b, u]),
        c0: tf.zeros([b, u]),
      },
      { activation: "tanh", recurrentActivation: "sigmoid", goBackwards: 0, returnSequences: 0, forGradient: 0 },
    ) as tf.Tensor[];
    return out.map((x) => Array.from(x.dataSync()));
  });
}

describe("the whole-sequence kernels' thread pool", () => {
  let before = configureRecurrentKernels({});
  beforeAll(async () => {
    await useBackend("cpu");
    registerRecurrentKernels();
    before = configureRecurrentKernels({ threads: 2 });
  });
  afterAll(async () => {
    configureRecurrentKernels(before);
    await closeRecurrentThreads();
  });

  it("starts its workers and reports them", async () => {
    await closeRecurrentThreads();
    expect(await recurrentThreadsReady()).toBe(2);
    expect(recurrentKernelsInfo()).toEqual({ threads: 2, relaxedSimd: expect.any(Boolean) });
  });

  it("never hangs: workers not up in time are given up, the kernels run on the calling thread, and the info says why", async () => {
    const twoThreads = forward();
    await closeRecurrentThreads();
    // 0 ms: a fresh pool's workers cannot be up yet (starting a thread takes milliseconds)
    expect(await recurrentThreadsReady({ timeoutMs: 0 })).toBe(1);
    const info = recurrentKernelsInfo();
    expect(info?.threads).toBe(1);
    expect(info?.fallback).toBe("1 of 1 worker threads did not start within 0 s");
    // the kernels still run, on the calling thread, with the same results: threads split the units, and each unit
    // is computed by the same instructions in the same order, so the values are equal bit for bit
    const oneThread = forward();
    expect(oneThread).toEqual(twoThreads);
    // a later wait does not bring the workers back; a new pool does
    expect(await recurrentThreadsReady()).toBe(1);
    await closeRecurrentThreads();
    expect(await recurrentThreadsReady()).toBe(2);
    expect(recurrentKernelsInfo()?.fallback).toBeUndefined();
  });

  it("rejects a bad timeout", async () => {
    await expect(recurrentThreadsReady({ timeoutMs: -1 })).rejects.toThrow(
      new RangeError("expected timeoutMs to be a finite number >= 0, got -1"),
    );
    await expect(recurrentThreadsReady({ timeoutMs: Number.POSITIVE_INFINITY })).rejects.toThrow(RangeError);
  });
});
