// The benchmark's Web Worker: starts the engine as the app's worker does (src/worker/app-worker.ts: wasm with Vite's
// copies of the binaries, tfjs's threaded binary where the app would use it, all kernels, the recurrent kernels'
// threads) and times the training steps of one model.
import { formatBackendReport, initBackend } from "@recurrent/backends";
import * as tf from "@tensorflow/tfjs";
import plainWasm from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url";
import simdWasm from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url";
import threadedSimdWasm from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url";
import { threadedWasmDecision } from "../../src/worker/wasm-threads";
import { measureTrainingSteps } from "../training-steps";
import type { BenchReply, BenchRequest } from "./protocol";

declare const self: { postMessage(message: BenchReply): void; onmessage: ((event: MessageEvent<BenchRequest>) => void) | null; crossOriginIsolated: boolean };

self.onmessage = (event) => {
  const request = event.data;
  (async (): Promise<BenchReply> => {
    const threaded = threadedWasmDecision(request.wasmThreads, self.crossOriginIsolated, navigator.hardwareConcurrency);
    if (self.crossOriginIsolated && !threaded.use) {
      await import("@tensorflow/tfjs-backend-wasm"); // registers the flag
      tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
    }
    const report = await initBackend({
      order: ["wasm"],
      wasmPaths: {
        "tfjs-backend-wasm.wasm": plainWasm,
        "tfjs-backend-wasm-simd.wasm": simdWasm,
        "tfjs-backend-wasm-threaded-simd.wasm": threadedSimdWasm,
      },
      log: false,
    });
    tf.enableProdMode();
    const times = await measureTrainingSteps(request.model, { steps: request.steps, warmup: request.warmup });
    return { ok: true, times, report, reportText: formatBackendReport(report), adjustments: threaded.why === null ? [] : [threaded.why], crossOriginIsolated: self.crossOriginIsolated, hardwareConcurrency: navigator.hardwareConcurrency };
  })().then(
    (reply) => self.postMessage(reply),
    (error: unknown) => self.postMessage({ ok: false, error: error instanceof Error ? `${error.message}\n${error.stack ?? ""}` : String(error) }),
  );
};
