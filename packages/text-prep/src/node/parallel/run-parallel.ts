import { availableParallelism } from "node:os";
import { dirname } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { checkOptions, describe, type OptionKeys } from "../../check-args";
import { TextPrepError } from "../../text-prep-error";

/** Options of `countTexts`, `encodeTexts` and `countInBackground`, which spread their work over worker threads. */
export interface ParallelOptions {
  /**
   * How many worker threads to start beside the calling thread, which takes
   * a share of the work too. `0` does all the work in the calling thread.
   * By default one less than the number of cores (`os.availableParallelism()`,
   * at most 7 workers), and none when the input is under about a million
   * characters (a worker takes some 20 to 40 ms to start). Where worker
   * threads are not available, everything runs in the calling thread.
   * @default os.availableParallelism() - 1, 0 for small inputs
   */
  workers?: number;
}

/** The keys of {@link ParallelOptions}. @internal */
export const PARALLEL_KEYS = { workers: true } as const satisfies OptionKeys<ParallelOptions>;

/** Below this many UTF-16 code units in all, `workers` defaults to 0. */
const SMALL_INPUT = 1 << 20;
const MAX_DEFAULT_WORKERS = 7;

/**
 * Checks `texts` (every item a string) and `options` (of `owner`), and returns
 * how many workers to use. @internal
 */
export function planWorkers(texts: readonly string[], options: ParallelOptions, owner: string): { workers: number; chars: number } {
  if (!Array.isArray(texts)) throw new TypeError(`expected texts to be an array of strings, got ${describe(texts)}`);
  checkOptions(options, PARALLEL_KEYS, owner);
  let chars = 0;
  for (let i = 0; i < texts.length; i++) {
    const text: unknown = texts[i];
    if (typeof text !== "string") throw new TypeError(`expected texts[${i}] to be a string, got ${describe(text)}`);
    chars += text.length;
  }
  const requested = options.workers;
  if (requested !== undefined && (typeof requested !== "number" || !Number.isInteger(requested) || requested < 0)) {
    throw new RangeError(`expected workers to be an integer >= 0, got ${describe(requested)}`);
  }
  const workers = requested ?? (chars < SMALL_INPUT ? 0 : Math.min(availableParallelism() - 1, MAX_DEFAULT_WORKERS));
  // At least one text per thread (the calling thread takes a slice too).
  return { workers: Math.max(0, Math.min(workers, texts.length - 1)), chars };
}

/**
 * The calling thread's share of the work, relative to one worker's. A little
 * above 1: a worker first starts, decodes its texts and runs cold code, while
 * this thread packs the workers' texts first. Measured on the IMDb corpus
 * with 2 cores (encodeTexts): at 1.25 the workers waited for this thread, at 1
 * this thread waited for the worker.
 */
const LOCAL_WEIGHT = 1.1;

/**
 * Splits `texts` into `workers + 1` contiguous slices by number of
 * characters: slice 0 (this thread's) of weight {@link LOCAL_WEIGHT}, the
 * others of weight 1, so that all finish at about the same time. Returns
 * `workers + 2` boundaries; every slice holds at least one text if there are
 * enough texts.
 * @internal
 */
export function splitSlices(texts: readonly string[], workers: number, chars: number, localWeight = LOCAL_WEIGHT): number[] {
  const bounds = [0];
  const total = localWeight + workers;
  let sum = 0;
  for (let i = 0; i < texts.length && bounds.length <= workers; i++) {
    sum += (texts[i] as string).length;
    const k = bounds.length; // the boundary this text may close
    if (sum * total >= chars * (localWeight + k - 1) || texts.length - (i + 1) <= workers + 1 - k) bounds.push(i + 1);
  }
  while (bounds.length <= workers + 1) bounds.push(texts.length);
  return bounds;
}

/** What a task run in a worker returns: the result and the buffers to transfer. @internal */
export interface TaskOutput {
  result: unknown;
  transfer: ArrayBuffer[];
}

/** A message for one worker, built once the worker is starting. @internal */
export interface TaskInput {
  message: unknown;
  transfer: ArrayBuffer[];
}

// Workers alive right now (started by this module, not yet exited): for tests.
let live = 0;

/** Number of worker threads started by this package that have not exited yet. @internal */
export function liveWorkers(): number {
  return live;
}

/**
 * The URL of the file this code is in: in the CJS build, Node's module
 * wrapper gives `__filename` (vitest gives it too, for the sources); in the
 * ESM build it is `import.meta.url` (replaced by `undefined` in the CJS
 * build, see tsup.config.ts).
 */
function currentFileUrl(): string {
  return typeof __filename === "string" ? pathToFileURL(__filename).href : import.meta.url;
}

/**
 * Where the worker script is. Built package: `text-worker.js` (ESM) or
 * `text-worker.cjs` (CJS) beside the built chunk this code is in, in `dist/`.
 * Running from the TypeScript sources (tests, `tsx`): `text-worker.ts`
 * beside this file, booted through tsx, which is then a dev dependency.
 */
function workerScript(): { script: string | URL; eval: boolean } {
  const here = currentFileUrl();
  if (here.endsWith(".ts")) {
    const file = new URL("./text-worker.ts", here).pathname;
    // Resolved from the sources' folder (tsx is the workspace root's dev dependency).
    const api = `require(require.resolve("tsx/cjs/api", { paths: [${JSON.stringify(dirname(file))}] }))`;
    return { script: `${api}.require(${JSON.stringify(file)}, __filename);`, eval: true };
  }
  return { script: new URL(here.endsWith(".cjs") ? "./text-worker.cjs" : "./text-worker.js", here), eval: false };
}

// Node options a worker inherits but must not get: `--input-type` (a worker
// refuses it: `node --input-type=module -e ...` would make every worker fail)
// and module loaders and preloads (`tsx`, `ts-node`, APM agents: the worker
// script is plain JavaScript that needs none, and booting a loader costs a
// worker some 60 to 150 ms).
const DROPPED_OPTIONS = new Set(["--input-type", "--import", "--require", "-r", "--loader", "--experimental-loader"]);

/**
 * This process's Node options minus {@link DROPPED_OPTIONS} (and their
 * values), or undefined when there is none to drop: the worker then inherits
 * them as they are. (An explicit list is checked by Node, which refuses V8
 * and process-wide options such as `--max-old-space-size` or `--trace-gc`
 * there; see {@link startWorker}.)
 */
function workerExecArgv(): string[] | undefined {
  const out: string[] = [];
  const args = process.execArgv;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const equals = arg.indexOf("=");
    const name = equals < 0 ? arg : arg.slice(0, equals);
    if (!DROPPED_OPTIONS.has(name)) out.push(arg);
    else if (equals < 0) i++; // the value is the next argument
  }
  return out.length === args.length ? undefined : out;
}

/**
 * The options Node names in an `ERR_WORKER_INVALID_EXEC_ARGV` message
 * ("Initiated Worker with invalid execArgv flags: --a, --b"), or null.
 */
function refusedOptions(error: unknown): Set<string> | null {
  if ((error as NodeJS.ErrnoException | null)?.code !== "ERR_WORKER_INVALID_EXEC_ARGV") return null;
  const list = /flags?: (.*)$/.exec((error as Error).message)?.[1];
  return new Set((list ?? "").split(/,\s*/).filter(Boolean));
}

/**
 * Starts one worker thread running the package's worker script, counted in
 * {@link liveWorkers} until it exits.
 * @throws What `new Worker` throws (see {@link isUnavailable}).
 * @internal
 */
export function startWorker(): Worker {
  const { script, eval: isEval } = workerScript();
  let execArgv = workerExecArgv();
  let worker: Worker;
  try {
    worker = new Worker(script, execArgv === undefined ? { eval: isEval } : { eval: isEval, execArgv });
  } catch (error) {
    const refused = refusedOptions(error);
    if (refused === null || execArgv === undefined) throw error;
    // V8 and process-wide options already apply to the whole process: leave them out.
    execArgv = execArgv.filter((arg) => !refused.has(arg) && !refused.has(arg.split("=")[0] as string));
    worker = new Worker(script, { eval: isEval, execArgv });
  }
  live++;
  worker.once("exit", () => {
    live--;
  });
  return worker;
}

/**
 * Runs `remote.length` tasks in worker threads and `local` in this thread at
 * the same time; returns `local`'s result and the workers' results in order.
 * Workers are started first, then each message is built (`remote[k]()`, which
 * may take a while: the worker boots meanwhile) and posted with its buffers
 * transferred, then `local` runs. Every worker is told to stop (see
 * {@link stopWorker}) as this settles, so none keeps the process alive.
 *
 * If worker threads are not available (the runtime refuses to start one),
 * each message runs in this thread through
 * `inThread`. A worker that throws or exits early rejects the call with a
 * `TextPrepError` of code `WORKER_FAILED` (the worker's error as `cause`),
 * after every worker is told to stop.
 * @internal
 */
export async function runParallel<L>(
  remote: readonly (() => TaskInput)[],
  local: () => L,
  inThread: (message: unknown) => TaskOutput,
): Promise<{ local: L; remote: unknown[] }> {
  const inline = (): { local: L; remote: unknown[] } => {
    const results = remote.map((make) => inThread(make().message).result);
    return { local: local(), remote: results };
  };
  const workers: Worker[] = [];
  try {
    for (let k = 0; k < remote.length; k++) workers.push(startWorker());
  } catch (error) {
    workers.forEach(stopWorker);
    // The runtime would not start a worker at all (e.g. a sandbox without threads).
    if (workers.length === 0 && isUnavailable(error)) return inline();
    throw workerFailure(error, "could not start a worker thread");
  }

  const results = workers.map(
    (worker, k) =>
      new Promise<unknown>((resolve, reject) => {
        let done = false;
        worker.once("message", (result: unknown) => {
          done = true;
          resolve(result);
        });
        worker.once("error", (error) => {
          done = true;
          reject(workerFailure(error, `worker ${k + 1} of ${workers.length} failed`));
        });
        worker.once("exit", (code) => {
          if (!done) reject(workerFailure(null, `worker ${k + 1} of ${workers.length} exited with code ${code} before it finished`));
        });
      }),
  );
  // Keep no rejection unhandled while this thread is busy or after a failure.
  results.forEach((result) => result.catch(() => {}));
  try {
    workers.forEach((worker, k) => {
      const { message, transfer } = (remote[k] as () => TaskInput)();
      worker.postMessage(message, transfer);
    });
    const mine = local();
    return { local: mine, remote: await Promise.all(results) };
  } finally {
    workers.forEach(stopWorker);
  }
}

/**
 * The texts of a slice for a worker, in one transferable buffer: texts whose
 * characters are all U+0000..U+00FF (almost every review) as Latin-1, one
 * byte per character, the others as UTF-16LE code units. Both are exact for
 * any string (lone surrogates included), several times cheaper than
 * structured-cloning an array of strings, and decode back to one-byte strings
 * where the originals were, which V8 scans faster. @internal
 */
export interface PackedTexts {
  /** The texts one after the other, each Latin-1 or UTF-16LE (see `wide`). */
  bytes: Uint8Array;
  /** Shape `[texts]`: length of each text in UTF-16 code units. */
  lengths: Int32Array;
  /** Shape `[texts]`: 1 where the text is stored as UTF-16LE, 0 for Latin-1. */
  wide: Uint8Array;
}

// A character above U+00FF. V8 answers at once for one-byte strings.
const WIDE_CHAR = /[\u0100-\uffff]/;

/** Packs `texts[from..to)` for a worker; `transfer` lists the buffers to move, not copy. @internal */
export function packTexts(texts: readonly string[], from: number, to: number): { packed: PackedTexts; transfer: ArrayBuffer[] } {
  const lengths = new Int32Array(to - from);
  const wide = new Uint8Array(to - from);
  let size = 0;
  for (let j = from; j < to; j++) {
    const text = texts[j] as string;
    lengths[j - from] = text.length;
    const isWide = WIDE_CHAR.test(text);
    wide[j - from] = isWide ? 1 : 0;
    size += isWide ? 2 * text.length : text.length;
  }
  const bytes = Buffer.allocUnsafeSlow(size); // not from the shared pool: it is transferred
  let at = 0;
  for (let j = from; j < to; j++) at += bytes.write(texts[j] as string, at, wide[j - from] === 1 ? "utf16le" : "latin1");
  return {
    packed: { bytes, lengths, wide },
    transfer: [bytes.buffer as ArrayBuffer, lengths.buffer as ArrayBuffer, wide.buffer as ArrayBuffer],
  };
}

/**
 * Calls `onText(source, start, end)` for each text of a {@link PackedTexts}, in
 * order: the text is `source.slice(start, end)`. Consecutive texts stored
 * alike are decoded together, as one string. @internal
 */
export function forEachPackedText(packed: PackedTexts, onText: (source: string, start: number, end: number) => void): void {
  const { lengths, wide } = packed;
  const bytes = Buffer.from(packed.bytes.buffer, packed.bytes.byteOffset, packed.bytes.byteLength);
  let at = 0;
  let j = 0;
  while (j < lengths.length) {
    // A run of texts stored alike.
    const kind = wide[j];
    let end = j;
    let units = 0;
    while (end < lengths.length && wide[end] === kind) units += lengths[end++] as number;
    const size = kind === 1 ? 2 * units : units;
    const run = bytes.toString(kind === 1 ? "utf16le" : "latin1", at, at + size);
    at += size;
    let start = 0;
    for (; j < end; j++) {
      const stop = start + (lengths[j] as number);
      onText(run, start, stop);
      start = stop;
    }
  }
}

/**
 * Terminates `worker` without waiting for it to exit (that takes some 10 ms,
 * for nothing: its result is in). Unref'd first, so that it cannot keep the
 * process alive meanwhile. {@link liveWorkers} counts it until it has exited.
 * @internal
 */
export function stopWorker(worker: Worker): void {
  worker.unref();
  worker.terminate().catch(() => {});
}

/** Whether `new Worker` failed because this runtime cannot run worker threads at all. @internal */
export function isUnavailable(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === "ERR_WORKER_INIT_FAILED" || code === "ERR_WORKER_UNSUPPORTED_OPERATION" || code === "ERR_METHOD_NOT_IMPLEMENTED";
}

/** The `WORKER_FAILED` error for a worker's `error`, an early exit (`error` null) or a failed start. @internal */
export function workerFailure(error: unknown, what: string): TextPrepError {
  const detail = error instanceof Error ? `: ${error.message}` : error === null ? "" : `: ${String(error)}`;
  return new TextPrepError("WORKER_FAILED", `${what}${detail} (pass { workers: 0 } to work in the calling thread)`, {
    cause: error ?? undefined,
  });
}
