import * as tf from "@tensorflow/tfjs";
import { BackendsError } from "../backends-error";
import { configureRecurrentKernels } from "../kernels/recurrent/recurrent-kernel-settings";
import { DEFAULT_THREADS_TIMEOUT_MS, recurrentKernelsInfo, recurrentThreadsReady } from "../kernels/recurrent/sequence/sequence-runtime";
import { KERNEL_GROUPS, registerKernels as registerOurKernels } from "../register-kernels";
import { attemptBackend, defaultLoadModule } from "./backend-attempts";
import type { BackendReport, SkippedBackend } from "./backend-report";
import { formatBackendReport } from "./backend-report";
import type { BackendName, InitBackendOptions } from "./init-backend-options";
import { BACKEND_NAMES, DEFAULT_BACKEND_TIMEOUT_MS, ENV_VAR, parseBackendName, validateOptions } from "./init-backend-options";
import type { Platform } from "./platform";
import { detectPlatform } from "./platform";

let cached:
  | { key: string; loadModule: InitBackendOptions["loadModule"]; report: Promise<BackendReport> }
  | undefined;

function defaultEnv(): Readonly<Record<string, string | undefined>> {
  return typeof process !== "undefined" && process.env !== undefined ? process.env : {};
}

/**
 * Picks the best TensorFlow.js backend available, makes it the active one, registers the kernels training
 * needs on it, and says what it did.
 *
 * Tries, in `order`: native libtensorflow (`"tensorflow"`, only in Node and only if `@tensorflow/tfjs-node` can be
 * imported), then WebAssembly (`"wasm"`, SIMD and threads detected), then plain JavaScript (`"cpu"`). The
 * environment variable `RECURRENT_BACKEND=tensorflow|native|wasm|cpu` overrides the order: only that backend is
 * tried, and if it cannot start that is an error, not a silent fallback.
 *
 * Never hangs: each backend gets `backendTimeoutMs` (default 30 s) to load and start, and the recurrent kernels'
 * worker threads `recurrentThreadsTimeoutMs` (default 10 s) to come up; one that does not is skipped (the threads:
 * the kernels run on the calling thread) with the reason in the report. Nothing global is patched meanwhile.
 *
 * Safe to call more than once: a call with the same options while the chosen backend is still active returns the
 * same report without re-initialising; concurrent calls share one initialisation.
 *
 * @returns the backend chosen, versions, wasm capabilities, why other backends were skipped, kernels registered,
 *   how the recurrent kernels run, and notes with advice for this platform.
 * @throws {BackendsError} `INVALID_ARGUMENT` for a bad option or `RECURRENT_BACKEND` value; `BACKEND_FAILED` when
 *   the backend forced by `RECURRENT_BACKEND` cannot start; `NO_BACKEND` when no backend in `order` starts.
 * @example
 * import { initBackend } from "@recurrent/backends";
 *
 * const report = await initBackend();
 * console.log(report.backend); // "wasm" where tfjs-node is not installed
 * @example
 * import { initBackend } from "@recurrent/backends";
 *
 * // in a browser bundle: tell tfjs where the .wasm files are served from
 * await initBackend({ wasmPaths: "/assets/tfjs-wasm/" });
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendReport> {
  validateOptions(options);
  const envValue = (options.env ?? defaultEnv())[ENV_VAR];
  const forced = envValue !== undefined && envValue.trim() !== "" ? parseBackendName(envValue, ENV_VAR) : undefined;
  const order = forced !== undefined ? [forced] : (options.order ?? BACKEND_NAMES).map((e) => parseBackendName(e, "order"));
  const key = JSON.stringify({
    order,
    forced: forced ?? null,
    wasmPaths: options.wasmPaths ?? null,
    threads: options.threads ?? null,
    registerKernels: options.registerKernels ?? true,
    recurrentThreads: options.recurrentThreads ?? null,
    relaxedSimd: options.relaxedSimd ?? null,
    backendTimeoutMs: options.backendTimeoutMs ?? null,
    recurrentThreadsTimeoutMs: options.recurrentThreadsTimeoutMs ?? null,
  });
  if (cached !== undefined && cached.key === key && cached.loadModule === options.loadModule) {
    const previous = cached.report;
    try {
      const report = await previous;
      if (tf.getBackend() === report.backend) return report;
    } catch {
      // The earlier attempt failed; try again below.
    }
  }
  const report = run(order, forced, options, detectPlatform());
  cached = { key, loadModule: options.loadModule, report };
  report.catch(() => {
    if (cached?.report === report) cached = undefined;
  });
  const result = await report;
  const log = options.log ?? ((text: string) => console.info(text));
  if (log !== false) log(formatBackendReport(result));
  return result;
}

async function run(
  order: BackendName[],
  forced: BackendName | undefined,
  options: InitBackendOptions,
  platform: Platform,
): Promise<BackendReport> {
  const ctx = { load: options.loadModule ?? defaultLoadModule, options, platform };
  const timeoutMs = options.backendTimeoutMs ?? DEFAULT_BACKEND_TIMEOUT_MS;
  const skipped: SkippedBackend[] = [];
  const versions: BackendReport["versions"] = { tfjsCore: tf.version_core };
  if (forced !== undefined) {
    for (const backend of BACKEND_NAMES) {
      if (backend !== forced) skipped.push({ backend, reason: `not tried: ${ENV_VAR}=${forced}` });
    }
  }
  for (const backend of order) {
    const attempt = await attemptBackend(backend, ctx, timeoutMs);
    Object.assign(versions, attempt.versions);
    if (!attempt.ok) {
      const reason = attempt.reason ?? "failed";
      if (forced !== undefined) {
        throw new BackendsError("BACKEND_FAILED", `${ENV_VAR}=${forced} but that backend cannot start: ${reason}`);
      }
      skipped.push({ backend, reason });
      continue;
    }
    const groups =
      options.registerKernels === false
        ? []
        : options.registerKernels === undefined || options.registerKernels === true
          ? KERNEL_GROUPS
          : options.registerKernels;
    const kernels = groups.length === 0 ? [] : registerOurKernels(groups);
    const report: BackendReport = {
      backend,
      selectedBy: forced !== undefined ? "env" : "order",
      order: [...order],
      versions,
      skipped,
      kernels: kernels.map((k) => `${k.kernelName}@${k.backendName}`),
      notes: attempt.notes ?? [],
    };
    if (attempt.wasm !== undefined) report.wasm = attempt.wasm;
    if (groups.includes("recurrent") && (backend === "cpu" || backend === "wasm")) {
      await startRecurrentKernels(report, options, platform);
    }
    for (const notTried of order.slice(order.indexOf(backend) + 1)) {
      skipped.push({ backend: notTried, reason: `not needed: ${backend} came first in the order` });
    }
    return report;
  }
  throw new BackendsError(
    "NO_BACKEND",
    `expected one of the backends [${order.join(", ")}] to start, none did: ` +
      skipped.map((s) => `${s.backend}: ${s.reason}`).join("; "),
  );
}

/**
 * Applies the recurrent kernels' options and starts their worker threads now (bounded), so that the first training
 * step already has them; records how they run, or why they cannot, in the report.
 */
async function startRecurrentKernels(report: BackendReport, options: InitBackendOptions, platform: Platform): Promise<void> {
  if (options.recurrentThreads !== undefined) configureRecurrentKernels({ threads: options.recurrentThreads });
  if (options.relaxedSimd !== undefined) configureRecurrentKernels({ relaxedSimd: options.relaxedSimd });
  await recurrentThreadsReady({ timeoutMs: options.recurrentThreadsTimeoutMs ?? DEFAULT_THREADS_TIMEOUT_MS });
  const info = recurrentKernelsInfo();
  if (info === null) {
    report.notes.push(
      platform.kind === "browser" && platform.crossOriginIsolated !== true
        ? "the whole-sequence recurrent kernels cannot run: they need shared WebAssembly memory (SharedArrayBuffer), " +
            "which needs a cross-origin-isolated page; the fast LSTM layers use the per-step kernels"
        : "the whole-sequence recurrent kernels cannot run here (they need WebAssembly SIMD, threads, shared memory and " +
            "synchronous compilation, which some browsers allow in web workers only); the fast LSTM layers use the per-step kernels",
    );
    return;
  }
  report.recurrent = info;
  if (info.fallback !== undefined) {
    report.notes.push(`the recurrent kernels' worker threads are not used: ${info.fallback}; the kernels run on the calling thread`);
  }
}
