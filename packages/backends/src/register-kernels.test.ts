import * as tf from "@tensorflow/tfjs";
import { afterAll, describe, expect, it, vi } from "vitest";
import { listRegisteredKernels, registerKernels, unregisterKernels } from "./register-kernels";

describe("registerKernels", () => {
  afterAll(() => {
    registerKernels();
  });

  it("registers UnsortedSegmentSum for cpu (replacing stock) and wasm (missing there), without warnings", () => {
    unregisterKernels();
    const stockCpu = tf.getKernel("UnsortedSegmentSum", "cpu");
    expect(stockCpu).toBeDefined();
    expect(tf.getKernel("UnsortedSegmentSum", "wasm")).toBeUndefined();
    const warn = vi.spyOn(console, "warn");
    try {
      expect(registerKernels()).toEqual([
        { kernelName: "UnsortedSegmentSum", backendName: "cpu", replacesStock: true },
        { kernelName: "UnsortedSegmentSum", backendName: "wasm", replacesStock: false },
      ]);
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
    expect(tf.getKernel("UnsortedSegmentSum", "cpu")).not.toBe(stockCpu);
    expect(tf.getKernel("UnsortedSegmentSum", "wasm")).toBeDefined();
  });

  it("is idempotent: a second call changes nothing", () => {
    registerKernels();
    const cpu = tf.getKernel("UnsortedSegmentSum", "cpu");
    const wasm = tf.getKernel("UnsortedSegmentSum", "wasm");
    const again = registerKernels();
    expect(again).toEqual(listRegisteredKernels());
    expect(tf.getKernel("UnsortedSegmentSum", "cpu")).toBe(cpu);
    expect(tf.getKernel("UnsortedSegmentSum", "wasm")).toBe(wasm);
  });

  it("unregisterKernels restores exactly the stock registry", () => {
    unregisterKernels();
    const stockCpu = tf.getKernel("UnsortedSegmentSum", "cpu");
    registerKernels();
    unregisterKernels();
    expect(tf.getKernel("UnsortedSegmentSum", "cpu")).toBe(stockCpu);
    expect(tf.getKernel("UnsortedSegmentSum", "wasm")).toBeUndefined();
    expect(listRegisteredKernels()).toEqual([]);
    unregisterKernels(); // idempotent too
    expect(tf.getKernel("UnsortedSegmentSum", "cpu")).toBe(stockCpu);
  });

  it("the ./register entry registers them on import", async () => {
    unregisterKernels();
    expect(listRegisteredKernels()).toEqual([]);
    await import("./register");
    expect(listRegisteredKernels().map((k) => `${k.kernelName}@${k.backendName}`)).toEqual([
      "UnsortedSegmentSum@cpu",
      "UnsortedSegmentSum@wasm",
    ]);
  });
});
