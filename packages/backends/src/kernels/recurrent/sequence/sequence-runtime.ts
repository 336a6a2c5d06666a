import type { SequenceExports } from "../../../wasm/sequence-module";
import { compileSequenceModule, relaxedSimdUsable, sequenceModuleSupported } from "../../../wasm/sequence-module";
import { webAssembly } from "../../../wasm/webassembly-api";
import type { RelaxedSimdMode } from "../recurrent-kernel-settings";
import { recurrentKernelSettingsStore } from "../recurrent-kernel-settings";
import { SequenceArena } from "./sequence-arena";
import { SequencePool } from "./sequence-pool";
import { CONTROL_WORDS } from "./sequence-protocol";

/** Pages the shared memory starts with (1 MiB: the control block and a first arena). */
const INITIAL_PAGES = 16;

/** Default of {@link recurrentThreadsReady}'s `timeoutMs`. */
export const DEFAULT_THREADS_TIMEOUT_MS = 10_000;

/**
 * The whole-sequence kernels' runtime: the module instantiated on a shared WebAssembly memory, the arena in that
 * memory and the pool of worker threads that import it too. One per JavaScript thread (see {@link sequenceRuntime}).
 */
export class SequenceRuntime {
  readonly exports: SequenceExports;
  /** Whether the module was compiled with relaxed SIMD (fused multiply-add). */
  readonly relaxedSimd: boolean;
  /** The relaxed-SIMD setting this runtime was made for. */
  readonly relaxedMode: RelaxedSimdMode;
  readonly arena: SequenceArena;
  readonly pool: SequencePool;

  constructor(relaxedMode: RelaxedSimdMode) {
    if (webAssembly === undefined) throw new Error("expected a runtime with WebAssembly, got none");
    this.relaxedMode = relaxedMode;
    this.relaxedSimd = relaxedSimdUsable(relaxedMode);
    const module = compileSequenceModule(this.relaxedSimd);
    const memory = new webAssembly.Memory({ initial: INITIAL_PAGES, maximum: 65536, shared: true });
    this.exports = new webAssembly.Instance(module, { env: { memory } }).exports as SequenceExports;
    const ctl = new Int32Array(memory.buffer, 0, CONTROL_WORDS);
    this.arena = new SequenceArena(memory);
    this.pool = new SequencePool(module, memory, ctl, this.exports);
  }
}

/** This thread's runtime: `null` = unavailable here; `undefined` = not created yet. */
const slot: { runtime: SequenceRuntime | null | undefined } = { runtime: undefined };

/**
 * The runtime, created on first call; null where WebAssembly SIMD, threads or shared memory are unavailable (the
 * fast layers then use the per-step kernels). When the relaxed-SIMD setting changed since the runtime was created,
 * the old one is closed and a new one made.
 */
export function sequenceRuntime(): SequenceRuntime | null {
  const mode = recurrentKernelSettingsStore.get().relaxedSimd;
  const current = slot.runtime;
  if (current !== undefined && (current === null || current.relaxedMode === mode)) return current;
  if (current) void current.pool.close();
  try {
    slot.runtime = sequenceModuleSupported() ? new SequenceRuntime(mode) : null;
  } catch {
    slot.runtime = null;
  }
  return slot.runtime;
}

/** How the whole-sequence recurrent kernels run here. */
export interface RecurrentKernelsInfo {
  /** Threads a kernel call uses now (the caller included). */
  threads: number;
  /** Whether the kernels use relaxed SIMD (fused multiply-add). */
  relaxedSimd: boolean;
  /**
   * Present when the kernels run on the calling thread alone although more threads were asked for, because the
   * worker threads did not start (in time), or cannot share the kernels' work here (in a browser: a page that is not
   * cross-origin isolated, or a page's main thread): why.
   */
  fallback?: string;
}

/** Options of {@link recurrentThreadsReady}. */
export interface RecurrentThreadsReadyOptions {
  /**
   * How long to wait for the worker threads, in ms. Those that are not up by then are given up, and the kernels
   * run on the calling thread alone (see {@link RecurrentKernelsInfo.fallback}).
   * @default 10000
   */
  timeoutMs?: number;
}

/**
 * Starts the whole-sequence kernels' worker threads, if not started yet, and resolves once they are up, with the
 * number of threads (the caller included) the kernels will use; 0 where the kernels are unavailable. Kernels
 * called before the workers are up run on fewer threads, so benchmarks and tests await this first. Never hangs:
 * when the workers are not up within `timeoutMs`, it gives them up, the kernels run on the calling thread, and it
 * resolves with 1 ({@link recurrentKernelsInfo} then says why).
 *
 * @throws {RangeError} when `timeoutMs` is not a finite number ≥ 0.
 * @example
 * import { recurrentThreadsReady } from "@recurrent/backends";
 *
 * console.log(await recurrentThreadsReady()); // 2 on a machine with two cores
 */
export async function recurrentThreadsReady(options: RecurrentThreadsReadyOptions = {}): Promise<number> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_THREADS_TIMEOUT_MS;
  if (typeof timeoutMs !== "number" || !Number.isFinite(timeoutMs) || timeoutMs < 0) {
    throw new RangeError(`expected timeoutMs to be a finite number >= 0, got ${String(timeoutMs)}`);
  }
  const runtime = sequenceRuntime();
  return runtime === null ? 0 : runtime.pool.ready(timeoutMs);
}

/**
 * How the whole-sequence kernels run here: threads in use (the caller included), whether they use relaxed SIMD,
 * and why they fell back to the calling thread if they did; null where they cannot run. Synchronous: it creates
 * the kernels' runtime if their first call has not (compiling the module, starting the worker threads) but does
 * not wait for the workers, so `threads` counts those up now; `await recurrentThreadsReady()` first for the count
 * the kernels will run with.
 *
 * @example
 * import { recurrentKernelsInfo, recurrentThreadsReady } from "@recurrent/backends";
 *
 * await recurrentThreadsReady();
 * console.log(recurrentKernelsInfo()); // { threads: 2, relaxedSimd: true }
 */
export function recurrentKernelsInfo(): RecurrentKernelsInfo | null {
  const runtime = sequenceRuntime();
  if (runtime === null) return null;
  const info: RecurrentKernelsInfo = { threads: runtime.pool.threads(), relaxedSimd: runtime.relaxedSimd };
  const fallback = runtime.pool.fallback;
  if (fallback !== null) info.fallback = fallback;
  return info;
}

/**
 * Stops the whole-sequence kernels' worker threads and drops their runtime (and with it the saved activations of
 * forward passes awaiting their backward pass); the next kernel call creates a new one. The workers never keep
 * the process alive, so this is only needed to free them early or to start afresh (e.g. after a fallback).
 *
 * @example
 * import { closeRecurrentThreads } from "@recurrent/backends";
 *
 * await closeRecurrentThreads();
 */
export async function closeRecurrentThreads(): Promise<void> {
  const current = slot.runtime;
  slot.runtime = undefined;
  if (current) await current.pool.close();
}
