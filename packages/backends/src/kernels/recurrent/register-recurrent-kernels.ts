import * as tf from "@tensorflow/tfjs";
import type { FusedKernelBackend, FusedKernelSpec } from "./fused-kernel";
import { fusedKernelConfig } from "./fused-kernel";
import { gruGatesGradSpec, gruGatesSpec, gruStateGradSpec, gruStateSpec } from "./gru-step";
import { lstmSequenceWasmConfig } from "./lstm-sequence-wasm";
import { lstmStepGradSpec, lstmStepSpec } from "./lstm-step";
import { simpleRnnStepGradSpec, simpleRnnStepSpec } from "./simple-rnn-step";
import { registerTransposeFreeMatMul } from "./transpose-free-mat-mul";

const SPECS: readonly FusedKernelSpec[] = [
  lstmStepSpec,
  lstmStepGradSpec,
  gruGatesSpec,
  gruStateSpec,
  gruStateGradSpec,
  gruGatesGradSpec,
  simpleRnnStepSpec,
  simpleRnnStepGradSpec,
];

/** Names of the fused recurrent kernels, as registered with tfjs. */
export const RECURRENT_KERNEL_NAMES: readonly string[] = SPECS.map((spec) => spec.name);

/** Backends the fused recurrent kernels exist for. */
export const RECURRENT_KERNEL_BACKENDS: readonly FusedKernelBackend[] = ["cpu", "wasm"];

/**
 * Registers the fused recurrent-layer kernels (one LSTM / GRU / SimpleRNN time step, forward and backward, with
 * masking and subnormal flushing) for the `cpu` and `wasm` backends. Safe to call more than once; kernels already
 * registered are left alone. The fast layers of `@recurrent/models` call it themselves.
 *
 * The kernels read and write the backends' memory directly (the cpu backend's typed arrays, the wasm backend's
 * heap); on wasm they run as WebAssembly SIMD (see {@link setRecurrentSimdKernels}), on cpu in JavaScript.
 * The matrix products around them stay tfjs `matMul`s; on wasm this also installs
 * {@link registerTransposeFreeMatMul}, so the transposed products of every gradient run at the plain speed.
 *
 * @returns the names of the kernels registered by this call (empty when all were registered already).
 * @example
 * import { registerRecurrentKernels, RECURRENT_KERNEL_NAMES } from "@recurrent/backends";
 * registerRecurrentKernels();
 * tf.getKernel(RECURRENT_KERNEL_NAMES[0], "wasm") // defined
 */
export function registerRecurrentKernels(): string[] {
  const added: string[] = [];
  if (registerTransposeFreeMatMul()) added.push("BatchMatMul/wasm (transpose-free)");
  if (tf.getKernel(lstmSequenceWasmConfig.kernelName, "wasm") === undefined) {
    tf.registerKernel(lstmSequenceWasmConfig);
    added.push(`${lstmSequenceWasmConfig.kernelName}/wasm`);
  }
  for (const backendName of RECURRENT_KERNEL_BACKENDS) {
    for (const spec of SPECS) {
      if (tf.getKernel(spec.name, backendName) !== undefined) continue;
      tf.registerKernel(fusedKernelConfig(spec, backendName));
      added.push(`${spec.name}/${backendName}`);
    }
  }
  return added;
}

/**
 * Whether the fused recurrent kernels are registered for a backend.
 *
 * @param backendName the backend, default the active one.
 * @example
 * hasRecurrentKernels("webgl") // false
 */
export function hasRecurrentKernels(backendName: string = tf.getBackend()): boolean {
  return SPECS.every((spec) => tf.getKernel(spec.name, backendName) !== undefined);
}
