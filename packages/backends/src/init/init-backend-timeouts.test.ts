import * as tf from "@tensorflow/tfjs";
import { afterEach, describe, expect, it } from "vitest";
import { configureRecurrentKernels } from "../kernels/recurrent/recurrent-kernel-settings";
import { closeRecurrentThreads } from "../kernels/recurrent/sequence/sequence-runtime";
import { formatBackendReport } from "./backend-report";
import { initBackend } from "./init-backend";

// Own file: it registers stand-in "tensorflow" backends whose start hangs or comes too late.
const quiet = { log: false as const, env: {} };
const fakeNativeModule = async (): Promise<unknown> => ({ version: "4.22.0-fake" });
const never = new Promise<never>(() => {});

/** Registers a "tensorflow" backend whose factory resolves after `ms` (never, for Infinity) with a cpu backend. */
function registerSlowNative(ms: number): void {
  const cpuFactory = tf.findBackendFactory("cpu")!;
  tf.registerBackend(
    "tensorflow",
    () => (ms === Infinity ? never : new Promise((resolve) => setTimeout(() => resolve(cpuFactory()), ms))),
    3,
  );
}

afterEach(async () => {
  await tf.setBackend("cpu");
  if (tf.findBackendFactory("tensorflow") !== null) tf.removeBackend("tensorflow");
});

describe("initBackend never hangs", () => {
  it("skips a backend whose start hangs, with the reason, and leaves tfjs usable", async () => {
    registerSlowNative(Infinity);
    const report = await initBackend({ ...quiet, order: ["tensorflow", "cpu"], loadModule: fakeNativeModule, backendTimeoutMs: 50 });
    expect(report.backend).toBe("cpu");
    expect(report.skipped[0]).toEqual({ backend: "tensorflow", reason: "did not start within 0.05 s (initialising the tensorflow backend)" });
    // no initialisation left pending inside tfjs: tf.ready() returns and ops run
    await tf.ready();
    expect(tf.getBackend()).toBe("cpu");
    expect(Array.from(tf.add(1, 2).dataSync())).toEqual([3]);
    expect(tf.engine().registry["tensorflow"]).toBeUndefined();
  });

  it("ignores a start that completes after its time ran out: the backend chosen stays active", async () => {
    registerSlowNative(100);
    const report = await initBackend({ ...quiet, order: ["tensorflow", "cpu"], loadModule: fakeNativeModule, backendTimeoutMs: 20 });
    expect(report.backend).toBe("cpu");
    await new Promise((resolve) => setTimeout(resolve, 200)); // the late start has completed by now
    expect(tf.getBackend()).toBe("cpu");
    expect(tf.engine().registry["tensorflow"]).toBeUndefined();
  });

  it("skips a backend whose package never finishes loading", async () => {
    const report = await initBackend({ ...quiet, order: ["tensorflow", "cpu"], loadModule: () => never, backendTimeoutMs: 30 });
    expect(report.backend).toBe("cpu");
    expect(report.skipped[0]).toEqual({ backend: "tensorflow", reason: "did not start within 0.03 s (loading @tensorflow/tfjs-node)" });
  });

  it("fails with BACKEND_FAILED when the backend forced by RECURRENT_BACKEND does not start in time", async () => {
    await expect(
      initBackend({ log: false, env: { RECURRENT_BACKEND: "native" }, loadModule: () => never, backendTimeoutMs: 30 }),
    ).rejects.toMatchObject({
      code: "BACKEND_FAILED",
      message: "RECURRENT_BACKEND=tensorflow but that backend cannot start: did not start within 0.03 s (loading @tensorflow/tfjs-node)",
    });
  });

  it("runs the recurrent kernels on the calling thread when their workers do not come up in time, and says so", async () => {
    const before = configureRecurrentKernels({});
    try {
      await closeRecurrentThreads(); // a fresh pool, whose workers cannot be up within 0 ms
      const report = await initBackend({ ...quiet, order: ["cpu"], recurrentThreads: 2, recurrentThreadsTimeoutMs: 0 });
      expect(report.recurrent).toEqual({
        threads: 1,
        relaxedSimd: expect.any(Boolean),
        fallback: "1 of 1 worker threads did not start within 0 s",
      });
      expect(report.notes).toContain(
        "the recurrent kernels' worker threads are not used: 1 of 1 worker threads did not start within 0 s; the kernels run on the calling thread",
      );
      expect(formatBackendReport(report)).toContain("recurrent sequence kernels: 1 thread (fallback), relaxed SIMD");
    } finally {
      configureRecurrentKernels(before);
      await closeRecurrentThreads();
    }
  });

  it("rejects bad timeouts", async () => {
    await expect(initBackend({ ...quiet, backendTimeoutMs: -1 })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
      message: "expected backendTimeoutMs to be a finite number >= 0, got -1",
    });
    await expect(initBackend({ ...quiet, recurrentThreadsTimeoutMs: Number.NaN })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
      message: "expected recurrentThreadsTimeoutMs to be a finite number >= 0, got NaN",
    });
  });
});
