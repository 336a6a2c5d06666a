import * as tf from "@tensorflow/tfjs";
import { Worker as NodeWorker } from "node:worker_threads";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { useBackend } from "../../../test-support/test-backends";
import { configureRecurrentKernels } from "../recurrent-kernel-settings";
import { registerRecurrentKernels } from "../register-recurrent-kernels";
import { BIDIRECTIONAL_LSTM_SEQUENCE, LSTM_SEQUENCE } from "./lstm-sequence";
import { WEB_WORKER_SOURCE } from "./sequence-protocol";
import { closeRecurrentThreads, recurrentKernelsInfo, recurrentThreadsReady } from "./sequence-runtime";
import type * as SequenceThreads from "./sequence-threads";
import type { ThreadHost, WebGlobals } from "./sequence-threads";

// The browser side of the thread pool, in Node: the pool's host is swapped for the Web Worker host over stand-in
// browser globals, whose `Worker` runs the very program a browser gets (WEB_WORKER_SOURCE, from the "Blob URL")
// in a Node worker thread behind the Web Worker interface (first message in `self.onmessage`, errors as `onerror`
// events). What only a real browser can show (Chromium's nested workers, COOP/COEP) is checked by apps/web's
// Chromium tests.

const hosts = vi.hoisted(() => ({ make: null as null | (() => ThreadHost) }));
vi.mock("./sequence-threads", async (original) => {
  const actual = await original<typeof SequenceThreads>();
  return { ...actual, detectThreadHost: () => (hosts.make === null ? actual.detectThreadHost() : hosts.make()) };
});
const { webThreadHost } = await vi.importActual<typeof SequenceThreads>("./sequence-threads");

/** How the stand-in Web Workers behave. */
type Behaviour = "works" | "fails to load" | "never starts";

/** What the stand-in browser saw: blob URLs made and revoked, workers started and terminated. */
interface Seen {
  urls: string[];
  revoked: string[];
  sources: string[];
  started: number;
  terminated: number;
}

/** Browser globals whose Web Workers are Node worker threads running the page's worker program. */
function fakeBrowser(options: { isolated: boolean; behaviour?: Behaviour; cores?: number }): { globals: WebGlobals; seen: Seen } {
  const seen: Seen = { urls: [], revoked: [], sources: [], started: 0, terminated: 0 };
  const blobs = new Map<string, string>();
  class FakeBlob {
    constructor(readonly parts: string[]) {}
  }
  class FakeWorker {
    onerror: ((event: { message?: string; preventDefault(): void }) => void) | null = null;
    onmessageerror: (() => void) | null = null;
    private readonly thread: NodeWorker | null;
    constructor(url: string) {
      const source = blobs.get(url);
      if (source === undefined) throw new Error(`expected a live blob URL, got ${url}`);
      seen.started++;
      const behaviour = options.behaviour ?? "works";
      if (behaviour === "never starts") {
        this.thread = null;
        return;
      }
      // the Web Worker interface over a Node worker thread: `self`, the first message, uncaught errors
      const program = behaviour === "fails to load" ? "throw new SyntaxError('Unexpected token (stand-in)');" : source;
      const shim = `const { parentPort } = require("node:worker_threads"); globalThis.self = globalThis;
        parentPort.on("message", (data) => { if (self.onmessage) self.onmessage({ data }); });\n`;
      this.thread = new NodeWorker(shim + program, { eval: true });
      this.thread.unref();
      this.thread.on("error", (e: Error) => this.onerror?.({ message: `Uncaught ${e.name}: ${e.message}`, preventDefault: () => {} }));
    }
    postMessage(message: unknown): void {
      this.thread?.postMessage(message);
    }
    terminate(): void {
      seen.terminated++;
      void this.thread?.terminate();
    }
  }
  let next = 0;
  const globals: WebGlobals = {
    Worker: FakeWorker as unknown as NonNullable<WebGlobals["Worker"]>,
    Blob: FakeBlob as unknown as NonNullable<WebGlobals["Blob"]>,
    URL: {
      createObjectURL: (blob: object) => {
        const url = `blob:fake/${next++}`;
        const text = (blob as FakeBlob).parts.join("");
        blobs.set(url, text);
        seen.urls.push(url);
        seen.sources.push(text);
        return url;
      },
      revokeObjectURL: (url: string) => {
        blobs.delete(url);
        seen.revoked.push(url);
      },
    },
    navigator: { hardwareConcurrency: options.cores ?? 2 },
    crossOriginIsolated: options.isolated,
  };
  return { globals, seen };
}

/** Uses the stand-in browser for the next thread pool (the current one is closed). */
async function browser(options: Parameters<typeof fakeBrowser>[0]): Promise<Seen> {
  await closeRecurrentThreads();
  const { globals, seen } = fakeBrowser(options);
  hosts.make = () => webThreadHost(globals);
  return seen;
}

/** One forward call of each whole-sequence kernel (single, then bidirectional): every output's values. */
function forward(): number[][] {
  return tf.tidy(() => {
    const [b, t, d, u] = [3, 5, 4, 10];
    const lane = (seed: number, sfx: string) => ({
      [`kernel${sfx}`]: tf.randomNormal([d, 4 * u], 0, 0.5, "float32", seed),
      [`u${sfx}`]: tf.randomNormal([u, 4 * u], 0, 0.5, "float32", seed + 1),
      [`bias${sfx}`]: tf.randomNormal([4 * u], 0, 0.1, "float32", seed + 2),
      [`h0${sfx}`]: tf.zeros([b, u]),
      [`c0${sfx}`]: tf.zeros([b, u]),
    });
    const x = tf.randomNormal([b, t, d], 0, 1, "float32", 1);
    const attrs = { activation: "tanh", recurrentActivation: "sigmoid", goBackwards: 0, returnSequences: 1, forGradient: 0 };
    const one = tf.engine().runKernel(LSTM_SEQUENCE, { x, ...lane(10, "") }, attrs) as tf.Tensor[];
    const two = tf.engine().runKernel(BIDIRECTIONAL_LSTM_SEQUENCE, { x, ...lane(20, "F"), ...lane(30, "B") }, attrs) as tf.Tensor[];
    return [...one, ...two].map((y) => Array.from(y.dataSync()));
  });
}

describe("the whole-sequence kernels' thread pool with Web Workers (browser host, stand-in browser)", () => {
  let before = configureRecurrentKernels({});
  let onCallingThread: number[][] = [];
  beforeAll(async () => {
    await useBackend("cpu");
    registerRecurrentKernels();
    before = configureRecurrentKernels({ threads: 1 });
    await closeRecurrentThreads();
    onCallingThread = forward();
    configureRecurrentKernels({ threads: null });
  });
  afterEach(async () => {
    hosts.make = null;
    await closeRecurrentThreads();
  });
  afterAll(() => {
    configureRecurrentKernels(before);
  });

  it("in a cross-origin-isolated worker: starts navigator.hardwareConcurrency threads from one Blob URL, and the kernels give the calling thread's values bit for bit", async () => {
    const seen = await browser({ isolated: true, cores: 3 });
    expect(await recurrentThreadsReady()).toBe(3);
    expect(recurrentKernelsInfo()).toEqual({ threads: 3, relaxedSimd: expect.any(Boolean) });
    expect(seen.started).toBe(2);
    expect(seen.sources).toEqual([WEB_WORKER_SOURCE]); // one URL for all workers: the program as text
    // threads split the units (single kernel) or take a direction each (bidirectional); each value is computed by
    // the same instructions in the same order on any thread
    expect(forward()).toEqual(onCallingThread);
    await closeRecurrentThreads();
    expect(seen.terminated).toBe(2);
    expect(seen.revoked).toEqual(seen.urls);
  });

  it("takes at most 8 threads by default, and the threads setting over the CPUs", async () => {
    await browser({ isolated: true, cores: 64 });
    configureRecurrentKernels({ threads: 2 });
    try {
      expect(await recurrentThreadsReady()).toBe(2);
    } finally {
      configureRecurrentKernels({ threads: null });
    }
    await closeRecurrentThreads();
    const seen = await browser({ isolated: true, cores: 64 });
    await recurrentThreadsReady({ timeoutMs: 0 });
    expect(seen.started).toBe(7);
  });

  it("on a page that is not cross-origin isolated: one thread, no worker started, and the info says why", async () => {
    const seen = await browser({ isolated: false });
    expect(await recurrentThreadsReady()).toBe(1);
    expect(recurrentKernelsInfo()?.fallback).toBe(
      "the page is not cross-origin isolated, so the kernels' shared memory cannot be posted to a Web Worker " +
        "(serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)",
    );
    expect(seen.started).toBe(0);
    expect(forward()).toEqual(onCallingThread);
  });

  it("on a thread that may not block (a page's main thread): one thread, no worker started, and the info says why", async () => {
    const seen = await browser({ isolated: true });
    // what Chromium throws on a page's main thread
    const wait = vi.spyOn(Atomics, "wait").mockImplementation(() => {
      throw new TypeError("Atomics.wait cannot be called in this context");
    });
    try {
      expect(await recurrentThreadsReady()).toBe(1);
    } finally {
      wait.mockRestore();
    }
    expect(recurrentKernelsInfo()?.fallback).toBe(
      "the calling thread may not block (Atomics.wait is not allowed on a page's main thread), and a kernel call " +
        "waits there for its threads: run the model in a Web Worker to use them",
    );
    expect(seen.started).toBe(0);
    expect(forward()).toEqual(onCallingThread);
  });

  it("a hardware concurrency of 1 is no fallback: one thread, nothing to explain", async () => {
    const seen = await browser({ isolated: false, cores: 1 });
    expect(await recurrentThreadsReady()).toBe(1);
    expect(recurrentKernelsInfo()).toEqual({ threads: 1, relaxedSimd: expect.any(Boolean) });
    expect(seen.started).toBe(0);
  });

  it("a worker whose program fails to load: given up with the browser's message, the kernels run on the calling thread", async () => {
    const seen = await browser({ isolated: true, behaviour: "fails to load" });
    expect(await recurrentThreadsReady()).toBe(1);
    expect(recurrentKernelsInfo()?.fallback).toBe(
      "a worker thread failed while starting (a recurrent-kernel worker thread failed: Uncaught SyntaxError: Unexpected token (stand-in))",
    );
    expect(seen.terminated).toBe(1);
    expect(forward()).toEqual(onCallingThread);
  });

  it("a worker that never starts: given up after the timeout (initBackend never hangs), the kernels run on the calling thread", async () => {
    const seen = await browser({ isolated: true, behaviour: "never starts" });
    expect(await recurrentThreadsReady({ timeoutMs: 200 })).toBe(1);
    expect(recurrentKernelsInfo()?.fallback).toBe("1 of 1 worker threads did not start within 0.2 s");
    expect(seen.terminated).toBe(1);
    expect(seen.revoked).toEqual(seen.urls);
    expect(forward()).toEqual(onCallingThread);
  });

  it("a runtime that refuses the worker (e.g. a content security policy without blob: workers): given up with its message", async () => {
    await closeRecurrentThreads();
    const { globals } = fakeBrowser({ isolated: true });
    globals.Worker = class {
      constructor() {
        throw new Error("Failed to construct 'Worker': Access to the script at 'blob:…' is denied by the document's Content Security Policy.");
      }
    } as unknown as NonNullable<WebGlobals["Worker"]>;
    hosts.make = () => webThreadHost(globals);
    expect(await recurrentThreadsReady()).toBe(1);
    expect(recurrentKernelsInfo()?.fallback).toBe(
      "a worker thread could not be started: Failed to construct 'Worker': Access to the script at 'blob:…' is denied by the document's Content Security Policy.",
    );
  });
});
