import { BackendsError } from "../../../backends-error";
import { decodeBase64 } from "../../../wasm/decode-base64";
import { SEQUENCE_RELAXED_WASM_BASE64, SEQUENCE_WASM_BASE64 } from "../../../../wasm-out/sequence-wasm";

/**
 * The whole-sequence kernels (assembly/sequence.ts) on a shared WebAssembly memory, run by the calling thread and
 * a pool of worker threads together. One engine per JavaScript thread, created on first use.
 *
 * Memory map of the shared memory: bytes [0, 1024) are the control block (job words, worker flags, barrier);
 * from {@link ARENA_START} on, the blocks a forward pass keeps for its backward pass ({@link SequenceEngine.keep},
 * released in about the reverse order, as backpropagation runs), then the scratch arena in which each kernel call
 * lays out its arrays with {@link SequenceEngine.alloc}, reset when the call ends (kernels do not nest).
 */

/** The exports of assembly/sequence.ts. Pointers are byte offsets in the shared memory. */
export interface SequenceExports {
  lstmSequenceForward(...args: number[]): number;
  lstmSequenceBackward(...args: number[]): number;
  transpose(src: number, dst: number, rows: number, cols: number): void;
}

/** Functions a job can run (index = the function id the workers look up). */
const JOB_FUNCTIONS = ["lstmSequenceForward", "lstmSequenceBackward"] as const;
export type SequenceJob = (typeof JOB_FUNCTIONS)[number];

/** One call of a kernel function: `fn(...args, thread, threads)`. */
export interface JobCall {
  fn: SequenceJob;
  args: readonly number[];
}

// Control block, in i32 words: job words, one ready flag per worker, one job slot per thread, the barrier.
const SEQ = 0; // job number; a negative value tells workers to exit
const DONE = 1; // workers that finished the current job
const FAILED = 2; // workers whose call failed
const READY = 16; // one flag per worker: 1 once its instance is up
const MAX_WORKERS = 15;
const SLOTS = 32; // slot of thread k at SLOTS + k·SLOT_WORDS: function id (−1 = none), thread, threads, argc, args
const SLOT_WORDS = 40;
const MAX_ARGS = SLOT_WORDS - 4;
const BARRIER_BYTES = 3072; // three i32 (arrivals, generation, error), on a cache line of its own
const CONTROL_WORDS = 1024;
/** First byte of the arena. */
const ARENA_START = 4096;
const PAGE = 65536;
const MAX_PAGES = 65536;
/** Forward passes whose saved activations are kept at most, waiting for their backward pass. */
const MAX_KEPT = 64;
/** How long the caller waits for a worker before giving up, in ms. */
const WORKER_TIMEOUT_MS = 120_000;

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => { buffer: ArrayBufferLike; grow(pages: number): number };
  validate(bytes: Uint8Array): boolean;
}

interface WorkerLike {
  unref(): void;
  on(event: "error" | "exit", listener: (arg: unknown) => void): void;
  terminate(): Promise<number>;
}

interface NodeProcessLike {
  getBuiltinModule?: (id: string) => unknown;
}

const wasmApi = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;


/** The worker's whole program (run with `eval`, so that no separate file has to be found next to the bundle). */
const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const { module, memory, index, functions } = workerData;
const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
const ctl = new Int32Array(memory.buffer, 0, ${CONTROL_WORDS});
const fns = functions.map((name) => exports[name]);
const slot = ${SLOTS} + (index + 1) * ${SLOT_WORDS};
let seen = Atomics.load(ctl, ${SEQ});
Atomics.store(ctl, ${READY} + index, 1);
for (;;) {
  Atomics.wait(ctl, ${SEQ}, seen);
  const seq = Atomics.load(ctl, ${SEQ});
  if (seq < 0) break;
  if (seq === seen) continue;
  seen = seq;
  const fn = Atomics.load(ctl, slot);
  if (fn < 0) continue;
  try {
    const args = [];
    const argc = ctl[slot + 3];
    for (let i = 0; i < argc; i++) args.push(ctl[slot + 4 + i] >>> 0);
    if (fns[fn](...args, ctl[slot + 1], ctl[slot + 2]) !== 0) Atomics.add(ctl, ${FAILED}, 1);
  } catch {
    Atomics.add(ctl, ${FAILED}, 1);
  }
  Atomics.add(ctl, ${DONE}, 1);
  Atomics.notify(ctl, ${DONE});
}
`;

/** When the whole-sequence kernels use relaxed SIMD (fused multiply-add); see {@link setRelaxedSimd}. */
export type RelaxedSimdMode = "auto" | "on" | "off";

let relaxedMode: RelaxedSimdMode = "auto";

/**
 * Chooses whether the whole-sequence kernels use WebAssembly relaxed SIMD (fused multiply-add, about 10–30 %
 * faster products; results differ from the plain build in the last bits only):
 *
 * - `"auto"` (default): where the engine supports it as shipped (Node ≥ 22, current browsers);
 * - `"on"`: also where it needs a V8 flag: on Node 20 this sets `--experimental-wasm-relaxed-simd` for the process;
 * - `"off"`: never.
 *
 * Takes effect when the kernels' engine starts (their first call, or {@link recurrentThreadsReady}); a running
 * engine is closed so that the next call starts one with the new setting.
 *
 * @returns whether the kernels will use relaxed SIMD.
 * @throws {RangeError} for another mode.
 * @example
 * setRelaxedSimd("on"); // true on Node 20 and later
 */
export function setRelaxedSimd(mode: RelaxedSimdMode): boolean {
  if (mode !== "auto" && mode !== "on" && mode !== "off") throw new RangeError(`expected "auto", "on" or "off", got ${String(mode)}`);
  if (mode !== relaxedMode && engine) {
    void engine.close();
    engine = undefined;
  }
  relaxedMode = mode;
  return relaxedUsable();
}

/** Whether the kernels may use relaxed SIMD under the current mode (turning V8's flag on for mode "on"). */
function relaxedUsable(): boolean {
  if (wasmApi === undefined || relaxedMode === "off") return false;
  const relaxed = decodeBase64(SEQUENCE_RELAXED_WASM_BASE64);
  if (!wasmApi.validate(relaxed) && relaxedMode === "on") {
    const v8 = (globalThis as { process?: NodeProcessLike }).process?.getBuiltinModule?.("node:v8") as
      | { setFlagsFromString(flags: string): void }
      | undefined;
    v8?.setFlagsFromString("--experimental-wasm-relaxed-simd");
  }
  return wasmApi.validate(relaxed);
}

let requestedThreads: number | null = null;

/**
 * Sets how many threads (the caller included) run the whole-sequence recurrent kernels. The default is the
 * number of CPUs Node reports (`os.availableParallelism()`), at most 8; 1 means no worker threads. Engines
 * already running keep their workers; the next call uses at most that many.
 *
 * @param threads an integer ≥ 1.
 * @returns the previous setting (null = the default).
 * @throws {RangeError} when `threads` is not an integer ≥ 1.
 * @example
 * setRecurrentThreads(1); // single-threaded, e.g. when other work uses the other cores
 */
export function setRecurrentThreads(threads: number | null): number | null {
  if (threads !== null && (!Number.isInteger(threads) || threads < 1 || threads > MAX_WORKERS + 1)) {
    throw new RangeError(`expected an integer from 1 to ${MAX_WORKERS + 1} (or null for the default), got ${threads}`);
  }
  const before = requestedThreads;
  requestedThreads = threads;
  return before;
}

function defaultThreads(): number {
  const os = (globalThis as { process?: NodeProcessLike }).process?.getBuiltinModule?.("node:os") as
    | { availableParallelism?: () => number; cpus(): unknown[] }
    | undefined;
  if (os === undefined) return 1;
  return Math.max(1, Math.min(8, os.availableParallelism?.() ?? os.cpus().length));
}

/** A block of the shared memory kept from a forward kernel call to its backward call. */
export interface KeptBlock {
  /** Handle passed between the two calls (a positive integer). */
  readonly id: number;
  /** Byte offset of the block. */
  readonly offset: number;
  /** Size in bytes. */
  readonly bytes: number;
  /** What the kernel needs to find its arrays again (offsets, dimensions, attributes). */
  readonly meta: Readonly<Record<string, number>>;
}

/** The whole-sequence kernels' shared memory, threads and arena (one per JavaScript thread). */
export class SequenceEngine {
  readonly exports: SequenceExports;
  /** Whether the kernels were compiled with relaxed SIMD (fused multiply-add). */
  readonly relaxedSimd: boolean;
  private readonly memory: { buffer: ArrayBufferLike; grow(pages: number): number };
  private readonly ctl: Int32Array;
  private readonly workers: WorkerLike[] = [];
  private readonly module: object;
  private broken: string | null = null;
  private top = ARENA_START;
  /** End of the kept blocks: where the scratch arena starts. */
  private keptTop = ARENA_START;
  private readonly kept: (KeptBlock & { live: boolean })[] = [];
  private readonly evicted = new Set<number>();
  private nextKeptId = 1;
  private job = 0;
  /** Float32 view of the whole memory, renewed after growth. */
  f32: Float32Array;

  constructor(api: WasmApi) {
    this.relaxedSimd = relaxedUsable();
    const module = new api.Module(decodeBase64(this.relaxedSimd ? SEQUENCE_RELAXED_WASM_BASE64 : SEQUENCE_WASM_BASE64));
    this.memory = new api.Memory({ initial: 16, maximum: MAX_PAGES, shared: true });
    this.exports = new api.Instance(module, { env: { memory: this.memory } }).exports as SequenceExports;
    this.ctl = new Int32Array(this.memory.buffer, 0, CONTROL_WORDS);
    this.f32 = new Float32Array(this.memory.buffer);
    this.module = module;
    this.spawn(requestedThreads ?? defaultThreads());
  }

  /** Starts workers until there are `threads − 1` of them (where worker threads exist). */
  private spawn(threads: number): void {
    const workerThreads = (globalThis as { process?: NodeProcessLike }).process?.getBuiltinModule?.("node:worker_threads") as
      | { Worker: new (code: string, options: object) => WorkerLike }
      | undefined;
    if (workerThreads === undefined) return;
    for (let index = this.workers.length; index < Math.min(threads - 1, MAX_WORKERS); index++) {
      const worker = new workerThreads.Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { module: this.module, memory: this.memory, index, functions: JOB_FUNCTIONS },
      });
      // A worker must not keep the process alive, and its death must not go unnoticed.
      worker.unref();
      worker.on("error", (e) => {
        this.broken = `a recurrent-kernel worker thread failed: ${e instanceof Error ? e.message : String(e)}`;
      });
      worker.on("exit", () => {
        Atomics.store(this.ctl, READY + index, 0);
      });
      this.workers.push(worker);
    }
  }

  /** Threads a job would use now: the caller plus the workers that are up, at most the requested number. */
  threads(): number {
    const wanted = requestedThreads ?? defaultThreads();
    if (wanted > this.workers.length + 1) this.spawn(wanted);
    const limit = Math.min(wanted, this.workers.length + 1);
    let n = 1;
    while (n < limit && Atomics.load(this.ctl, READY + n - 1) === 1) n++;
    return n;
  }

  /** Resolves once every worker is up (or after `timeoutMs`) with the number of threads a job would use. */
  async ready(timeoutMs = 10_000): Promise<number> {
    const started = Date.now();
    this.threads(); // starts the missing workers
    const want = Math.min(requestedThreads ?? defaultThreads(), this.workers.length + 1);
    while (this.threads() < want && this.broken === null && Date.now() - started < timeoutMs) {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    return this.threads();
  }

  /** Reserves `floats` float32 values (16-byte aligned) in the arena; returns the byte offset. */
  alloc(floats: number): number {
    const at = this.top;
    this.top += Math.ceil((floats * 4) / 16) * 16;
    return at;
  }

  /** Makes sure the memory holds the arena allocated so far (call before writing into it). */
  commit(): void {
    const have = this.memory.buffer.byteLength;
    if (this.top > have) {
      const pages = Math.ceil((this.top - have) / PAGE);
      if (have / PAGE + pages > MAX_PAGES) {
        throw new BackendsError("KERNEL_INPUT", `recurrent sequence kernels: expected at most 4 GiB of working memory, needed ${this.top} bytes`);
      }
      this.memory.grow(pages);
    }
    if (this.f32.buffer.byteLength !== this.memory.buffer.byteLength) this.f32 = new Float32Array(this.memory.buffer);
  }

  /** Frees the whole scratch arena (end of a kernel call). */
  reset(): void {
    this.top = this.keptTop;
  }

  /**
   * Reserves a block of `bytes` that outlives the kernel call, for the backward pass of a forward call; the
   * scratch arena moves above it. Call before any {@link alloc} of the call. When more than 64 blocks are waiting
   * for their backward pass (forward passes recorded for a gradient that was never computed), the oldest is
   * released.
   */
  keep(bytes: number, meta: Record<string, number>): KeptBlock {
    if (this.top !== this.keptTop) throw new Error("SequenceEngine.keep: expected no scratch allocation before it");
    while (this.kept.filter((k) => k.live).length >= MAX_KEPT) {
      const oldest = this.kept.find((k) => k.live)!;
      this.evicted.add(oldest.id);
      this.release(oldest.id);
    }
    const block = { id: this.nextKeptId++, offset: this.keptTop, bytes: Math.ceil(bytes / 16) * 16, meta, live: true };
    this.kept.push(block);
    this.keptTop += block.bytes;
    this.top = this.keptTop;
    return block;
  }

  /**
   * The live kept block with this handle.
   *
   * @throws {BackendsError} `KERNEL_INPUT` when it was released or never existed.
   */
  keptBlock(id: number, kernel: string): KeptBlock {
    const block = this.kept.find((k) => k.id === id && k.live);
    if (block !== undefined) return block;
    const why = this.evicted.has(id)
      ? `it was released because more than ${MAX_KEPT} forward passes were waiting for their backward pass`
      : "no forward pass of this engine saved it, or its backward pass already ran";
    throw new BackendsError("KERNEL_INPUT", `${kernel}: expected the saved activations of handle ${id}, but ${why}`);
  }

  /** Releases a kept block; the memory returns to the arena once the blocks above it are released too. */
  release(id: number): void {
    const block = this.kept.find((k) => k.id === id);
    if (block !== undefined) block.live = false;
    while (this.kept.length > 0 && !this.kept[this.kept.length - 1]!.live) {
      const top = this.kept.pop()!;
      this.keptTop = top.offset;
    }
    if (this.kept.length === 0) this.keptTop = ARENA_START;
    this.top = this.keptTop;
  }

  /** Number of kept blocks waiting for their backward pass. */
  keptCount(): number {
    return this.kept.filter((k) => k.live).length;
  }

  /** Copies `values` into the arena at byte offset `at`. */
  write(at: number, values: Float32Array): void {
    this.f32.set(values, at >> 2);
  }

  /** Zeroes `floats` values at byte offset `at`. */
  zero(at: number, floats: number): void {
    this.f32.fill(0, at >> 2, (at >> 2) + floats);
  }

  /** A view (not a copy) of `floats` values at byte offset `at`; valid until the next {@link commit}. */
  view(at: number, floats: number): Float32Array {
    return this.f32.subarray(at >> 2, (at >> 2) + floats);
  }

  /**
   * Runs `fn(...args, thread, threads)` on the calling thread and on the workers at once (each thread takes its
   * share of the work, meeting the others at the barrier), and returns when all are done.
   *
   * @throws {BackendsError} `KERNEL_INPUT` when a worker failed or did not answer.
   */
  run(fn: SequenceJob, args: readonly number[]): void {
    const threads = this.threads();
    this.dispatch(Array.from({ length: threads }, (_, thread) => ({ fn, args, thread, threads })));
  }

  /**
   * Runs independent calls at once, one per thread (each as a single-thread call); with fewer threads than
   * calls, the caller runs the rest after its own. Returns when all are done.
   *
   * @throws {BackendsError} `KERNEL_INPUT` when a worker failed or did not answer.
   */
  runEach(calls: readonly JobCall[]): void {
    const threads = Math.min(this.threads(), calls.length);
    const jobs = calls.map((c) => ({ ...c, thread: 0, threads: 1 }));
    this.dispatch(jobs.slice(0, threads), jobs.slice(threads));
  }

  /** Runs jobs[k] on thread k (k = 0: the caller), then `rest` on the caller, and waits for the workers. */
  private dispatch(
    jobs: readonly (JobCall & { thread: number; threads: number })[],
    rest: readonly (JobCall & { thread: number; threads: number })[] = [],
  ): void {
    if (this.broken !== null) throw new BackendsError("KERNEL_INPUT", this.broken);
    const ctl = this.ctl;
    ctl[BARRIER_BYTES / 4] = 0;
    ctl[BARRIER_BYTES / 4 + 2] = 0;
    const workers = jobs.length - 1;
    if (workers > 0) {
      for (let k = 1; k <= this.workers.length; k++) {
        const slot = SLOTS + k * SLOT_WORDS;
        const job = jobs[k];
        if (job === undefined) {
          Atomics.store(ctl, slot, -1);
          continue;
        }
        if (job.args.length > MAX_ARGS) throw new RangeError(`expected at most ${MAX_ARGS} job arguments, got ${job.args.length}`);
        ctl[slot + 1] = job.thread;
        ctl[slot + 2] = job.threads;
        ctl[slot + 3] = job.args.length;
        for (let i = 0; i < job.args.length; i++) ctl[slot + 4 + i] = job.args[i]! | 0;
        Atomics.store(ctl, slot, JOB_FUNCTIONS.indexOf(job.fn));
      }
      Atomics.store(ctl, DONE, 0);
      Atomics.store(ctl, FAILED, 0);
      this.job = this.job === 0x3fffffff ? 1 : this.job + 1;
      Atomics.store(ctl, SEQ, this.job);
      Atomics.notify(ctl, SEQ);
    }
    let failedHere = false;
    for (const job of [jobs[0]!, ...rest]) {
      if (this.exports[job.fn](...job.args, job.thread, job.threads) !== 0) failedHere = true;
    }
    if (workers > 0) {
      const started = Date.now();
      let spins = 0;
      for (;;) {
        const done = Atomics.load(ctl, DONE);
        if (done >= workers) break;
        if (++spins > 1 << 12) {
          Atomics.wait(ctl, DONE, done, 100);
          if (Date.now() - started > WORKER_TIMEOUT_MS || this.broken !== null) {
            ctl[BARRIER_BYTES / 4 + 2] = 1;
            throw new BackendsError("KERNEL_INPUT", this.broken ?? `recurrent sequence kernels: a worker thread did not answer within ${WORKER_TIMEOUT_MS / 1000} s`);
          }
        }
      }
      if (Atomics.load(ctl, FAILED) !== 0) failedHereOrWorker(jobs[0]!.fn);
    }
    if (failedHere) failedHereOrWorker(jobs[0]!.fn);
  }

  /** Byte offset of the barrier words, for the kernels' `barPtr` argument. */
  get barrier(): number {
    return BARRIER_BYTES;
  }

  /** Stops the workers (the engine runs single-threaded afterwards). */
  async close(): Promise<void> {
    Atomics.store(this.ctl, SEQ, -1);
    Atomics.notify(this.ctl, SEQ);
    const workers = this.workers.splice(0);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

function failedHereOrWorker(fn: string): never {
  throw new BackendsError("KERNEL_INPUT", `recurrent sequence kernels: ${fn} failed at a thread barrier (a thread stopped answering)`);
}

let engine: SequenceEngine | null | undefined;

/**
 * The engine of this thread, created on first call; null where WebAssembly SIMD, threads or shared memory are
 * unavailable (the fast layers then use the per-step kernels).
 */
export function sequenceEngine(): SequenceEngine | null {
  if (engine !== undefined) return engine;
  try {
    engine = wasmApi === undefined || !wasmApi.validate(decodeBase64(SEQUENCE_WASM_BASE64)) ? null : new SequenceEngine(wasmApi);
  } catch {
    engine = null;
  }
  return engine;
}

/**
 * Starts the whole-sequence kernels' worker threads, if not started yet, and resolves once they are up, with the
 * number of threads (the caller included) the kernels will use; 0 where the kernels are unavailable. Kernels
 * called before the workers are up run on fewer threads, so benchmarks and tests await this first.
 *
 * @example
 * await recurrentThreadsReady(); // 2 on a machine with two cores
 */
export async function recurrentThreadsReady(): Promise<number> {
  const current = sequenceEngine();
  return current === null ? 0 : current.ready();
}

/**
 * How the whole-sequence kernels run here, once their engine is up: threads in use (the caller included) and
 * whether they use relaxed SIMD; null where they cannot run.
 *
 * @example
 * await recurrentKernelsInfo() // { threads: 2, relaxedSimd: true }
 */
export async function recurrentKernelsInfo(): Promise<{ threads: number; relaxedSimd: boolean } | null> {
  const current = sequenceEngine();
  if (current === null) return null;
  return { threads: await current.ready(), relaxedSimd: current.relaxedSimd };
}

/** Stops this thread's engine and its workers; the next kernel call creates a new one. */
export async function closeSequenceEngine(): Promise<void> {
  const current = engine;
  engine = undefined;
  if (current) await current.close();
}
