import type { KernelConfig } from "@tensorflow/tfjs";
import type { FusedKernelBackend, FusedKernelSpec } from "./fused-kernel";
import { fusedKernelConfig } from "./fused-kernel";
import { gruGatesGradSpec, gruGatesSpec, gruStateGradSpec, gruStateSpec } from "./gru-step";
import { lstmSequenceWasmConfig } from "./lstm-sequence-wasm";
import { lstmStepGradSpec, lstmStepSpec } from "./lstm-step";
import { simpleRnnStepGradSpec, simpleRnnStepSpec } from "./simple-rnn-step";

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

/** Names of the fused recurrent step kernels, as registered with tfjs. */
export const RECURRENT_KERNEL_NAMES: readonly string[] = SPECS.map((spec) => spec.name);

/** Backends the fused recurrent kernels exist for. */
export const RECURRENT_KERNEL_BACKENDS: readonly FusedKernelBackend[] = ["cpu", "wasm"];

/** Every recurrent kernel config: the step kernels for each backend, then the whole-sequence LSTM for wasm. */
export const RECURRENT_KERNEL_CONFIGS: readonly KernelConfig[] = [
  ...RECURRENT_KERNEL_BACKENDS.flatMap((backendName) => SPECS.map((spec) => fusedKernelConfig(spec, backendName))),
  lstmSequenceWasmConfig,
];
