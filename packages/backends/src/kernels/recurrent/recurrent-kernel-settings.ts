/** When the whole-sequence recurrent kernels use WebAssembly relaxed SIMD (fused multiply-add). */
export type RelaxedSimdMode = "auto" | "on" | "off";

/** The most threads (the caller and its workers) the whole-sequence recurrent kernels run on. */
export const MAX_RECURRENT_THREADS = 16;

/** What {@link configureRecurrentKernels} sets; a key left out keeps its current value. */
export interface RecurrentKernelOptions {
  /**
   * Threads (the caller included) that run the whole-sequence recurrent kernels on `cpu` and `wasm`, from 1 to
   * {@link MAX_RECURRENT_THREADS}; 1 means no worker threads; `null` means the default. A running thread pool keeps
   * the workers it has started and uses at most this many; it starts more when a larger number is asked for.
   * @default null (the number of CPUs, at most 8: `os.availableParallelism()` in Node, `navigator.hardwareConcurrency`
   *   in a browser; 1 where there are no worker threads). In a browser the workers are Web Workers, which need a
   *   cross-origin-isolated page and a calling thread that may block (a Web Worker, not the page's main thread):
   *   elsewhere the kernels run on the calling thread and `recurrentKernelsInfo().fallback` says why.
   */
  threads?: number | null;
  /**
   * Relaxed SIMD (fused multiply-add: products about 10–30 % faster; results differ from the plain build in the
   * last bits only) in the whole-sequence kernels: `"auto"` where the engine supports it as shipped (Node ≥ 22,
   * current browsers), `"on"` also where it needs a V8 flag (on Node 20 this sets `--experimental-wasm-relaxed-simd`
   * for the process), `"off"` never. A change takes effect at the kernels' next call, with a new thread pool (the
   * running one is closed, and with it the saved activations of forward passes awaiting their backward pass).
   * @default "auto"
   */
  relaxedSimd?: RelaxedSimdMode;
}

/**
 * Test and benchmark switches of the recurrent kernels, set through `setRecurrentKernelSwitches` of
 * `@recurrent/backends/testing`. All are on by default; turning one off gives the same results, more slowly.
 */
export interface RecurrentKernelSwitches {
  /**
   * The fast LSTM layers of `@recurrent/models` use the whole-sequence kernels (where they can run); `false` makes
   * them use the per-step kernels, as they do where WebAssembly threads or shared memory are missing.
   * @default true
   */
  sequenceKernels: boolean;
  /**
   * The per-step kernels (and `FusedAdamUpdate`) run as WebAssembly SIMD on the wasm backend (where it compiles);
   * `false` runs the JavaScript versions on the backend's heap instead.
   * @default true
   */
  simdKernels: boolean;
  /**
   * The whole-sequence LSTM kernels compute the input projection x·W once per distinct row of x (bit for bit equal
   * rows: an Embedding's output repeats a row for every repeated token) when at most 3/4 of the rows are distinct;
   * `false` computes it for every row.
   * @default true
   */
  distinctInputRows: boolean;
}

/** The recurrent kernels' settings: {@link RecurrentKernelOptions} with every value filled in, and the switches. */
export interface RecurrentKernelSettings extends RecurrentKernelSwitches {
  /** See {@link RecurrentKernelOptions.threads}; `null` = the default. */
  threads: number | null;
  /** See {@link RecurrentKernelOptions.relaxedSimd}. */
  relaxedSimd: RelaxedSimdMode;
}

const DEFAULTS: RecurrentKernelSettings = {
  threads: null,
  relaxedSimd: "auto",
  sequenceKernels: true,
  simdKernels: true,
  distinctInputRows: true,
};

/**
 * The one place the recurrent kernels' settings live (a class with one instance, whose methods are the only way to
 * change them). The instance is kept on `globalThis` under a process-wide symbol, so that both builds of this
 * package (ESM and CJS, when an application loads both) read and write the same settings, as they share one kernel
 * registry; the symbol carries a version, to be bumped if the store's shape ever changes.
 */
class RecurrentKernelSettingsStore {
  private current: Readonly<RecurrentKernelSettings> = Object.freeze({ ...DEFAULTS });

  get(): Readonly<RecurrentKernelSettings> {
    return this.current;
  }

  /** Applies `changes` (already validated) and returns the settings before. */
  update(changes: Partial<RecurrentKernelSettings>): Readonly<RecurrentKernelSettings> {
    const before = this.current;
    this.current = Object.freeze({ ...before, ...changes });
    return before;
  }
}

const STORE_KEY = Symbol.for("@recurrent/backends/recurrent-kernel-settings@1");

/**
 * The process-wide settings store, created by the first copy of this package that asks (on first use rather than
 * at import, so that importing the package has no side effect).
 */
export const recurrentKernelSettingsStore = {
  get: (): Readonly<RecurrentKernelSettings> => store().get(),
  update: (changes: Partial<RecurrentKernelSettings>): Readonly<RecurrentKernelSettings> => store().update(changes),
};

function store(): RecurrentKernelSettingsStore {
  const holder = globalThis as { [STORE_KEY]?: RecurrentKernelSettingsStore };
  return (holder[STORE_KEY] ??= new RecurrentKernelSettingsStore());
}

function checkKeys(what: string, options: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new TypeError(`expected ${what} to be an object, got ${options === null ? "null" : Array.isArray(options) ? "an array" : typeof options}`);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new TypeError(`expected ${what} among ${allowed.join(", ")}, got ${JSON.stringify(key)}`);
    }
  }
  return options as Record<string, unknown>;
}

/**
 * Sets how the whole-sequence recurrent kernels run: their thread count and whether they use relaxed SIMD. Keys
 * left out keep their value. {@link initBackend} calls this with its `recurrentThreads` and `relaxedSimd` options.
 *
 * @returns the two settings as they were before this call (pass them back to restore them).
 * @throws {TypeError} for an unknown key or a non-object.
 * @throws {RangeError} for a thread count that is not `null` or an integer from 1 to 16, or another relaxed SIMD mode.
 * @example
 * import { configureRecurrentKernels, recurrentKernelSettings } from "@recurrent/backends";
 *
 * const before = configureRecurrentKernels({ threads: 1 }); // single-threaded: other work uses the other cores
 * recurrentKernelSettings().threads; // 1
 * configureRecurrentKernels(before);
 */
export function configureRecurrentKernels(options: RecurrentKernelOptions): Required<RecurrentKernelOptions> {
  const o = checkKeys("recurrent kernel options", options, ["threads", "relaxedSimd"]);
  const changes: Partial<RecurrentKernelSettings> = {};
  if (o.threads !== undefined) {
    const t = o.threads;
    if (t !== null && !(typeof t === "number" && Number.isInteger(t) && t >= 1 && t <= MAX_RECURRENT_THREADS)) {
      throw new RangeError(`expected threads to be an integer from 1 to ${MAX_RECURRENT_THREADS} (or null for the default), got ${String(t)}`);
    }
    changes.threads = t;
  }
  if (o.relaxedSimd !== undefined) {
    if (o.relaxedSimd !== "auto" && o.relaxedSimd !== "on" && o.relaxedSimd !== "off") {
      throw new RangeError(`expected relaxedSimd to be "auto", "on" or "off", got ${JSON.stringify(o.relaxedSimd)}`);
    }
    changes.relaxedSimd = o.relaxedSimd;
  }
  const before = recurrentKernelSettingsStore.update(changes);
  return { threads: before.threads, relaxedSimd: before.relaxedSimd };
}

/**
 * The recurrent kernels' current settings (a frozen snapshot): the values of {@link configureRecurrentKernels} and
 * the test switches of `@recurrent/backends/testing`.
 *
 * @example
 * import { recurrentKernelSettings } from "@recurrent/backends";
 *
 * recurrentKernelSettings(); // { threads: null, relaxedSimd: "auto", sequenceKernels: true, simdKernels: true, distinctInputRows: true }
 */
export function recurrentKernelSettings(): Readonly<RecurrentKernelSettings> {
  return recurrentKernelSettingsStore.get();
}

/**
 * Sets the recurrent kernels' test and benchmark switches (see {@link RecurrentKernelSwitches}); keys left out keep
 * their value. Exported from `@recurrent/backends/testing`, not from the main entry.
 *
 * @returns the switches as they were before this call (pass them back to restore them).
 * @throws {TypeError} for an unknown key, a non-object or a value that is not a boolean.
 */
export function setRecurrentKernelSwitches(switches: Partial<RecurrentKernelSwitches>): RecurrentKernelSwitches {
  const keys = ["sequenceKernels", "simdKernels", "distinctInputRows"] as const;
  const o = checkKeys("recurrent kernel switches", switches, keys);
  const changes: Partial<RecurrentKernelSettings> = {};
  for (const key of keys) {
    const value = o[key];
    if (value === undefined) continue;
    if (typeof value !== "boolean") throw new TypeError(`expected ${key} to be a boolean, got ${typeof value}`);
    changes[key] = value;
  }
  const before = recurrentKernelSettingsStore.update(changes);
  return { sequenceKernels: before.sequenceKernels, simdKernels: before.simdKernels, distinctInputRows: before.distinctInputRows };
}
