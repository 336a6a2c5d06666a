import * as tf from "@tensorflow/tfjs";
import * as tfWasm from "@tensorflow/tfjs-backend-wasm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { BackendsError } from "../backends-error";
import { formatBackendReport } from "./backend-report";
import { initBackend } from "./init-backend";
import type { BackendModuleSpecifier } from "./init-backend-options";
import { RECURRENT_KERNEL_NAMES } from "../kernels/recurrent/recurrent-kernel-configs";

/** What Node throws for a missing optional peer. */
function notInstalled(specifier: string): Error {
  return Object.assign(new Error(`Cannot find package '${specifier}' imported from /app/index.js`), {
    code: "ERR_MODULE_NOT_FOUND",
  });
}

/** A loader without tfjs-node (as on our machines) and with the real wasm package. */
const withoutNative = async (specifier: BackendModuleSpecifier): Promise<unknown> => {
  if (specifier === "@tensorflow/tfjs-node") throw notInstalled(specifier);
  return tfWasm;
};

/**
 * A stand-in for @tensorflow/tfjs-node: importing it registers a "tensorflow" backend, as the real package does.
 * The backend is a fresh instance of the cpu backend (made by the registered cpu factory).
 */
function fakeNativeLoader(options: { registers: boolean }) {
  const calls: string[] = [];
  const load = async (specifier: BackendModuleSpecifier): Promise<unknown> => {
    calls.push(specifier);
    if (specifier === "@tensorflow/tfjs-backend-wasm") return tfWasm;
    const cpuFactory = tf.findBackendFactory("cpu");
    if (options.registers && cpuFactory !== null && tf.findBackendFactory("tensorflow") === null) {
      tf.registerBackend("tensorflow", cpuFactory, 2);
    }
    return { version: "4.22.0-fake" };
  };
  return { load, calls };
}

const quiet = { log: false as const, env: {} };

afterEach(async () => {
  if (tf.findBackendFactory("tensorflow") !== null) {
    await tf.setBackend("cpu");
    tf.removeBackend("tensorflow");
  }
});

describe("initBackend", () => {
  it("skips the native backend when tfjs-node is not installed and picks wasm, saying why", async () => {
    const lines: string[] = [];
    const report = await initBackend({ loadModule: withoutNative, env: {}, log: (t) => lines.push(t) });
    expect(report.backend).toBe("wasm");
    expect(tf.getBackend()).toBe("wasm");
    expect(report.selectedBy).toBe("order");
    expect(report.order).toEqual(["tensorflow", "wasm", "cpu"]);
    expect(report.skipped).toEqual([
      { backend: "tensorflow", reason: "@tensorflow/tfjs-node is not installed (optional peer dependency; install it for native speed)" },
      { backend: "cpu", reason: "not needed: wasm came first in the order" },
    ]);
    expect(report.versions).toEqual({ tfjsCore: tf.version_core, tfjsBackendWasm: tfWasm.version_wasm });
    expect(report.wasm?.simd).toBe(await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT"));
    expect(report.wasm?.threadsSupported).toBe(false); // tfjs disables wasm threads under Node
    expect(report.wasm?.threadsCount).toBe(tfWasm.getThreadsCount());
    expect(report.wasm?.binary).toBe(report.wasm?.simd ? "tfjs-backend-wasm-simd.wasm" : "tfjs-backend-wasm.wasm");
    expect(report.kernels).toEqual(expect.arrayContaining(["UnsortedSegmentSum@cpu", "UnsortedSegmentSum@wasm", "BatchMatMul@wasm"]));
    expect(report.kernels).toEqual(expect.arrayContaining(RECURRENT_KERNEL_NAMES.flatMap((n) => [`${n}@cpu`, `${n}@wasm`])));
    expect(formatBackendReport(report)).toContain("UnsortedSegmentSum (cpu, wasm)");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe(formatBackendReport(report));
    expect(lines[0]).toContain("@recurrent/backends: using wasm (tfjs-core");
    expect(lines[0]).toContain("skipped tensorflow: @tensorflow/tfjs-node is not installed");
    // the whole-sequence kernels' worker threads are up when initBackend returns
    expect(report.recurrent?.threads).toBeGreaterThanOrEqual(1);
    expect(lines[0]).toContain(`recurrent sequence kernels: ${report.recurrent!.threads} thread`);
  });

  it("sets the recurrent kernels' threads and relaxed SIMD, and reports them", async () => {
    const report = await initBackend({ ...quiet, order: ["cpu"], recurrentThreads: 1, relaxedSimd: "off" });
    expect(report.recurrent).toEqual({ threads: 1, relaxedSimd: false });
    expect(formatBackendReport(report)).toContain("recurrent sequence kernels: 1 thread, relaxed SIMD (fused multiply-add) no");
    const two = await initBackend({ ...quiet, order: ["cpu"], recurrentThreads: 2, relaxedSimd: "on" });
    expect(two.recurrent?.threads).toBe(2);
    expect(two.recurrent?.relaxedSimd).toBe(true); // Node 20 after the V8 flag, Node 22 as shipped
    await initBackend({ ...quiet, order: ["cpu"], recurrentThreads: 2, relaxedSimd: "auto" });
    const none = await initBackend({ ...quiet, order: ["cpu"], registerKernels: ["embedding-gradient"] });
    expect(none.recurrent).toBeUndefined();
  });

  it("works with the default loader (real dynamic imports)", async () => {
    const report = await initBackend({ ...quiet, order: ["tensorflow", "wasm"] });
    let nativeInstalled = true;
    try {
      await import(/* @vite-ignore */ ["@tensorflow", "tfjs-node"].join("/"));
    } catch {
      nativeInstalled = false;
    }
    expect(report.backend).toBe(nativeInstalled ? "tensorflow" : "wasm");
    if (!nativeInstalled) expect(report.skipped[0]?.reason).toMatch(/tfjs-node is not installed/);
  });

  it("takes the native backend when tfjs-node loads and registers its backend", async () => {
    const { load, calls } = fakeNativeLoader({ registers: true });
    const report = await initBackend({ ...quiet, loadModule: load });
    expect(report.backend).toBe("tensorflow");
    expect(tf.getBackend()).toBe("tensorflow");
    expect(report.versions.tfjsNode).toBe("4.22.0-fake");
    expect(report.wasm).toBeUndefined();
    expect(report.skipped.map((s) => s.backend)).toEqual(["wasm", "cpu"]);
    expect(calls).toEqual(["@tensorflow/tfjs-node"]); // wasm never loaded
  });

  it("explains a tfjs-node that loads but registers no backend (two copies of tfjs)", async () => {
    const { load } = fakeNativeLoader({ registers: false });
    const report = await initBackend({ ...quiet, loadModule: load, order: ["tensorflow", "cpu"] });
    expect(report.backend).toBe("cpu");
    expect(report.skipped[0]?.reason).toMatch(/loaded but registered no "tensorflow" backend .* only one @tensorflow\/tfjs/);
  });

  it("reports a tfjs-node that fails to load (no libtensorflow binary)", async () => {
    const report = await initBackend({
      ...quiet,
      order: ["tensorflow", "cpu"],
      loadModule: async () => {
        throw new Error("libtensorflow.so.2: cannot open shared object file");
      },
    });
    expect(report.backend).toBe("cpu");
    expect(report.skipped[0]).toEqual({
      backend: "tensorflow",
      reason: "@tensorflow/tfjs-node failed to load: libtensorflow.so.2: cannot open shared object file",
    });
  });

  it("patches nothing global while a backend starts: console.warn stays, other code's warnings reach the console", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    let sameWarnDuringStart = false;
    try {
      tf.registerBackend(
        "tensorflow",
        async () => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          sameWarnDuringStart = console.warn === warn;
          console.warn("a warning of other code");
          throw new Error("libtensorflow.so.2: cannot open shared object file\n    at dlopen");
        },
        2,
      );
      const report = await initBackend({ ...quiet, order: ["tensorflow", "cpu"], loadModule: async () => ({ version: "4.22.0-fake" }) });
      expect(report.skipped[0]).toEqual({
        backend: "tensorflow",
        reason: "the tensorflow backend failed to initialise: libtensorflow.so.2: cannot open shared object file",
      });
      expect(sameWarnDuringStart).toBe(true);
      expect(warn).toHaveBeenCalledWith("a warning of other code");
      expect(console.warn).toBe(warn);
    } finally {
      warn.mockRestore();
    }
  });

  it("lets RECURRENT_BACKEND override the order", async () => {
    const report = await initBackend({ log: false, env: { RECURRENT_BACKEND: "cpu" }, loadModule: withoutNative });
    expect(report.backend).toBe("cpu");
    expect(tf.getBackend()).toBe("cpu");
    expect(report.selectedBy).toBe("env");
    expect(report.skipped).toEqual([
      { backend: "tensorflow", reason: "not tried: RECURRENT_BACKEND=cpu" },
      { backend: "wasm", reason: "not tried: RECURRENT_BACKEND=cpu" },
    ]);
    const wasm = await initBackend({ log: false, env: { RECURRENT_BACKEND: " WASM " }, loadModule: withoutNative });
    expect(wasm.backend).toBe("wasm");
  });

  it("fails loudly when the backend forced by RECURRENT_BACKEND cannot start", async () => {
    const attempt = initBackend({ log: false, env: { RECURRENT_BACKEND: "native" }, loadModule: withoutNative });
    await expect(attempt).rejects.toThrow(BackendsError);
    await expect(attempt).rejects.toMatchObject({
      code: "BACKEND_FAILED",
      message:
        "RECURRENT_BACKEND=tensorflow but that backend cannot start: @tensorflow/tfjs-node is not installed (optional peer dependency; install it for native speed)",
    });
  });

  it("rejects bad settings with the expected and received values", async () => {
    await expect(initBackend({ log: false, env: { RECURRENT_BACKEND: "gpu" } })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
      message: 'expected RECURRENT_BACKEND to be one of tensorflow (or native), wasm, cpu, got "gpu"',
    });
    await expect(initBackend({ ...quiet, order: [] })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
      message: "expected order to be a non-empty array of backend names, got []",
    });
    await expect(initBackend({ ...quiet, threads: 0 })).rejects.toMatchObject({
      message: "expected threads to be an integer >= 1, got 0",
    });
    await expect(initBackend({ ...quiet, recurrentThreads: 1.5 })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
      message: "expected recurrentThreads to be an integer from 1 to 16, got 1.5",
    });
    await expect(initBackend({ ...quiet, relaxedSimd: "yes" as never })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
      message: 'expected relaxedSimd to be "auto", "on" or "off", got "yes"',
    });
  });

  it("throws NO_BACKEND with every reason when nothing in the order starts", async () => {
    await expect(initBackend({ ...quiet, order: ["tensorflow"], loadModule: withoutNative })).rejects.toMatchObject({
      code: "NO_BACKEND",
      message:
        "expected one of the backends [tensorflow] to start, none did: tensorflow: @tensorflow/tfjs-node is not installed (optional peer dependency; install it for native speed)",
    });
  });

  it("is safe to call twice: same options give the same report without re-initialising", async () => {
    const load = vi.fn(withoutNative);
    const [a, b] = await Promise.all([initBackend({ ...quiet, loadModule: load, order: ["wasm", "cpu"] }), initBackend({ ...quiet, loadModule: load, order: ["wasm", "cpu"] })]);
    expect(b).toBe(a);
    const c = await initBackend({ ...quiet, loadModule: load, order: ["wasm", "cpu"] });
    expect(c).toBe(a);
    expect(load).toHaveBeenCalledTimes(1);
    // Once someone switches backend behind its back, the next call sets it up again.
    await tf.setBackend("cpu");
    const d = await initBackend({ ...quiet, loadModule: load, order: ["wasm", "cpu"] });
    expect(d.backend).toBe("wasm");
    expect(tf.getBackend()).toBe("wasm");
    expect(load).toHaveBeenCalledTimes(2);
  });
});
