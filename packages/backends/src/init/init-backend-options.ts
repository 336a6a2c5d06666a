import { BackendsError } from "../backends-error";
import type { RelaxedSimdMode } from "../kernels/recurrent/recurrent-kernel-settings";
import { MAX_RECURRENT_THREADS } from "../kernels/recurrent/recurrent-kernel-settings";
import type { KernelGroup } from "../register-kernels";

/** The backends {@link initBackend} knows, by their tfjs names. `"tensorflow"` is native libtensorflow (`@tensorflow/tfjs-node`). */
export type BackendName = "tensorflow" | "wasm" | "cpu";

/** The npm packages {@link initBackend} may load through {@link InitBackendOptions.loadModule}. */
export type BackendModuleSpecifier = "@tensorflow/tfjs-node" | "@tensorflow/tfjs-backend-wasm";

/** Names of the three `.wasm` binaries shipped by `@tensorflow/tfjs-backend-wasm`. */
export type WasmBinaryName =
  | "tfjs-backend-wasm.wasm"
  | "tfjs-backend-wasm-simd.wasm"
  | "tfjs-backend-wasm-threaded-simd.wasm";

/** Options of {@link initBackend}. */
export interface InitBackendOptions {
  /**
   * Backends to try, first to last; the first that starts wins.
   * @default ["tensorflow", "wasm", "cpu"]
   */
  order?: readonly BackendName[];
  /**
   * Environment to read `RECURRENT_BACKEND` from. When that variable is set (`tensorflow`, `native`, `wasm` or
   * `cpu`), only that backend is tried and a failure is an error instead of a fallback.
   * @default process.env (an empty object where there is no `process`)
   */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * Loads a backend's npm package; the default is a dynamic `import()`. Inject your own to test the native path
   * without `@tensorflow/tfjs-node`, or to hand over modules your bundler already resolved.
   * @default (specifier) => import(specifier)
   */
  loadModule?: (specifier: BackendModuleSpecifier) => Promise<unknown>;
  /**
   * Where the `.wasm` binaries are, passed to `setWasmPaths` of `@tensorflow/tfjs-backend-wasm` before the
   * backend starts: a URL or directory prefix ending in `/`, or a map from binary name to full path. Not needed
   * in Node (the files are found next to the package); needed in a browser bundle, which moves the JavaScript away
   * from them.
   * @default undefined (tfjs looks next to its own script)
   */
  wasmPaths?: string | Partial<Record<WasmBinaryName, string>>;
  /**
   * Threads for the wasm backend (`setThreadsCount`), applied before it starts. Has no effect in Node, where tfjs
   * runs the wasm backend single-threaded, nor in a page that is not cross-origin isolated; the report gives the
   * count actually in use.
   * @default undefined (tfjs: one per logical core where threads are supported)
   */
  threads?: number;
  /**
   * Register this package's kernels ({@link registerKernels}) once a backend is chosen: `true` for all of them,
   * `false` for none, or a list of {@link KernelGroup}s (e.g. `["embedding-gradient"]` to train stock layers on
   * wasm with nothing else changed, as the benchmarks' "stock" rows do).
   * @default true
   */
  registerKernels?: boolean | readonly KernelGroup[];
  /**
   * Threads (the caller included) for the whole-sequence recurrent kernels on `cpu` and `wasm`
   * (`configureRecurrentKernels({ threads })`); they run in worker threads of their own, whatever tfjs does.
   * @default the number of CPUs (at most 8)
   */
  recurrentThreads?: number;
  /**
   * Relaxed SIMD (fused multiply-add) in the whole-sequence recurrent kernels
   * (`configureRecurrentKernels({ relaxedSimd })`): `"on"` also turns on V8's flag for it on Node 20.
   * @default "auto"
   */
  relaxedSimd?: RelaxedSimdMode;
  /**
   * How long one backend may take to load its package and start, in ms. One that takes longer is skipped, with
   * that reason in the report (or, when forced by `RECURRENT_BACKEND`, fails with `BACKEND_FAILED`); a start that
   * completes later is discarded and does not switch the backend.
   * @default 30000
   */
  backendTimeoutMs?: number;
  /**
   * How long to wait for the whole-sequence recurrent kernels' worker threads, in ms. When they are not up by then,
   * the kernels run on the calling thread, and the report says so.
   * @default 10000
   */
  recurrentThreadsTimeoutMs?: number;
  /**
   * Where to print the summary ({@link formatBackendReport}); `false` prints nothing.
   * @default console.info
   */
  log?: false | ((text: string) => void);
}

/** Every backend {@link initBackend} knows, in the default order. */
export const BACKEND_NAMES: readonly BackendName[] = ["tensorflow", "wasm", "cpu"];
/** The environment variable that forces one backend. */
export const ENV_VAR = "RECURRENT_BACKEND";
/** Default of {@link InitBackendOptions.backendTimeoutMs}. */
export const DEFAULT_BACKEND_TIMEOUT_MS = 30_000;
/** The package of the native backend. */
export const NODE_PACKAGE: BackendModuleSpecifier = "@tensorflow/tfjs-node";
/** The package of the WebAssembly backend. */
export const WASM_PACKAGE: BackendModuleSpecifier = "@tensorflow/tfjs-backend-wasm";

/** Parses a backend name (also `native`, `node`, `tfjs-node` for `tensorflow`), case- and space-insensitively. */
export function parseBackendName(value: string, what: string): BackendName {
  const v = value.trim().toLowerCase();
  if (v === "native" || v === "node" || v === "tfjs-node") return "tensorflow";
  if ((BACKEND_NAMES as readonly string[]).includes(v)) return v as BackendName;
  throw new BackendsError(
    "INVALID_ARGUMENT",
    `expected ${what} to be one of tensorflow (or native), wasm, cpu, got ${JSON.stringify(value)}`,
  );
}

const isTimeout = (v: unknown): boolean => typeof v === "number" && Number.isFinite(v) && v >= 0;

/**
 * Checks the options.
 *
 * @throws {BackendsError} `INVALID_ARGUMENT`, naming the option, what was expected and what came.
 */
export function validateOptions(options: InitBackendOptions): void {
  const bad = (text: string): never => {
    throw new BackendsError("INVALID_ARGUMENT", text);
  };
  if (options.order !== undefined) {
    if (!Array.isArray(options.order) || options.order.length === 0) {
      bad(`expected order to be a non-empty array of backend names, got ${JSON.stringify(options.order)}`);
    }
    options.order.forEach((e, i) => parseBackendName(String(e), `order[${i}]`));
  }
  if (options.threads !== undefined && !(Number.isInteger(options.threads) && options.threads >= 1)) {
    bad(`expected threads to be an integer >= 1, got ${String(options.threads)}`);
  }
  const rt = options.recurrentThreads;
  if (rt !== undefined && !(Number.isInteger(rt) && rt >= 1 && rt <= MAX_RECURRENT_THREADS)) {
    bad(`expected recurrentThreads to be an integer from 1 to ${MAX_RECURRENT_THREADS}, got ${String(rt)}`);
  }
  if (options.relaxedSimd !== undefined && !["auto", "on", "off"].includes(options.relaxedSimd)) {
    bad(`expected relaxedSimd to be "auto", "on" or "off", got ${JSON.stringify(options.relaxedSimd)}`);
  }
  if (options.backendTimeoutMs !== undefined && !isTimeout(options.backendTimeoutMs)) {
    bad(`expected backendTimeoutMs to be a finite number >= 0, got ${String(options.backendTimeoutMs)}`);
  }
  if (options.recurrentThreadsTimeoutMs !== undefined && !isTimeout(options.recurrentThreadsTimeoutMs)) {
    bad(`expected recurrentThreadsTimeoutMs to be a finite number >= 0, got ${String(options.recurrentThreadsTimeoutMs)}`);
  }
}
