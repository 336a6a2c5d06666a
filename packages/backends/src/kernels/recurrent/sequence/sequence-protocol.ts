/**
 * The job protocol between the calling thread and the worker threads of the whole-sequence kernels: the layout of
 * the control block at the start of the shared memory (bytes [0, 4096)), the worker's program (in Node and in
 * browsers: the same job loop), and how a job is posted into a thread's slot.
 *
 * Control block, in i32 words: the job words, one ready flag per worker, one job slot per thread, the barrier the
 * kernels meet at once per time step. A job: the caller fills the workers' slots, zeroes DONE and FAILED, bumps SEQ
 * and wakes the workers (`Atomics.notify`); each worker runs its slot's call, counts itself in DONE (and FAILED when
 * its call failed) and notifies; the caller runs its own share meanwhile, then waits until DONE counts every worker.
 */

/** Functions a job can run (index = the function id the workers look up). */
export const JOB_FUNCTIONS = [
  "lstmSequenceForward",
  "lstmSequenceBackward",
  "gruSequenceForward",
  "gruSequenceBackward",
  "simpleRnnSequenceForward",
  "simpleRnnSequenceBackward",
] as const;
/** A function of the whole-sequence module that jobs run. */
export type SequenceJob = (typeof JOB_FUNCTIONS)[number];

/** One call of a kernel function: `fn(...args, thread, threads)`. */
export interface JobCall {
  fn: SequenceJob;
  args: readonly number[];
}

/** A call placed on one thread: its index among the threads sharing the call, and their number. */
export interface PlacedJob extends JobCall {
  thread: number;
  threads: number;
}

/** Word: the job number; a negative value tells the workers to exit. */
export const SEQ = 0;
/** Word: workers that finished the current job. */
export const DONE = 1;
/** Word: workers whose call failed. */
export const FAILED = 2;
/** Words from here: one flag per worker, 1 once its module instance is up. */
export const READY = 16;
/** The most workers (so the most threads is one more: the caller). */
export const MAX_WORKERS = 15;
/** Words from here: the slot of thread k at `SLOTS + k·SLOT_WORDS`: function id (−1 = none), thread, threads, argc, args. */
export const SLOTS = 32;
/** Words per slot. */
export const SLOT_WORDS = 40;
/** The most arguments of a job. */
export const MAX_ARGS = SLOT_WORDS - 4;
/** Byte offset of the barrier: three i32 (arrivals, generation, error), on a cache line of its own. */
export const BARRIER_BYTES = 3072;
/** Size of the control block in i32 words. */
export const CONTROL_WORDS = 1024;

/**
 * Word: always 0. `Atomics.wait` on it for 1 returns at once where the calling thread may block and throws where it
 * may not (a page's main thread), which tells the pool whether it can wait for workers here.
 */
export const PROBE = 3;

/**
 * The job loop of a worker, once its module instance is up (`exports`, `memory`, `index` and `functions`, the names
 * of {@link JOB_FUNCTIONS}, in scope): flag ready, then run each job posted into this worker's slot until told to exit.
 */
const WORKER_LOOP = `
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

/**
 * What a worker is started with: the compiled module, the shared memory, the worker's index (its thread is
 * index + 1) and the names of the functions jobs run ({@link JOB_FUNCTIONS}, so that the program stays the same
 * whatever functions the module exports).
 */
export interface WorkerInit {
  module: object;
  memory: object;
  index: number;
  functions: readonly string[];
}

/**
 * The worker's whole program in Node (`node:worker_threads`, run with `eval`, so that no separate file has to be
 * found next to the bundle); its {@link WorkerInit} comes as `workerData`.
 */
export const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const { module, memory, index, functions } = workerData;
const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
${WORKER_LOOP}`;

/**
 * The worker's whole program in a browser: a classic Web Worker started from a Blob URL of this text (no file to
 * locate, nothing a bundler or minifier touches). Its {@link WorkerInit} comes as its first message; from then on it
 * runs the job loop and never returns to its event loop (a worker may block in `Atomics.wait`).
 */
export const WEB_WORKER_SOURCE = `"use strict";
self.onmessage = (event) => {
  self.onmessage = null;
  const { module, memory, index, functions } = event.data;
  const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
${WORKER_LOOP}};
`;

/** Writes `job` into the slot of thread `k` (a worker: k ≥ 1), or marks the slot empty when `job` is undefined. */
export function writeSlot(ctl: Int32Array, k: number, job: PlacedJob | undefined): void {
  const slot = SLOTS + k * SLOT_WORDS;
  if (job === undefined) {
    Atomics.store(ctl, slot, -1);
    return;
  }
  if (job.args.length > MAX_ARGS) throw new RangeError(`expected at most ${MAX_ARGS} job arguments, got ${job.args.length}`);
  ctl[slot + 1] = job.thread;
  ctl[slot + 2] = job.threads;
  ctl[slot + 3] = job.args.length;
  for (let i = 0; i < job.args.length; i++) ctl[slot + 4 + i] = job.args[i]! | 0;
  Atomics.store(ctl, slot, JOB_FUNCTIONS.indexOf(job.fn));
}

/** Resets the barrier words before a job (arrivals and the error flag). */
export function resetBarrier(ctl: Int32Array): void {
  ctl[BARRIER_BYTES / 4] = 0;
  ctl[BARRIER_BYTES / 4 + 2] = 0;
}

/** Sets the barrier's error flag: threads waiting at it give up (their call returns non-zero). */
export function breakBarrier(ctl: Int32Array): void {
  ctl[BARRIER_BYTES / 4 + 2] = 1;
}

/** Posts job number `seq` (the slots are written) and wakes the workers. */
export function postJob(ctl: Int32Array, seq: number): void {
  Atomics.store(ctl, DONE, 0);
  Atomics.store(ctl, FAILED, 0);
  Atomics.store(ctl, SEQ, seq);
  Atomics.notify(ctl, SEQ);
}

/** Tells the workers to exit. */
export function postExit(ctl: Int32Array): void {
  Atomics.store(ctl, SEQ, -1);
  Atomics.notify(ctl, SEQ);
}
