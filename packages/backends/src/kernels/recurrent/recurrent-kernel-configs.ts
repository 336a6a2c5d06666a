import type { KernelConfig } from "@tensorflow/tfjs";
import type { FusedKernelBackend, FusedKernelSpec } from "./fused-kernel";
import { fusedKernelConfig } from "./fused-kernel";
import { gruGatesGradSpec, gruGatesSpec, gruStateGradSpec, gruStateSpec } from "./gru-step";
import {
  BIDIRECTIONAL_LSTM_SEQUENCE,
  BIDIRECTIONAL_LSTM_SEQUENCE_GRAD,
  LSTM_SEQUENCE,
  LSTM_SEQUENCE_GRAD,
  lstmSequenceConfigs,
} from "./lstm-sequence";
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

/** Names of the fused recurrent kernels (the step kernels, then the whole-sequence LSTM), as registered with tfjs. */
export const RECURRENT_KERNEL_NAMES: readonly string[] = [
  ...SPECS.map((spec) => spec.name),
  LSTM_SEQUENCE,
  LSTM_SEQUENCE_GRAD,
  BIDIRECTIONAL_LSTM_SEQUENCE,
  BIDIRECTIONAL_LSTM_SEQUENCE_GRAD,
];

/** Backends the fused recurrent kernels exist for. */
export const RECURRENT_KERNEL_BACKENDS: readonly FusedKernelBackend[] = ["cpu", "wasm"];

/** Every recurrent kernel config: for each backend the step kernels, then the whole-sequence LSTM kernels. */
export const RECURRENT_KERNEL_CONFIGS: readonly KernelConfig[] = RECURRENT_KERNEL_BACKENDS.flatMap((backendName) => [
  ...SPECS.map((spec) => fusedKernelConfig(spec, backendName)),
  ...lstmSequenceConfigs(backendName),
]);
