// The messages between the benchmark page and its worker.
import type { BackendReport } from "@recurrent/backends";
import type { WasmThreadsMode } from "../../src/worker/wasm-threads";
import type { BenchModel, StepTimes } from "../training-steps";

/** What the page asks for (from its query string). */
export interface BenchRequest {
  model: BenchModel;
  steps: number;
  warmup: number;
  /** Whether tfjs may use its threaded wasm binary (`?wasm-threads=`), decided as the app decides it. */
  wasmThreads: WasmThreadsMode;
}

/** What the worker answers. */
export type BenchReply =
  | { ok: true; times: StepTimes; report: BackendReport; reportText: string; adjustments: string[]; crossOriginIsolated: boolean; hardwareConcurrency: number }
  | { ok: false; error: string };
