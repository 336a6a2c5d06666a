import type { RecurrentKernelsInfo } from "../kernels/recurrent/sequence/sequence-runtime";
import type { BackendName, WasmBinaryName } from "./init-backend-options";
import { ENV_VAR } from "./init-backend-options";

/** A backend {@link initBackend} did not use, and why. */
export interface SkippedBackend {
  backend: BackendName;
  reason: string;
}

/** What the wasm backend runs with. */
export interface WasmDetails {
  /** WebAssembly SIMD supported by this runtime (tfjs flag `WASM_HAS_SIMD_SUPPORT`). */
  simd: boolean;
  /** WebAssembly threads usable (tfjs flag `WASM_HAS_MULTITHREAD_SUPPORT`; always `false` in Node). */
  threadsSupported: boolean;
  /** Threads XNNPACK actually uses (`getThreadsCount()`). */
  threadsCount: number;
  /** The `.wasm` binary tfjs picks for these capabilities. */
  binary: WasmBinaryName;
  /** Whether the binaries' location came from `wasmPaths` or tfjs' default lookup. */
  paths: "default" | "custom";
}

/** What {@link initBackend} chose and why. */
export interface BackendReport {
  /** The backend now active (`tf.getBackend()`). */
  backend: BackendName;
  /** `"env"` when `RECURRENT_BACKEND` decided, `"order"` otherwise. */
  selectedBy: "order" | "env";
  /** The order that was tried. */
  order: BackendName[];
  versions: {
    /** `@tensorflow/tfjs-core`. */
    tfjsCore: string;
    /** `@tensorflow/tfjs-backend-wasm`, when it was loaded. */
    tfjsBackendWasm?: string;
    /** `@tensorflow/tfjs-node`, when it was loaded. */
    tfjsNode?: string;
  };
  /** Present when the backend is `wasm`. */
  wasm?: WasmDetails;
  /** Backends tried or passed over before or after the chosen one, with the reason. */
  skipped: SkippedBackend[];
  /** Kernels of this package registered, as `Kernel@backend`. */
  kernels: string[];
  /**
   * How the whole-sequence recurrent kernels run (threads, caller included; relaxed SIMD; why they fell back to the
   * calling thread, if they did), when they are registered for the chosen backend and can run.
   */
  recurrent?: RecurrentKernelsInfo;
  /** Known limits of the chosen backend and platform worth knowing about, with what to do where something can be done. */
  notes: string[];
}

/**
 * Formats a {@link BackendReport} as the few lines {@link initBackend} prints.
 *
 * @example
 * import { formatBackendReport, initBackend } from "@recurrent/backends";
 *
 * console.log(formatBackendReport(await initBackend({ log: false })));
 * // @recurrent/backends: using wasm (tfjs-core 4.22.0, tfjs-backend-wasm 4.22.0; SIMD yes, threads 1, tfjs-backend-wasm-simd.wasm)
 * //   skipped tensorflow: @tensorflow/tfjs-node is not installed (optional peer dependency; …)
 */
export function formatBackendReport(report: BackendReport): string {
  const v = report.versions;
  const parts = [`tfjs-core ${v.tfjsCore}`];
  if (v.tfjsBackendWasm !== undefined) parts.push(`tfjs-backend-wasm ${v.tfjsBackendWasm}`);
  if (v.tfjsNode !== undefined) parts.push(`tfjs-node ${v.tfjsNode}`);
  let head = `@recurrent/backends: using ${report.backend}${report.selectedBy === "env" ? ` (from ${ENV_VAR})` : ""} (${parts.join(", ")}`;
  if (report.wasm !== undefined) {
    const w = report.wasm;
    head += `; SIMD ${w.simd ? "yes" : "no"}, threads ${w.threadsCount}${w.threadsSupported ? "" : " (multithreading unavailable)"}, ${w.binary}`;
  }
  head += ")";
  const lines = [head];
  for (const s of report.skipped) lines.push(`  skipped ${s.backend}: ${s.reason}`);
  lines.push(`  kernels registered: ${report.kernels.length > 0 ? groupKernels(report.kernels) : "none"}`);
  if (report.recurrent !== undefined) {
    const { threads, relaxedSimd, fallback } = report.recurrent;
    lines.push(
      `  recurrent sequence kernels: ${threads} thread${threads === 1 ? "" : "s"}${fallback === undefined ? "" : " (fallback)"}, ` +
        `relaxed SIMD (fused multiply-add) ${relaxedSimd ? "yes" : "no"}`,
    );
  }
  for (const n of report.notes) lines.push(`  note: ${n}`);
  return lines.join("\n");
}

/** `["A@cpu", "A@wasm", "B@wasm"]` → `"A (cpu, wasm), B (wasm)"`: the report's kernel line, one entry per kernel. */
function groupKernels(kernels: readonly string[]): string {
  const backends = new Map<string, string[]>();
  for (const entry of kernels) {
    const at = entry.lastIndexOf("@");
    const name = entry.slice(0, at);
    const list = backends.get(name) ?? [];
    list.push(entry.slice(at + 1));
    backends.set(name, list);
  }
  return [...backends].map(([name, list]) => `${name} (${list.join(", ")})`).join(", ");
}
