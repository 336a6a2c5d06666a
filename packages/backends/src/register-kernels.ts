import type { KernelConfig } from "@tensorflow/tfjs";
import { ourKernel, registerOurKernel, restoreStockKernel, stockOf } from "./kernel-registry";
import { RECURRENT_KERNEL_CONFIGS } from "./kernels/recurrent/recurrent-kernel-configs";
import { transposeFreeMatMulConfig } from "./kernels/transpose-free-mat-mul";
import { adamUpdateConfigs } from "./kernels/adam-update";
import { gatherRowsConfig } from "./kernels/gather-rows";
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
 * The kernels of this package, in groups that can be registered separately:
 *
 * - `"embedding-gradient"`: `UnsortedSegmentSum` on `wasm` and `cpu` (what an Embedding layer's gradient needs);
 * - `"embedding-lookup"`: the wasm `GatherV2` that copies one row per id (the Embedding layer's forward pass);
 * - `"recurrent"`: the fused recurrent kernels of the fast layers in `@recurrent/models`;
 * - `"transpose-free-matmul"`: the wasm `BatchMatMul` that runs transposed products at the plain product's speed;
 * - `"adam"`: `FusedAdamUpdate` on `wasm` and `cpu`, one pass per variable for the fused Adam of `@recurrent/models`.
 */
export type KernelGroup = "embedding-gradient" | "embedding-lookup" | "recurrent" | "transpose-free-matmul" | "adam";

/** All groups, in registration order. */
export const KERNEL_GROUPS: readonly KernelGroup[] = ["embedding-gradient", "embedding-lookup", "recurrent", "transpose-free-matmul", "adam"];

interface KernelEntry {
  kernelName: string;
  backendName: string;
  /** Our config, given the stock one the registry holds (undefined when it cannot be built yet). */
  make: (stock: KernelConfig | undefined) => KernelConfig | undefined;
}

const asIs = (config: KernelConfig): KernelEntry => ({ kernelName: config.kernelName, backendName: config.backendName, make: () => config });

const ENTRIES: Readonly<Record<KernelGroup, readonly KernelEntry[]>> = {
  "embedding-gradient": unsortedSegmentSumConfigs.map(asIs),
  "embedding-lookup": [{ kernelName: "GatherV2", backendName: "wasm", make: gatherRowsConfig }],
  recurrent: RECURRENT_KERNEL_CONFIGS.map(asIs),
  "transpose-free-matmul": [{ kernelName: "BatchMatMul", backendName: "wasm", make: transposeFreeMatMulConfig }],
  adam: adamUpdateConfigs.map(asIs),
};

const ALL_ENTRIES: readonly KernelEntry[] = KERNEL_GROUPS.flatMap((group) => ENTRIES[group]);

/**
 * Registers the kernels the `cpu` and `wasm` backends need to train the chapter's models efficiently:
 *
 * - `UnsortedSegmentSum` on `wasm` (missing there: without it the gradient of an Embedding layer, and so any
 *   `fit`/`minimize` through one, fails with "Kernel 'UnsortedSegmentSum' not registered for backend 'wasm'");
 * - `UnsortedSegmentSum` on `cpu`, replacing the stock kernel whose cost grows with the number of segments
 *   (the vocabulary size) instead of the number of ids;
 * - on `wasm`, a `GatherV2` for the Embedding lookup that copies one row per id (the stock kernel computes an
 *   index per value: about 25× slower on 20-value rows);
 * - the fused recurrent kernels of the fast layers in `@recurrent/models` (one LSTM / GRU / SimpleRNN time step,
 *   forward and backward, and the whole-sequence LSTM forward and backward, on `cpu` and `wasm`);
 * - on `wasm`, a `BatchMatMul` that runs transposed products (every matMul gradient) as an explicit transpose
 *   plus the plain product, about 10× faster than the stock kernel's transposed forms. It is installed once the
 *   wasm backend's own kernels are loaded: calling this again after importing `@tensorflow/tfjs-backend-wasm`
 *   adds it;
 * - `FusedAdamUpdate` on `cpu` and `wasm`: one Adam update of a variable in one pass (used by `fusedAdam` of
 *   `@recurrent/models`; `tf.train.adam` is unaffected).
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
export function registerKernels(groups: readonly KernelGroup[] = KERNEL_GROUPS): RegisteredKernel[] {
  for (const group of groups) {
    const entries = ENTRIES[group];
    if (entries === undefined) {
      throw new RangeError(`expected kernel groups among ${KERNEL_GROUPS.join(", ")}, got ${JSON.stringify(group)}`);
    }
    for (const { kernelName, backendName, make } of entries) registerOurKernel(kernelName, backendName, make);
  }
  return listRegisteredKernels();
}

/**
 * Removes the kernels {@link registerKernels} added and puts back the stock ones they replaced (on `wasm`,
 * `UnsortedSegmentSum` becomes unavailable again, and `BatchMatMul` is the stock one). Meant for benchmarks and tests that compare against stock
 * TensorFlow.js; idempotent.
 *
 * @example
 * unregisterKernels();
 * // … time the stock kernels …
 * registerKernels();
 */
export function unregisterKernels(): void {
  for (const { kernelName, backendName } of ALL_ENTRIES) restoreStockKernel(kernelName, backendName);
}

/**
 * Lists the kernels of this package that are currently registered (empty before {@link registerKernels}).
 *
 * @example
 * listRegisteredKernels().map((k) => `${k.kernelName}@${k.backendName}`); // ["UnsortedSegmentSum@cpu", "UnsortedSegmentSum@wasm"]
 */
export function listRegisteredKernels(): RegisteredKernel[] {
  const out: RegisteredKernel[] = [];
  for (const { kernelName, backendName } of ALL_ENTRIES) {
    const ours = ourKernel(kernelName, backendName);
    if (ours !== undefined) out.push({ kernelName, backendName, replacesStock: stockOf(ours) !== undefined });
  }
  return out;
}
