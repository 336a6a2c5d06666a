import * as tf from "@tensorflow/tfjs";
import type { BackendReport, WasmDetails } from "./backend-report";
import type { BackendModuleSpecifier, BackendName, InitBackendOptions, WasmBinaryName } from "./init-backend-options";
import { NODE_PACKAGE, WASM_PACKAGE } from "./init-backend-options";
import type * as NodeFs from "node:fs";
import type * as NodeModule from "node:module";
import type * as NodePath from "node:path";
import type { Platform } from "./platform";
import { AttemptTimeout, Deadline, firstLine, startBackend } from "./start-backend";

/** The outcome of trying one backend. */
export interface Attempt {
  ok: boolean;
  /** Why it did not start (when `ok` is false). */
  reason?: string;
  versions?: Partial<BackendReport["versions"]>;
  wasm?: WasmDetails;
  notes?: string[];
}

/** What an attempt works with. */
export interface AttemptContext {
  load: (specifier: BackendModuleSpecifier) => Promise<unknown>;
  options: InitBackendOptions;
  platform: Platform;
}

/** The parts of `@tensorflow/tfjs-backend-wasm` we use. */
interface WasmModule {
  setWasmPaths?: (paths: string | Partial<Record<WasmBinaryName, string>>) => void;
  setThreadsCount?: (n: number) => void;
  getThreadsCount?: () => number;
  version_wasm?: string;
}

/**
 * The default {@link InitBackendOptions.loadModule}: a literal `import()` of the wasm package (so bundlers include
 * it) and a computed one of the native package (so neither TypeScript nor bundlers try to resolve it).
 */
export const defaultLoadModule = (specifier: BackendModuleSpecifier): Promise<unknown> => {
  if (specifier === WASM_PACKAGE) return import("@tensorflow/tfjs-backend-wasm");
  const name: string = specifier;
  return import(/* @vite-ignore */ /* webpackIgnore: true */ name);
};

function isModuleNotFound(error: unknown, specifier: string): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  const text = firstLine(error);
  return (
    (code === "ERR_MODULE_NOT_FOUND" ||
      code === "MODULE_NOT_FOUND" ||
      /Cannot find (module|package)|Could not resolve|Failed to resolve/.test(text)) &&
    text.includes(specifier)
  );
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

function wasmBinaryFor(simd: boolean, threads: boolean): WasmBinaryName {
  if (simd && threads) return "tfjs-backend-wasm-threaded-simd.wasm";
  return simd ? "tfjs-backend-wasm-simd.wasm" : "tfjs-backend-wasm.wasm";
}

/**
 * In Node, the `dist/` folder of the installed `@tensorflow/tfjs-backend-wasm` (with a trailing slash), resolved
 * from the working directory, if its `.wasm` files are there. Node builtins are reached through
 * `process.getBuiltinModule` (Node ≥ 20.16), so that nothing here imports one (the `import type`s above are erased);
 * elsewhere this gives undefined.
 */
function resolveNodeWasmDir(): string | undefined {
  type Builtins = {
    "node:module": typeof NodeModule;
    "node:path": typeof NodePath;
    "node:fs": typeof NodeFs;
  };
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown; cwd?: () => string } }).process;
  const get = <K extends keyof Builtins>(id: K): Builtins[K] | undefined => proc?.getBuiltinModule?.(id) as Builtins[K] | undefined;
  try {
    const nodeModule = get("node:module");
    const path = get("node:path");
    const fs = get("node:fs");
    if (nodeModule === undefined || path === undefined || fs === undefined || proc?.cwd === undefined) return undefined;
    const require = nodeModule.createRequire(path.join(proc.cwd(), "package.json"));
    const dir = path.join(path.dirname(require.resolve(`${WASM_PACKAGE}/package.json`)), "dist") + path.sep;
    return fs.existsSync(path.join(dir, "tfjs-backend-wasm.wasm")) ? dir : undefined;
  } catch {
    return undefined;
  }
}

/** The native backend (`@tensorflow/tfjs-node`): Node only. */
async function tryTensorflow(ctx: AttemptContext, deadline: Deadline): Promise<Attempt> {
  if (ctx.platform.kind === "browser") {
    return { ok: false, reason: `${NODE_PACKAGE} runs in Node only, not in a browser` };
  }
  let mod: unknown;
  try {
    mod = await deadline.within(ctx.load(NODE_PACKAGE), `loading ${NODE_PACKAGE}`);
  } catch (error) {
    if (error instanceof AttemptTimeout) throw error;
    if (isModuleNotFound(error, NODE_PACKAGE)) {
      return { ok: false, reason: `${NODE_PACKAGE} is not installed (optional peer dependency; install it for native speed)` };
    }
    return { ok: false, reason: `${NODE_PACKAGE} failed to load: ${firstLine(error)}` };
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
  const failure = await startBackend("tensorflow", deadline);
  if (failure !== null) return { ok: false, versions, reason: `the tensorflow backend failed to initialise: ${failure}` };
  return { ok: true, versions };
}

/** What to do when the wasm binaries could not be loaded, for this platform. */
function wasmHint(ctx: AttemptContext): string {
  const paths = ctx.options.wasmPaths;
  if (paths !== undefined) return ` (check that the .wasm files are where wasmPaths says: ${JSON.stringify(paths)})`;
  if (ctx.platform.kind === "node") {
    // tfjs looks for the binaries next to the script holding its Emscripten glue, and refuses new paths after a
    // failed start, so the best we can do is say where the installed binaries are.
    const dir = resolveNodeWasmDir();
    return dir === undefined ? "" : ` (if tfjs was bundled away from its .wasm files, pass wasmPaths: ${JSON.stringify(dir)})`;
  }
  return (
    " (tfjs looks for its .wasm files next to its own script, which a bundler moves: copy them from " +
    `${WASM_PACKAGE}/dist to your static assets and pass wasmPaths, e.g. initBackend({ wasmPaths: "/assets/tfjs-wasm/" }))`
  );
}

/** The WebAssembly backend (`@tensorflow/tfjs-backend-wasm`). */
async function tryWasm(ctx: AttemptContext, deadline: Deadline): Promise<Attempt> {
  const { options, platform } = ctx;
  let mod: WasmModule;
  try {
    mod = (await deadline.within(ctx.load(WASM_PACKAGE), `loading ${WASM_PACKAGE}`)) as WasmModule;
  } catch (error) {
    if (error instanceof AttemptTimeout) throw error;
    if (isModuleNotFound(error, WASM_PACKAGE)) {
      return { ok: false, reason: `${WASM_PACKAGE} is not installed (optional peer dependency)` };
    }
    return { ok: false, reason: `${WASM_PACKAGE} failed to load: ${firstLine(error)}` };
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
  const failure = await startBackend("wasm", deadline);
  if (failure !== null) {
    return { ok: false, versions, reason: `the wasm backend failed to initialise${wasmHint(ctx)}: ${failure}` };
  }
  const notes: string[] = [];
  const simd = (await deadline.within(tf.env().getAsync("WASM_HAS_SIMD_SUPPORT"), "detecting SIMD")) === true;
  const threadsSupported = (await deadline.within(tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT"), "detecting threads")) === true;
  const threadsCount = typeof mod.getThreadsCount === "function" ? mod.getThreadsCount() : 1;
  if (platform.kind === "node" && !threadsSupported) {
    notes.push("tfjs runs the wasm backend single-threaded in Node (setThreadsCount has no effect there)");
  }
  if (platform.kind === "browser" && platform.crossOriginIsolated !== true) {
    notes.push(
      "tfjs runs the wasm backend single-threaded: WebAssembly threads need SharedArrayBuffer, which needs a " +
        "cross-origin-isolated page (serve it with Cross-Origin-Opener-Policy: same-origin and " +
        "Cross-Origin-Embedder-Policy: require-corp)",
    );
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

/** The plain JavaScript backend, always registered with `@tensorflow/tfjs`. */
async function tryCpu(_ctx: AttemptContext, deadline: Deadline): Promise<Attempt> {
  const failure = await startBackend("cpu", deadline);
  if (failure !== null) return { ok: false, reason: `the cpu backend failed to initialise: ${failure}` };
  return { ok: true, notes: ["cpu is plain JavaScript: the slowest backend"] };
}

const ATTEMPTS: Readonly<Record<BackendName, (ctx: AttemptContext, deadline: Deadline) => Promise<Attempt>>> = {
  tensorflow: tryTensorflow,
  wasm: tryWasm,
  cpu: tryCpu,
};

/**
 * Tries to make `backend` the active tfjs backend within `timeoutMs` (loading its package included). Never
 * rejects for the backend's sake and never takes longer: a backend that does not start in time is reported as
 * not started, and its late completion is ignored.
 */
export async function attemptBackend(backend: BackendName, ctx: AttemptContext, timeoutMs: number): Promise<Attempt> {
  const deadline = new Deadline(timeoutMs);
  try {
    return await ATTEMPTS[backend](ctx, deadline);
  } catch (error) {
    if (error instanceof AttemptTimeout) return { ok: false, reason: error.message };
    throw error;
  } finally {
    deadline.clear();
  }
}
