import * as tf from "@tensorflow/tfjs";
import type * as NodeFs from "node:fs";
import type * as NodeModule from "node:module";
import type * as NodePath from "node:path";
import { BackendsError } from "../backends-error";
import { KERNEL_GROUPS, registerKernels as registerOurKernels } from "../register-kernels";
import type { KernelGroup } from "../register-kernels";
import { configureRecurrentKernels } from "../kernels/recurrent/recurrent-kernel-settings";
import type { RelaxedSimdMode } from "../kernels/recurrent/recurrent-kernel-settings";
import { recurrentKernelsInfo, recurrentThreadsReady } from "../kernels/recurrent/sequence/sequence-runtime";

/** The engines {@link initBackend} knows, by their tfjs backend names. `"tensorflow"` is native libtensorflow. */
export type EngineName = "tensorflow" | "wasm" | "cpu";

/** The npm packages {@link initBackend} may load through {@link InitBackendOptions.loadModule}. */
export type EngineModuleSpecifier = "@tensorflow/tfjs-node" | "@tensorflow/tfjs-backend-wasm";

/** Names of the three `.wasm` binaries shipped by `@tensorflow/tfjs-backend-wasm`. */
export type WasmBinaryName =
  | "tfjs-backend-wasm.wasm"
  | "tfjs-backend-wasm-simd.wasm"
  | "tfjs-backend-wasm-threaded-simd.wasm";

/** Options of {@link initBackend}. */
export interface InitBackendOptions {
  /**
   * Engines to try, first to last; the first that initialises wins.
   * @default ["tensorflow", "wasm", "cpu"]
   */
  order?: readonly EngineName[];
  /**
   * Environment to read `RECURRENT_BACKEND` from. When that variable is set (`tensorflow`, `native`, `wasm` or
   * `cpu`), only that engine is tried and a failure is an error instead of a fallback.
   * @default process.env (an empty object where there is no `process`)
   */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * Loads an engine's npm package; the default is a dynamic `import()`. Inject your own to test the native path
   * without `@tensorflow/tfjs-node`, or to hand over modules your bundler already resolved.
   * @default (specifier) => import(specifier)
   */
  loadModule?: (specifier: EngineModuleSpecifier) => Promise<unknown>;
  /**
   * Where the `.wasm` binaries are, passed to `setWasmPaths` of `@tensorflow/tfjs-backend-wasm` before the
   * backend starts: a URL or directory prefix ending in `/`, or a map from binary name to full path. Not needed
   * in Node (the files are found next to the package); needed when a bundler moves the JavaScript away from them.
   * @default undefined (tfjs looks next to its own script)
   */
  wasmPaths?: string | Partial<Record<WasmBinaryName, string>>;
  /**
   * Threads for the wasm backend (`setThreadsCount`), applied before it starts. Has no effect in Node, where tfjs
   * runs the wasm backend single-threaded; the report gives the count actually in use.
   * @default undefined (tfjs: one per logical core where threads are supported)
   */
  threads?: number;
  /**
   * Register this package's kernels ({@link registerKernels}) once an engine is chosen: `true` for all of them,
   * `false` for none, or a list of {@link KernelGroup}s (e.g. `["embedding-gradient"]` to train stock layers on
   * wasm with nothing else changed, as the benchmarks' "stock" rows do).
   * @default true
   */
  registerKernels?: boolean | readonly KernelGroup[];
  /**
   * Threads (the caller included) for the whole-sequence recurrent kernels on `cpu` and `wasm`
   * ({@link setRecurrentThreads}); they run in worker threads of their own, whatever the tfjs engine does.
   * @default the number of CPUs (at most 8)
   */
  recurrentThreads?: number;
  /**
   * Relaxed SIMD (fused multiply-add) in the whole-sequence recurrent kernels ({@link setRelaxedSimd}): `"on"` also
   * turns on V8's flag for it on Node 20.
   * @default "auto"
   */
  relaxedSimd?: RelaxedSimdMode;
  /**
   * Where to print the summary ({@link formatBackendReport}); `false` prints nothing.
   * @default console.info
   */
  log?: false | ((text: string) => void);
}

/** An engine {@link initBackend} did not use, and why. */
export interface SkippedEngine {
  engine: EngineName;
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
  /** The engine now active (`tf.getBackend()`). */
  engine: EngineName;
  /** `"env"` when `RECURRENT_BACKEND` decided, `"order"` otherwise. */
  selectedBy: "order" | "env";
  /** The order that was tried. */
  order: EngineName[];
  versions: {
    /** `@tensorflow/tfjs-core`. */
    tfjsCore: string;
    /** `@tensorflow/tfjs-backend-wasm`, when it was loaded. */
    tfjsBackendWasm?: string;
    /** `@tensorflow/tfjs-node`, when it was loaded. */
    tfjsNode?: string;
  };
  /** Present when the engine is `wasm`. */
  wasm?: WasmDetails;
  /** Engines tried or passed over before the chosen one, with the reason. */
  skipped: SkippedEngine[];
  /** Kernels of this package registered, as `Kernel@backend`. */
  kernels: string[];
  /**
   * How the whole-sequence recurrent kernels run (threads, caller included; relaxed SIMD), when they are
   * registered for the chosen engine and can run.
   */
  recurrent?: { threads: number; relaxedSimd: boolean };
  /** Known limits of the chosen engine worth knowing about. */
  notes: string[];
}

const ENGINES: readonly EngineName[] = ["tensorflow", "wasm", "cpu"];
const DEFAULT_ORDER: readonly EngineName[] = ENGINES;
const ENV_VAR = "RECURRENT_BACKEND";
const NODE_PACKAGE: EngineModuleSpecifier = "@tensorflow/tfjs-node";
const WASM_PACKAGE: EngineModuleSpecifier = "@tensorflow/tfjs-backend-wasm";

/** The parts of `@tensorflow/tfjs-backend-wasm` we use. */
interface WasmModule {
  setWasmPaths?: (paths: string | Partial<Record<WasmBinaryName, string>>) => void;
  setThreadsCount?: (n: number) => void;
  getThreadsCount?: () => number;
  version_wasm?: string;
}

const defaultLoadModule = (specifier: EngineModuleSpecifier): Promise<unknown> => {
  if (specifier === WASM_PACKAGE) return import("@tensorflow/tfjs-backend-wasm");
  // A non-literal specifier, so that neither TypeScript nor bundlers try to resolve the optional native package.
  const name: string = specifier;
  return import(/* @vite-ignore */ /* webpackIgnore: true */ name);
};

function defaultEnv(): Readonly<Record<string, string | undefined>> {
  return typeof process !== "undefined" && process.env !== undefined ? process.env : {};
}

function isNode(): boolean {
  return typeof process !== "undefined" && typeof process.versions?.node === "string";
}

function parseEngine(value: string, what: string): EngineName {
  const v = value.trim().toLowerCase();
  if (v === "native" || v === "node" || v === "tfjs-node") return "tensorflow";
  if ((ENGINES as readonly string[]).includes(v)) return v as EngineName;
  throw new BackendsError(
    "INVALID_ARGUMENT",
    `expected ${what} to be one of tensorflow (or native), wasm, cpu, got ${JSON.stringify(value)}`,
  );
}

function validateOptions(options: InitBackendOptions): void {
  if (options.order !== undefined) {
    if (!Array.isArray(options.order) || options.order.length === 0) {
      throw new BackendsError("INVALID_ARGUMENT", `expected order to be a non-empty array of engine names, got ${JSON.stringify(options.order)}`);
    }
    options.order.forEach((e, i) => parseEngine(String(e), `order[${i}]`));
  }
  if (options.threads !== undefined && !(Number.isInteger(options.threads) && options.threads >= 1)) {
    throw new BackendsError("INVALID_ARGUMENT", `expected threads to be an integer >= 1, got ${String(options.threads)}`);
  }
  if (options.recurrentThreads !== undefined && !(Number.isInteger(options.recurrentThreads) && options.recurrentThreads >= 1 && options.recurrentThreads <= 16)) {
    throw new BackendsError("INVALID_ARGUMENT", `expected recurrentThreads to be an integer from 1 to 16, got ${String(options.recurrentThreads)}`);
  }
  if (options.relaxedSimd !== undefined && !["auto", "on", "off"].includes(options.relaxedSimd)) {
    throw new BackendsError("INVALID_ARGUMENT", `expected relaxedSimd to be "auto", "on" or "off", got ${JSON.stringify(options.relaxedSimd)}`);
  }
}

function message(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === "object" && error !== null && "message" in error) return String((error as { message: unknown }).message);
  return String(error);
}

function isModuleNotFound(error: unknown, specifier: string): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  const text = message(error);
  return (
    (code === "ERR_MODULE_NOT_FOUND" ||
      code === "MODULE_NOT_FOUND" ||
      /Cannot find (module|package)|Could not resolve|Failed to resolve/.test(text)) &&
    text.includes(specifier)
  );
}

/**
 * Runs `tf.setBackend(name)` and returns the warnings tfjs printed if it failed (tfjs reports an initialisation
 * failure through `console.warn` and a `false` result, not through an exception).
 */
async function trySetBackend(name: string): Promise<{ ok: boolean; warnings: string[] }> {
  const warnings: string[] = [];
  const original = console.warn;
  console.warn = (...args: unknown[]) => {
    warnings.push(args.map((a) => (a instanceof Error ? a.message : String(a))).join(" "));
  };
  let ok = false;
  try {
    ok = await tf.setBackend(name);
  } catch (error) {
    warnings.push(message(error));
  } finally {
    console.warn = original;
  }
  if (ok) {
    for (const w of warnings) original(w);
  }
  return { ok, warnings };
}

function failureReason(what: string, warnings: string[]): string {
  const detail = warnings.map((w) => w.split("\n")[0]).filter((w) => w !== undefined && w.trim() !== "");
  return detail.length > 0 ? `${what}: ${detail.join("; ")}` : what;
}

/** Imports a Node built-in through a computed specifier, so that browser bundlers leave it alone. */
function importNodeBuiltin(name: string): Promise<unknown> {
  return import(/* @vite-ignore */ /* webpackIgnore: true */ name);
}

/**
 * In Node, the `dist/` folder of the installed `@tensorflow/tfjs-backend-wasm` (with a trailing slash), resolved
 * from the working directory, if its `.wasm` files are there.
 */
async function resolveNodeWasmDir(): Promise<string | undefined> {
  try {
    const { createRequire } = (await importNodeBuiltin("node:module")) as typeof NodeModule;
    const path = (await importNodeBuiltin("node:path")) as typeof NodePath;
    const fs = (await importNodeBuiltin("node:fs")) as typeof NodeFs;
    const require = createRequire(path.join(process.cwd(), "package.json"));
    const dir = path.join(path.dirname(require.resolve(`${WASM_PACKAGE}/package.json`)), "dist") + path.sep;
    return fs.existsSync(path.join(dir, "tfjs-backend-wasm.wasm")) ? dir : undefined;
  } catch {
    return undefined;
  }
}

function wasmBinaryFor(simd: boolean, threads: boolean): WasmBinaryName {
  if (simd && threads) return "tfjs-backend-wasm-threaded-simd.wasm";
  return simd ? "tfjs-backend-wasm-simd.wasm" : "tfjs-backend-wasm.wasm";
}

function versionOf(mod: unknown, ...keys: string[]): string | undefined {
  if (typeof mod !== "object" || mod === null) return undefined;
  for (const key of keys) {
    const value = (mod as Record<string, unknown>)[key];
    if (typeof value === "string") return value;
    if (typeof value === "object" && value !== null) {
      const nested = (value as Record<string, unknown>)[key === "version" ? "tfjs-node" : key];
      if (typeof nested === "string") return nested;
    }
  }
  return undefined;
}

interface Attempt {
  ok: boolean;
  reason?: string;
  versions?: Partial<BackendReport["versions"]>;
  wasm?: WasmDetails;
  notes?: string[];
}

async function tryNative(load: (s: EngineModuleSpecifier) => Promise<unknown>): Promise<Attempt> {
  let mod: unknown;
  try {
    mod = await load(NODE_PACKAGE);
  } catch (error) {
    if (isModuleNotFound(error, NODE_PACKAGE)) {
      return { ok: false, reason: `${NODE_PACKAGE} is not installed (optional peer dependency; install it for native speed)` };
    }
    return { ok: false, reason: `${NODE_PACKAGE} failed to load: ${message(error)}` };
  }
  const tfjsNode = versionOf(mod, "version", "version_node");
  const versions = tfjsNode === undefined ? {} : { tfjsNode };
  if (tf.findBackendFactory("tensorflow") === null) {
    return {
      ok: false,
      versions,
      reason:
        `${NODE_PACKAGE} loaded but registered no "tensorflow" backend with this copy of @tensorflow/tfjs ` +
        `(${tf.version_core}); it probably brought its own copy: make sure only one @tensorflow/tfjs is installed`,
    };
  }
  const { ok, warnings } = await trySetBackend("tensorflow");
  if (!ok) return { ok: false, versions, reason: failureReason("the tensorflow backend failed to initialise", warnings) };
  return { ok: true, versions };
}

async function tryWasm(
  load: (s: EngineModuleSpecifier) => Promise<unknown>,
  options: InitBackendOptions,
): Promise<Attempt> {
  let mod: WasmModule;
  try {
    mod = (await load(WASM_PACKAGE)) as WasmModule;
  } catch (error) {
    if (isModuleNotFound(error, WASM_PACKAGE)) {
      return { ok: false, reason: `${WASM_PACKAGE} is not installed (optional peer dependency)` };
    }
    return { ok: false, reason: `${WASM_PACKAGE} failed to load: ${message(error)}` };
  }
  const version = mod.version_wasm;
  const versions = version === undefined ? {} : { tfjsBackendWasm: version };
  if (tf.findBackendFactory("wasm") === null) {
    return {
      ok: false,
      versions,
      reason: `${WASM_PACKAGE} loaded but registered no "wasm" backend with this copy of @tensorflow/tfjs (${tf.version_core}); make sure only one @tensorflow/tfjs is installed`,
    };
  }
  const alreadyStarted = tf.engine().registry["wasm"] !== undefined;
  if (options.wasmPaths !== undefined) {
    if (typeof mod.setWasmPaths !== "function") return { ok: false, versions, reason: `${WASM_PACKAGE} has no setWasmPaths()` };
    mod.setWasmPaths(options.wasmPaths);
  }
  if (options.threads !== undefined && typeof mod.setThreadsCount === "function") mod.setThreadsCount(options.threads);
  const { ok, warnings } = await trySetBackend("wasm");
  if (!ok) {
    // tfjs looks for the binaries next to the script holding its Emscripten glue, and refuses new paths after a
    // failed start, so the best we can do is say where the installed binaries are.
    const dir = options.wasmPaths === undefined && isNode() ? await resolveNodeWasmDir() : undefined;
    const hint = isNode()
      ? dir === undefined
        ? ""
        : ` (if tfjs was bundled away from its .wasm files, pass wasmPaths: ${JSON.stringify(dir)})`
      : " (in a bundle, copy the .wasm files from @tensorflow/tfjs-backend-wasm/dist next to your assets and pass wasmPaths)";
    return { ok: false, versions, reason: failureReason(`the wasm backend failed to initialise${hint}`, warnings) };
  }
  const notes: string[] = [];
  const simd = (await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")) === true;
  const threadsSupported = (await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT")) === true;
  const threadsCount = typeof mod.getThreadsCount === "function" ? mod.getThreadsCount() : 1;
  if (isNode() && !threadsSupported) {
    notes.push("tfjs runs the wasm backend single-threaded in Node (setThreadsCount has no effect there)");
  }
  if (options.threads !== undefined && options.threads !== threadsCount) {
    notes.push(`asked for ${options.threads} threads, running ${threadsCount}`);
  }
  if (alreadyStarted && (options.threads !== undefined || options.wasmPaths !== undefined)) {
    notes.push("the wasm backend was already started, so threads/wasmPaths could not take effect");
  }
  notes.push(
    "WebAssembly has no flush-to-zero mode: subnormal floats make matmuls much slower (about 25x seen on long sequences)",
  );
  return {
    ok: true,
    versions,
    notes,
    wasm: {
      simd,
      threadsSupported,
      threadsCount,
      binary: wasmBinaryFor(simd, threadsSupported),
      paths: options.wasmPaths === undefined ? "default" : "custom",
    },
  };
}

async function tryCpu(): Promise<Attempt> {
  const { ok, warnings } = await trySetBackend("cpu");
  if (!ok) return { ok: false, reason: failureReason("the cpu backend failed to initialise", warnings) };
  return { ok: true, notes: ["cpu is plain JavaScript: the slowest engine"] };
}

let cached:
  | { key: string; loadModule: InitBackendOptions["loadModule"]; report: Promise<BackendReport> }
  | undefined;

/**
 * Picks the best TensorFlow.js engine available, makes it the active backend, registers the kernels training
 * needs on it, and says what it did.
 *
 * Tries, in `order`: native libtensorflow (`"tensorflow"`, only if `@tensorflow/tfjs-node` can be imported), then
 * WebAssembly (`"wasm"`, SIMD and threads detected), then plain JavaScript (`"cpu"`). The environment variable
 * `RECURRENT_BACKEND=tensorflow|native|wasm|cpu` overrides the order: only that engine is tried, and if it
 * cannot start that is an error, not a silent fallback.
 *
 * Safe to call more than once: a call with the same options while the chosen engine is still active returns the
 * same report without re-initialising; concurrent calls share one initialisation.
 *
 * @returns the engine chosen, versions, wasm capabilities, why other engines were skipped, kernels registered.
 * @throws {BackendsError} `INVALID_ARGUMENT` for a bad option or `RECURRENT_BACKEND` value; `ENGINE_FAILED` when
 *   the engine forced by `RECURRENT_BACKEND` cannot start; `NO_ENGINE` when no engine in `order` starts.
 * @example
 * import { initBackend } from "@recurrent/backends";
 * const report = await initBackend();
 * report.engine; // "wasm" where tfjs-node is not installed
 * @example
 * // in a browser bundle: tell tfjs where the .wasm files are served from
 * await initBackend({ wasmPaths: "/assets/tfjs-wasm/" });
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendReport> {
  validateOptions(options);
  const envValue = (options.env ?? defaultEnv())[ENV_VAR];
  const forced = envValue !== undefined && envValue.trim() !== "" ? parseEngine(envValue, ENV_VAR) : undefined;
  const order = forced !== undefined ? [forced] : (options.order ?? DEFAULT_ORDER).map((e) => parseEngine(e, "order"));
  const key = JSON.stringify({
    order,
    forced: forced ?? null,
    wasmPaths: options.wasmPaths ?? null,
    threads: options.threads ?? null,
    registerKernels: options.registerKernels ?? true,
    recurrentThreads: options.recurrentThreads ?? null,
    relaxedSimd: options.relaxedSimd ?? null,
  });
  if (cached !== undefined && cached.key === key && cached.loadModule === options.loadModule) {
    const previous = cached.report;
    try {
      const report = await previous;
      if (tf.getBackend() === report.engine) return report;
    } catch {
      // The earlier attempt failed; try again below.
    }
  }
  const report = run(order, forced, options);
  cached = { key, loadModule: options.loadModule, report };
  report.catch(() => {
    if (cached?.report === report) cached = undefined;
  });
  const result = await report;
  const log = options.log ?? ((text: string) => console.info(text));
  if (log !== false) log(formatBackendReport(result));
  return result;
}

async function run(order: EngineName[], forced: EngineName | undefined, options: InitBackendOptions): Promise<BackendReport> {
  const load = options.loadModule ?? defaultLoadModule;
  const skipped: SkippedEngine[] = [];
  const versions: BackendReport["versions"] = { tfjsCore: tf.version_core };
  if (forced !== undefined) {
    for (const engine of ENGINES) {
      if (engine !== forced) skipped.push({ engine, reason: `not tried: ${ENV_VAR}=${forced}` });
    }
  }
  for (const engine of order) {
    const attempt = engine === "tensorflow" ? await tryNative(load) : engine === "wasm" ? await tryWasm(load, options) : await tryCpu();
    Object.assign(versions, attempt.versions);
    if (!attempt.ok) {
      const reason = attempt.reason ?? "failed";
      if (forced !== undefined) {
        throw new BackendsError("ENGINE_FAILED", `${ENV_VAR}=${forced} but that engine cannot start: ${reason}`);
      }
      skipped.push({ engine, reason });
      continue;
    }
    const groups = options.registerKernels === false ? [] : options.registerKernels === undefined || options.registerKernels === true ? KERNEL_GROUPS : options.registerKernels;
    const kernels = groups.length === 0 ? [] : registerOurKernels(groups);
    const report: BackendReport = {
      engine,
      selectedBy: forced !== undefined ? "env" : "order",
      order: [...order],
      versions,
      skipped,
      kernels: kernels.map((k) => `${k.kernelName}@${k.backendName}`),
      notes: attempt.notes ?? [],
    };
    if (attempt.wasm !== undefined) report.wasm = attempt.wasm;
    if (groups.includes("recurrent") && (engine === "cpu" || engine === "wasm")) {
      if (options.recurrentThreads !== undefined) configureRecurrentKernels({ threads: options.recurrentThreads });
      if (options.relaxedSimd !== undefined) configureRecurrentKernels({ relaxedSimd: options.relaxedSimd });
      // start the worker threads now, so that the first training step already has them
      await recurrentThreadsReady();
      const info = recurrentKernelsInfo();
      if (info !== null) report.recurrent = info;
    }
    for (const notTried of order.slice(order.indexOf(engine) + 1)) {
      skipped.push({ engine: notTried, reason: `not needed: ${engine} came first in the order` });
    }
    return report;
  }
  throw new BackendsError(
    "NO_ENGINE",
    `expected one of the engines [${order.join(", ")}] to start, none did: ` +
      skipped.map((s) => `${s.engine}: ${s.reason}`).join("; "),
  );
}

/**
 * Formats a {@link BackendReport} as the few lines {@link initBackend} prints.
 *
 * @example
 * formatBackendReport(await initBackend({ log: false }));
 * // @recurrent/backends: using wasm (tfjs-core 4.22.0, tfjs-backend-wasm 4.22.0; SIMD yes, threads 1, tfjs-backend-wasm-simd.wasm)
 * //   skipped tensorflow: @tensorflow/tfjs-node is not installed (optional peer dependency; …)
 */
export function formatBackendReport(report: BackendReport): string {
  const v = report.versions;
  const parts = [`tfjs-core ${v.tfjsCore}`];
  if (v.tfjsBackendWasm !== undefined) parts.push(`tfjs-backend-wasm ${v.tfjsBackendWasm}`);
  if (v.tfjsNode !== undefined) parts.push(`tfjs-node ${v.tfjsNode}`);
  let head = `@recurrent/backends: using ${report.engine}${report.selectedBy === "env" ? ` (from ${ENV_VAR})` : ""} (${parts.join(", ")}`;
  if (report.wasm !== undefined) {
    const w = report.wasm;
    head += `; SIMD ${w.simd ? "yes" : "no"}, threads ${w.threadsCount}${w.threadsSupported ? "" : " (multithreading unavailable)"}, ${w.binary}`;
  }
  head += ")";
  const lines = [head];
  for (const s of report.skipped) lines.push(`  skipped ${s.engine}: ${s.reason}`);
  lines.push(`  kernels registered: ${report.kernels.length > 0 ? groupKernels(report.kernels) : "none"}`);
  if (report.recurrent !== undefined) {
    const { threads, relaxedSimd } = report.recurrent;
    lines.push(
      `  recurrent sequence kernels: ${threads} thread${threads === 1 ? "" : "s"}, relaxed SIMD (fused multiply-add) ${relaxedSimd ? "yes" : "no"}`,
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
