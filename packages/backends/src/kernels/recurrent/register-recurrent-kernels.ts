import * as tf from "@tensorflow/tfjs";
import { listRegisteredKernels, registerKernels } from "../../register-kernels";
import { RECURRENT_KERNEL_NAMES } from "./recurrent-kernel-configs";

export { RECURRENT_KERNEL_BACKENDS, RECURRENT_KERNEL_NAMES } from "./recurrent-kernel-configs";

/**
 * Makes sure the fused recurrent-layer kernels (one LSTM / GRU / SimpleRNN time step, forward and backward, with
 * masking and subnormal flushing) are registered for the `cpu` and `wasm` backends, by calling
 * {@link registerKernels}, which registers them with the package's other kernels (on wasm also the
 * transpose-free `BatchMatMul`, so the transposed products of every gradient run at the plain speed). Safe to
 * call more than once. The fast layers of `@recurrent/models` call it themselves.
 *
 * The kernels read and write the backends' memory directly (the cpu backend's typed arrays, the wasm backend's
 * heap); on wasm they run as WebAssembly SIMD (where it compiles), on cpu in JavaScript.
 *
 * @returns `kernel/backend` names of the kernels this call registered (empty when all were registered already).
 * @example
 * import { registerRecurrentKernels, RECURRENT_KERNEL_NAMES } from "@recurrent/backends";
 * registerRecurrentKernels();
 * tf.getKernel(RECURRENT_KERNEL_NAMES[0], "wasm") // defined
 */
export function registerRecurrentKernels(): string[] {
  const key = (k: { kernelName: string; backendName: string }) => `${k.kernelName}/${k.backendName}`;
  const before = new Set(listRegisteredKernels().map(key));
  return registerKernels()
    .map(key)
    .filter((name) => !before.has(name));
}

/**
 * Whether the fused recurrent kernels are registered for a backend.
 *
 * @param backendName the backend, default the active one.
 * @example
 * hasRecurrentKernels("webgl") // false
 */
export function hasRecurrentKernels(backendName: string = tf.getBackend()): boolean {
  return RECURRENT_KERNEL_NAMES.every((name) => tf.getKernel(name, backendName) !== undefined);
}
