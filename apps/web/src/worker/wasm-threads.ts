// Whether tfjs may use its threaded wasm binary, decided once before the engine starts (the app's worker and the
// benchmark's worker both ask here, so that the benchmark measures what the app runs).

/** The page's `?wasm-threads=` choice: `auto` (the default), `on` or `off`. */
export type WasmThreadsMode = "auto" | "on" | "off";

/** Reads `?wasm-threads=` from a query string; anything but `on`/`off` is `auto`. */
export function wasmThreadsMode(search: string): WasmThreadsMode {
  const value = new URLSearchParams(search).get("wasm-threads");
  return value === "on" || value === "off" ? value : "auto";
}

/**
 * The XNNPACK threads tfjs-backend-wasm 4.22 runs its threaded binary with by default: half the logical cores (it
 * assumes two hardware threads per core), at least 1 and at most 4.
 */
export function tfjsDefaultThreads(logicalCores: number): number {
  return Math.min(4, Math.max(1, Math.floor(logicalCores / 2)));
}

/**
 * Whether to let tfjs pick its threaded binary, and why not when it should not. It can only where the page is
 * cross-origin isolated (SharedArrayBuffer); in a minified build it starts thanks to vite.config.ts's
 * `tfjsThreadedWasmSource` (issue #12). `auto` uses it where tfjs would run it on more than one thread: on one
 * thread it gains nothing and measured slower per training step than the single-threaded SIMD binary (2-core
 * machine, apps/web/bench).
 *
 * @returns `use`: leave tfjs's `WASM_HAS_MULTITHREAD_SUPPORT` as detected; otherwise `why` says why it is set false
 *   (null where isolation is missing: tfjs then cannot use threads anyway, and the backend report says why).
 */
export function threadedWasmDecision(mode: WasmThreadsMode, crossOriginIsolated: boolean, logicalCores: number): { use: boolean; why: string | null } {
  if (!crossOriginIsolated) return { use: false, why: null };
  if (mode === "on") return { use: true, why: null };
  if (mode === "off") return { use: false, why: "tfjs's threaded wasm binary is not used: the page was opened with ?wasm-threads=off" };
  const threads = tfjsDefaultThreads(logicalCores);
  if (threads > 1) return { use: true, why: null };
  return {
    use: false,
    why:
      `tfjs's threaded wasm binary is not used: on ${logicalCores} logical core${logicalCores === 1 ? "" : "s"} tfjs would run it on 1 thread ` +
      "(it takes half the cores, at most 4), where it is slower per training step than the single-threaded SIMD binary; " +
      "?wasm-threads=on uses it anyway",
  };
}
