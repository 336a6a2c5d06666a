import * as tf from "@tensorflow/tfjs";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { formatBackendReport } from "./backend-report";
import { initBackend } from "./init-backend";
import type * as SequenceRuntimeModule from "../kernels/recurrent/sequence/sequence-runtime";
import type { RecurrentKernelsInfo } from "../kernels/recurrent/sequence/sequence-runtime";
import type { BackendModuleSpecifier } from "./init-backend-options";

// The report's advice in a browser, simulated: the platform is a page (cross-origin isolated or not), the whole-
// sequence kernels are unavailable (as without SharedArrayBuffer), and a stand-in "wasm" backend fails to load its
// binaries as tfjs-backend-wasm does when a bundler moved them (own file: it registers that stand-in).
const platform = vi.hoisted(() => ({ kind: "browser" as const, crossOriginIsolated: false }));
vi.mock("./platform", () => ({ detectPlatform: () => ({ ...platform }) }));
/** What the stand-in whole-sequence kernels report (null: they cannot run). */
const recurrent = vi.hoisted(() => ({ info: null as RecurrentKernelsInfo | null }));
vi.mock("../kernels/recurrent/sequence/sequence-runtime", async (original) => ({
  ...(await original<typeof SequenceRuntimeModule>()),
  recurrentThreadsReady: async () => (recurrent.info === null ? 0 : recurrent.info.threads),
  recurrentKernelsInfo: () => recurrent.info,
}));

/** What tfjs-backend-wasm rejects with when it cannot fetch its .wasm file. */
const TFJS_FETCH_FAILURE = {
  message:
    "Make sure the server can serve the `.wasm` file relative to the bundled js file. For more details see https://github.com/tensorflow/tfjs/blob/master/tfjs-backend-wasm/README.md#using-bundlers",
};

const setWasmPaths = vi.fn();
const loaded: BackendModuleSpecifier[] = [];
const loadModule = async (specifier: BackendModuleSpecifier): Promise<unknown> => {
  loaded.push(specifier);
  if (specifier === "@tensorflow/tfjs-node") throw new Error("a browser cannot load @tensorflow/tfjs-node");
  return { version_wasm: "4.22.0", setWasmPaths, getThreadsCount: () => 1 };
};

function registerWasm(starts: boolean): void {
  const cpuFactory = tf.findBackendFactory("cpu")!;
  tf.registerBackend("wasm", async () => (starts ? cpuFactory() : Promise.reject(TFJS_FETCH_FAILURE)), 2);
  tf.env().registerFlag("WASM_HAS_SIMD_SUPPORT", async () => true);
  tf.env().registerFlag("WASM_HAS_MULTITHREAD_SUPPORT", async () => false);
}

const options = { log: false as const, env: {}, loadModule, registerKernels: ["recurrent" as const] };

beforeEach(() => {
  loaded.length = 0;
  setWasmPaths.mockClear();
  platform.crossOriginIsolated = false;
  recurrent.info = null;
});

afterEach(async () => {
  await tf.setBackend("cpu");
  if (tf.findBackendFactory("wasm") !== null) tf.removeBackend("wasm");
});

describe("initBackend's advice in a browser", () => {
  it("does not try tfjs-node, and says to pass wasmPaths when the .wasm files are not found", async () => {
    registerWasm(false);
    const report = await initBackend(options);
    expect(report.backend).toBe("cpu");
    expect(loaded).toEqual(["@tensorflow/tfjs-backend-wasm"]);
    expect(report.skipped[0]).toEqual({ backend: "tensorflow", reason: "@tensorflow/tfjs-node runs in Node only, not in a browser" });
    expect(report.skipped[1]?.backend).toBe("wasm");
    expect(report.skipped[1]?.reason).toBe(
      "the wasm backend failed to initialise (tfjs looks for its .wasm files next to its own script, which a bundler moves: " +
        'copy them from @tensorflow/tfjs-backend-wasm/dist to your static assets and pass wasmPaths, e.g. initBackend({ wasmPaths: "/assets/tfjs-wasm/" })): ' +
        TFJS_FETCH_FAILURE.message,
    );
    const text = formatBackendReport(report);
    expect(text).not.toMatch(/install/i); // no advice to install tfjs-node in a browser
    expect(text).not.toContain("single-threaded in Node"); // nor notes meant for Node
    expect(report.notes).toContain(
      "the whole-sequence recurrent kernels cannot run: they need shared WebAssembly memory (SharedArrayBuffer), which needs a " +
        "cross-origin-isolated page; the fast LSTM layers use the per-step kernels",
    );
  });

  it("with wasmPaths, passes them on and says to check them when the files are not there", async () => {
    registerWasm(false);
    const report = await initBackend({ ...options, order: ["wasm", "cpu"], wasmPaths: "/static/tfjs/" });
    expect(setWasmPaths).toHaveBeenCalledWith("/static/tfjs/");
    expect(report.skipped[0]?.reason).toBe(
      `the wasm backend failed to initialise (check that the .wasm files are where wasmPaths says: "/static/tfjs/"): ${TFJS_FETCH_FAILURE.message}`,
    );
  });

  it("explains why tfjs' wasm threads are unavailable on a page that is not cross-origin isolated", async () => {
    registerWasm(true);
    const report = await initBackend({ ...options, order: ["wasm"] });
    expect(report.backend).toBe("wasm");
    expect(report.notes).toContain(
      "tfjs runs the wasm backend single-threaded: WebAssembly threads need SharedArrayBuffer, which needs a cross-origin-isolated " +
        "page (serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)",
    );
    expect(report.notes.join("\n")).not.toContain("Node");
  });

  it("on a cross-origin-isolated page, blames what is still missing rather than the isolation", async () => {
    platform.crossOriginIsolated = true;
    registerWasm(true);
    const report = await initBackend({ ...options, order: ["wasm"] });
    expect(report.notes.join("\n")).not.toContain("cross-origin");
    expect(report.notes).toContain(
      "the whole-sequence recurrent kernels cannot run here (they need WebAssembly SIMD, threads, shared memory and synchronous " +
        "compilation, which some browsers allow in web workers only); the fast LSTM layers use the per-step kernels",
    );
  });

  it("passes on why the recurrent kernels run on one thread (Chromium without isolation: shared memory, but no posting it)", async () => {
    registerWasm(true);
    const why =
      "the page is not cross-origin isolated, so the kernels' shared memory cannot be posted to a Web Worker " +
      "(serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)";
    recurrent.info = { threads: 1, relaxedSimd: true, fallback: why };
    const report = await initBackend({ ...options, order: ["wasm"] });
    expect(report.recurrent).toEqual(recurrent.info);
    expect(report.notes).toContain(`the recurrent kernels' worker threads are not used: ${why}; the kernels run on the calling thread`);
    expect(formatBackendReport(report)).toContain("recurrent sequence kernels: 1 thread (fallback), relaxed SIMD (fused multiply-add) yes");
    expect(report.notes.join("\n")).not.toContain("Node");
  });

  it("on an isolated page whose kernels have their Web Workers: no note about them", async () => {
    platform.crossOriginIsolated = true;
    registerWasm(true);
    recurrent.info = { threads: 2, relaxedSimd: true };
    const report = await initBackend({ ...options, order: ["wasm"] });
    expect(report.recurrent).toEqual({ threads: 2, relaxedSimd: true });
    expect(report.notes.join("\n")).not.toMatch(/recurrent|Node only/);
  });
});
