import type { WorkerInit } from "./sequence-protocol";
import { PROBE, WEB_WORKER_SOURCE, WORKER_SOURCE } from "./sequence-protocol";

/**
 * Where the whole-sequence kernels' worker threads come from: `node:worker_threads` in Node, Web Workers in a
 * browser (a page or a worker), none elsewhere. A host starts a worker with its {@link WorkerInit}; the job
 * protocol over the shared memory is the same everywhere (sequence-protocol.ts).
 */

/** The most CPUs the pool uses by default. */
const DEFAULT_MAX_THREADS = 8;

/** A started worker, as far as the pool is concerned. */
export interface WorkerHandle {
  terminate(): unknown;
}

/** What a host tells the pool about a worker after its start. */
export interface WorkerEvents {
  /** The worker failed (its program threw, or it could not be loaded). */
  error(message: string): void;
  /** The worker is gone (Node: it exited; browsers have no such event). */
  exit(): void;
}

/** How worker threads are started here. */
export interface ThreadHost {
  /** `"worker_threads"` (Node), `"web-workers"` (a browser) or `"none"`. */
  readonly kind: "worker_threads" | "web-workers" | "none";
  /** The CPUs here (at most 8): the default number of threads. */
  cpus(): number;
  /**
   * Why no worker can share jobs with the calling thread here, or null when they can. `ctl` is the control block,
   * on the memory the workers would share.
   */
  unavailable(ctl: Int32Array): string | null;
  /**
   * Starts one worker.
   *
   * @throws when the runtime refuses (the pool then gives its workers up, with the message as the reason).
   */
  start(init: WorkerInit, events: WorkerEvents): WorkerHandle;
  /** Frees what the host holds for its workers (after they were terminated). */
  close(): void;
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

type ProcessLike = { getBuiltinModule?: (id: string) => unknown };
const nodeProcess = (): ProcessLike | undefined => (globalThis as { process?: ProcessLike }).process;

/** Whether the calling thread may block in `Atomics.wait` (not on a page's main thread). */
export function callerMayBlock(ctl: Int32Array): boolean {
  try {
    Atomics.wait(ctl, PROBE, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** The parts of a `node:worker_threads` Worker used here. */
interface NodeWorker extends WorkerHandle {
  unref(): void;
  on(event: "error" | "exit", listener: (arg: unknown) => void): void;
}

/**
 * Node's worker threads (`node:worker_threads`, reached through `process.getBuiltinModule`, so that nothing here
 * imports a Node builtin); null where they do not exist.
 */
export function nodeThreadHost(): ThreadHost | null {
  const proc = nodeProcess();
  const workerThreads = proc?.getBuiltinModule?.("node:worker_threads") as { Worker: new (code: string, options: object) => NodeWorker } | undefined;
  if (workerThreads === undefined) return null;
  const os = proc?.getBuiltinModule?.("node:os") as { availableParallelism?: () => number; cpus(): unknown[] } | undefined;
  return {
    kind: "worker_threads",
    cpus: () => (os === undefined ? 1 : Math.max(1, Math.min(DEFAULT_MAX_THREADS, os.availableParallelism?.() ?? os.cpus().length))),
    unavailable: () => null,
    start(init, events) {
      const worker = new workerThreads.Worker(WORKER_SOURCE, { eval: true, workerData: init });
      // A worker must not keep the process alive, and its death must not go unnoticed.
      worker.unref();
      worker.on("error", (e) => events.error(errorText(e)));
      worker.on("exit", () => events.exit());
      return worker;
    },
    close: () => {},
  };
}

/** The parts of the Web Worker API used here (the package's TypeScript lib has no DOM types). */
interface WebWorker extends WorkerHandle {
  onerror: ((event: { message?: string; preventDefault(): void }) => void) | null;
  onmessageerror: (() => void) | null;
  postMessage(message: unknown): void;
}

/** The globals of a browser (page or worker) that Web Workers need. */
export interface WebGlobals {
  Worker?: new (url: string, options?: { name?: string }) => WebWorker;
  Blob?: new (parts: string[], options?: { type?: string }) => object;
  URL?: { createObjectURL(blob: object): string; revokeObjectURL(url: string): void };
  navigator?: { hardwareConcurrency?: number };
  crossOriginIsolated?: boolean;
}

/**
 * Web Workers (classic, each started from one Blob URL of {@link WEB_WORKER_SOURCE}), which receive the compiled
 * module and the shared memory by `postMessage`. They can share jobs only where the page is cross-origin isolated
 * (shared memory cannot be posted otherwise) and the calling thread may block (a job waits for its threads, and
 * `Atomics.wait` is not allowed on a page's main thread): in a Web Worker of an isolated page.
 */
export function webThreadHost(globals: WebGlobals = globalThis as WebGlobals): ThreadHost {
  let url: string | null = null;
  return {
    kind: "web-workers",
    cpus: () => Math.max(1, Math.min(DEFAULT_MAX_THREADS, globals.navigator?.hardwareConcurrency ?? 1)),
    unavailable(ctl) {
      if (typeof globals.Worker !== "function" || typeof globals.Blob !== "function" || globals.URL === undefined) {
        return "this JavaScript context cannot start Web Workers";
      }
      if (globals.crossOriginIsolated !== true) {
        return (
          "the page is not cross-origin isolated, so the kernels' shared memory cannot be posted to a Web Worker " +
          "(serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)"
        );
      }
      if (!callerMayBlock(ctl)) {
        return (
          "the calling thread may not block (Atomics.wait is not allowed on a page's main thread), and a kernel call " +
          "waits there for its threads: run the model in a Web Worker to use them"
        );
      }
      return null;
    },
    start(init, events) {
      url ??= globals.URL!.createObjectURL(new globals.Blob!([WEB_WORKER_SOURCE], { type: "text/javascript" }));
      const worker = new globals.Worker!(url, { name: `recurrent-sequence-kernels-${init.index + 1}` });
      worker.onerror = (event) => {
        event.preventDefault(); // handled here: not an uncaught error of the calling thread
        events.error(event.message === undefined || event.message === "" ? "the Web Worker failed to load or run" : event.message);
      };
      worker.onmessageerror = () => events.error("the Web Worker could not receive the module and memory");
      try {
        worker.postMessage(init);
      } catch (e) {
        worker.terminate();
        throw e;
      }
      return worker;
    },
    close() {
      if (url !== null) globals.URL!.revokeObjectURL(url);
      url = null;
    },
  };
}

/** Where there are no worker threads: every job runs on the calling thread. */
const NO_THREADS: ThreadHost = {
  kind: "none",
  cpus: () => 1,
  unavailable: () => "this runtime has neither node:worker_threads nor Web Workers",
  start() {
    throw new Error("expected a runtime with worker threads, got none");
  },
  close: () => {},
};

/** This runtime's host: Node's worker threads, else Web Workers where a browser has them, else none. */
export function detectThreadHost(): ThreadHost {
  const node = nodeThreadHost();
  if (node !== null) return node;
  const g = globalThis as WebGlobals & { document?: unknown; importScripts?: unknown };
  if (typeof g.Worker === "function" || typeof g.document === "object" || typeof g.importScripts === "function") return webThreadHost(g);
  return NO_THREADS;
}
