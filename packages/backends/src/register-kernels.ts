import * as tf from "@tensorflow/tfjs";
import type { KernelConfig } from "@tensorflow/tfjs";
import { unsortedSegmentSumConfigs } from "./kernels/unsorted-segment-sum";

/** One kernel this package puts in the TensorFlow.js kernel registry. */
export interface RegisteredKernel {
  /** The tfjs kernel name, e.g. `"UnsortedSegmentSum"`. */
  kernelName: string;
  /** The backend it serves: `"cpu"` or `"wasm"`. */
  backendName: string;
  /** `true` when a stock kernel was there and this one took its place (restored by {@link unregisterKernels}). */
  replacesStock: boolean;
}

/**
 * Marks our kernel functions with a process-wide symbol, so that two copies of this package (an ESM and a CJS
 * build, say) recognise each other's kernels and do not register twice.
 */
const MARK = Symbol.for("@recurrent/backends/kernel");

interface MarkedConfig extends KernelConfig {
  [MARK]?: { stock: KernelConfig | undefined };
}

/** Every kernel this package registers. Add new kernel configs here. */
const KERNEL_CONFIGS: readonly KernelConfig[] = [...unsortedSegmentSumConfigs];

function isOurs(config: KernelConfig | undefined): config is MarkedConfig & { [MARK]: { stock: KernelConfig | undefined } } {
  return config !== undefined && (config as MarkedConfig)[MARK] !== undefined;
}

/**
 * Registers the kernels the `cpu` and `wasm` backends need to train the chapter's models efficiently:
 *
 * - `UnsortedSegmentSum` on `wasm` (missing there: without it the gradient of an Embedding layer, and so any
 *   `fit`/`minimize` through one, fails with "Kernel 'UnsortedSegmentSum' not registered for backend 'wasm'");
 * - `UnsortedSegmentSum` on `cpu`, replacing the stock kernel whose cost grows with the number of segments
 *   (the vocabulary size) instead of the number of ids.
 *
 * Registration is by backend name, so it works before or after the backend is initialised and does not load
 * `@tensorflow/tfjs-backend-wasm`. Idempotent: calling it again (or from a second copy of this package) changes
 * nothing. {@link initBackend} calls it for you; importing `@recurrent/backends/register` calls it too.
 *
 * @returns the kernels now registered by this package.
 * @example
 * import * as tf from "@tensorflow/tfjs";
 * import { registerKernels } from "@recurrent/backends";
 * registerKernels(); // [{ kernelName: "UnsortedSegmentSum", backendName: "cpu", replacesStock: true }, …]
 */
export function registerKernels(): RegisteredKernel[] {
  for (const config of KERNEL_CONFIGS) {
    const current = tf.getKernel(config.kernelName, config.backendName);
    if (isOurs(current)) continue;
    const marked: MarkedConfig = { ...config, [MARK]: { stock: current } };
    // Unregister first: registerKernel warns when it overwrites an entry.
    if (current !== undefined) tf.unregisterKernel(config.kernelName, config.backendName);
    tf.registerKernel(marked);
  }
  return listRegisteredKernels();
}

/**
 * Removes the kernels {@link registerKernels} added and puts back the stock ones they replaced (on `wasm`,
 * `UnsortedSegmentSum` becomes unavailable again). Meant for benchmarks and tests that compare against stock
 * TensorFlow.js; idempotent.
 *
 * @example
 * unregisterKernels();
 * // … time the stock kernels …
 * registerKernels();
 */
export function unregisterKernels(): void {
  for (const config of KERNEL_CONFIGS) {
    const current = tf.getKernel(config.kernelName, config.backendName);
    if (!isOurs(current)) continue;
    tf.unregisterKernel(config.kernelName, config.backendName);
    const stock = current[MARK].stock;
    if (stock !== undefined) tf.registerKernel(stock);
  }
}

/**
 * Lists the kernels of this package that are currently registered (empty before {@link registerKernels}).
 *
 * @example
 * listRegisteredKernels().map((k) => `${k.kernelName}@${k.backendName}`); // ["UnsortedSegmentSum@cpu", "UnsortedSegmentSum@wasm"]
 */
export function listRegisteredKernels(): RegisteredKernel[] {
  const out: RegisteredKernel[] = [];
  for (const config of KERNEL_CONFIGS) {
    const current = tf.getKernel(config.kernelName, config.backendName);
    if (isOurs(current)) {
      out.push({
        kernelName: config.kernelName,
        backendName: config.backendName,
        replacesStock: current[MARK].stock !== undefined,
      });
    }
  }
  return out;
}
