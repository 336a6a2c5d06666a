import { BackendsError } from "../../../backends-error";
import type { SequenceExports } from "../../../wasm/sequence-module";
import type { WebAssemblyMemory } from "../../../wasm/webassembly-api";
import { recurrentKernelSettingsStore } from "../recurrent-kernel-settings";
import type { JobCall, PlacedJob, SequenceJob } from "./sequence-protocol";
import { breakBarrier, DONE, FAILED, JOB_FUNCTIONS, MAX_WORKERS, postExit, postJob, READY, resetBarrier, writeSlot } from "./sequence-protocol";
import type { ThreadHost, WorkerHandle } from "./sequence-threads";
import { detectThreadHost } from "./sequence-threads";

/** How long the caller waits for a worker during a job before giving up, in ms. */
const JOB_TIMEOUT_MS = 120_000;

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * The worker threads of the whole-sequence kernels (from the {@link ThreadHost} of this runtime: Node's worker
 * threads, or Web Workers in a browser; where there are none, or they cannot share jobs with the calling thread,
 * every job runs on the calling thread), and the running of jobs on them together with the calling thread.
 */
export class SequencePool {
  private readonly workers: WorkerHandle[] = [];
  /** Set when a worker failed after starting: jobs fail with this message. */
  private broken: string | null = null;
  /** Set when the workers were given up (they did not start): every job then runs on the calling thread alone. */
  private fellBack: string | null = null;
  /** Why workers cannot share jobs with the calling thread here; null when they can. */
  private readonly unavailable: string | null;
  private job = 0;

  constructor(
    private readonly module: object,
    private readonly memory: WebAssemblyMemory,
    private readonly ctl: Int32Array,
    private readonly exports: SequenceExports,
    private readonly host: ThreadHost = detectThreadHost(),
  ) {
    this.unavailable = host.unavailable(ctl);
    this.spawn(this.wantedThreads());
  }

  /** Why the pool runs jobs on the calling thread alone although more threads were asked for; null when it does not. */
  get fallback(): string | null {
    return this.fellBack;
  }

  /** The threads wanted now: the setting, else the host's number of CPUs (at most 8; 1 where there are no worker threads). */
  wantedThreads(): number {
    return recurrentKernelSettingsStore.get().threads ?? this.host.cpus();
  }

  /** Starts workers until there are `threads − 1` of them (where they can share jobs with the calling thread). */
  private spawn(threads: number): void {
    if (this.fellBack !== null || threads <= this.workers.length + 1) return;
    if (this.unavailable !== null) {
      // asked for more threads than the calling thread, which cannot have them here: say why, once
      this.fallBack(this.unavailable);
      return;
    }
    for (let index = this.workers.length; index < Math.min(threads - 1, MAX_WORKERS); index++) {
      let worker: WorkerHandle;
      try {
        worker = this.host.start(
          { module: this.module, memory: this.memory, index, functions: JOB_FUNCTIONS },
          {
            error: (message) => {
              this.broken = `a recurrent-kernel worker thread failed: ${message}`;
              Atomics.store(this.ctl, READY + index, 0);
            },
            exit: () => Atomics.store(this.ctl, READY + index, 0),
          },
        );
      } catch (e) {
        this.fallBack(`a worker thread could not be started: ${errorText(e)}`);
        return;
      }
      this.workers.push(worker);
    }
  }

  /** Threads a job would use now: the caller plus the workers that are up, at most the number wanted. */
  threads(): number {
    if (this.fellBack !== null) return 1;
    const wanted = this.wantedThreads();
    if (wanted > this.workers.length + 1) this.spawn(wanted);
    if (this.fellBack !== null) return 1;
    const limit = Math.min(wanted, this.workers.length + 1);
    let n = 1;
    while (n < limit && Atomics.load(this.ctl, READY + n - 1) === 1) n++;
    return n;
  }

  /**
   * Resolves once every worker wanted is up, with the number of threads a job will use. When they are not up
   * within `timeoutMs`, or one fails to start, the pool gives its workers up and runs every job on the calling
   * thread from then on ({@link fallback} says why): it resolves with 1 and never hangs.
   */
  async ready(timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const up = this.threads(); // also starts missing workers
      if (this.fellBack !== null) return 1;
      const want = Math.min(this.wantedThreads(), this.workers.length + 1);
      if (up >= want) return up;
      if (this.broken !== null) {
        this.fallBack(`a worker thread failed while starting (${this.broken})`);
        return 1;
      }
      if (Date.now() >= deadline) {
        this.fallBack(`${want - up} of ${want - 1} worker threads did not start within ${timeoutMs / 1000} s`);
        return 1;
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  /** Gives the workers up: from now on jobs run on the calling thread alone. */
  private fallBack(reason: string): void {
    this.fellBack = reason;
    this.broken = null;
    void this.close();
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
  private dispatch(jobs: readonly PlacedJob[], rest: readonly PlacedJob[] = []): void {
    if (this.broken !== null) throw new BackendsError("KERNEL_INPUT", this.broken);
    const ctl = this.ctl;
    resetBarrier(ctl);
    const workers = jobs.length - 1;
    if (workers > 0) {
      for (let k = 1; k <= this.workers.length; k++) writeSlot(ctl, k, jobs[k]);
      this.job = this.job === 0x3fffffff ? 1 : this.job + 1;
      postJob(ctl, this.job);
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
          if (Date.now() - started > JOB_TIMEOUT_MS || this.broken !== null) {
            breakBarrier(ctl);
            throw new BackendsError(
              "KERNEL_INPUT",
              this.broken ?? `recurrent sequence kernels: a worker thread did not answer within ${JOB_TIMEOUT_MS / 1000} s`,
            );
          }
        }
      }
      if (Atomics.load(ctl, FAILED) !== 0) failedAtBarrier(jobs[0]!.fn);
    }
    if (failedHere) failedAtBarrier(jobs[0]!.fn);
  }

  /** Stops the workers (jobs run on the calling thread alone afterwards). */
  async close(): Promise<void> {
    postExit(this.ctl);
    const workers = this.workers.splice(0);
    await Promise.all(workers.map((w) => w.terminate()));
    this.host.close();
  }
}

function failedAtBarrier(fn: string): never {
  throw new BackendsError("KERNEL_INPUT", `recurrent sequence kernels: ${fn} failed at a thread barrier (a thread stopped answering)`);
}
