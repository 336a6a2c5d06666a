import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { afterAll, describe, expect, it, vi } from "vitest";
import { RECURRENT_KERNEL_NAMES } from "./kernels/recurrent/recurrent-kernel-configs";
import { listRegisteredKernels, registerKernels, unregisterKernels } from "./register-kernels";
import type { KernelGroup } from "./register-kernels";

const names = (kernels: { kernelName: string; backendName: string }[]) => kernels.map((k) => `${k.kernelName}@${k.backendName}`);

// Importing @tensorflow/tfjs-backend-wasm registers its stock kernels, BatchMatMul among them, so the
// transpose-free BatchMatMul has a stock kernel to wrap and replace.
const EXPECTED = [
  "UnsortedSegmentSum@cpu",
  "UnsortedSegmentSum@wasm",
  "GatherV2@wasm",
  ...["cpu", "wasm"].flatMap((backend) => RECURRENT_KERNEL_NAMES.map((n) => `${n}@${backend}`)),
  "BatchMatMul@wasm",
  "FusedAdamUpdate@cpu",
  "FusedAdamUpdate@wasm",
];

describe("registerKernels", () => {
  afterAll(() => {
    registerKernels();
  });

  it("registers UnsortedSegmentSum for cpu (replacing stock) and wasm (missing there), the recurrent kernels, and the transpose-free wasm BatchMatMul, without warnings", () => {
    unregisterKernels();
    const stockCpu = tf.getKernel("UnsortedSegmentSum", "cpu");
    expect(stockCpu).toBeDefined();
    expect(tf.getKernel("UnsortedSegmentSum", "wasm")).toBeUndefined();
    const stockMatMul = tf.getKernel("BatchMatMul", "wasm");
    expect(stockMatMul).toBeDefined();
    const warn = vi.spyOn(console, "warn");
    try {
      const registered = registerKernels();
      expect(names(registered)).toEqual(EXPECTED);
      expect(registered.filter((k) => k.replacesStock).map((k) => `${k.kernelName}@${k.backendName}`)).toEqual([
        "UnsortedSegmentSum@cpu",
        "GatherV2@wasm",
        "BatchMatMul@wasm",
      ]);
      expect(tf.getKernel("BatchMatMul", "wasm")).not.toBe(stockMatMul);
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
    const stockMatMul = tf.getKernel("BatchMatMul", "wasm");
    const stockGather = tf.getKernel("GatherV2", "wasm");
    registerKernels();
    unregisterKernels();
    expect(tf.getKernel("GatherV2", "wasm")).toBe(stockGather);
    expect(tf.getKernel("UnsortedSegmentSum", "cpu")).toBe(stockCpu);
    expect(tf.getKernel("UnsortedSegmentSum", "wasm")).toBeUndefined();
    expect(tf.getKernel("BatchMatMul", "wasm")).toBe(stockMatMul);
    expect(tf.getKernel(RECURRENT_KERNEL_NAMES[0]!, "cpu")).toBeUndefined();
    expect(listRegisteredKernels()).toEqual([]);
    unregisterKernels(); // idempotent too
    expect(tf.getKernel("UnsortedSegmentSum", "cpu")).toBe(stockCpu);
  });

  it("registers only the groups asked for, and rejects an unknown group", () => {
    unregisterKernels();
    expect(names(registerKernels(["embedding-gradient"]))).toEqual(["UnsortedSegmentSum@cpu", "UnsortedSegmentSum@wasm"]);
    expect(names(registerKernels(["transpose-free-matmul"]))).toEqual([
      "UnsortedSegmentSum@cpu",
      "UnsortedSegmentSum@wasm",
      "BatchMatMul@wasm",
    ]);
    expect(() => registerKernels(["fast" as KernelGroup])).toThrow(
      'expected kernel groups among embedding-gradient, embedding-lookup, recurrent, transpose-free-matmul, adam, got "fast"',
    );
    unregisterKernels();
  });

  it("the ./register entry registers them on import", async () => {
    unregisterKernels();
    expect(listRegisteredKernels()).toEqual([]);
    await import("./register");
    expect(names(listRegisteredKernels())).toEqual(EXPECTED);
  });
});
