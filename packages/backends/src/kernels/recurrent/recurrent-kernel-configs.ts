import type { KernelConfig } from "@tensorflow/tfjs";
import type { FusedKernelBackend, FusedKernelSpec } from "./step/fused-kernel";
import { fusedKernelConfig } from "./step/fused-kernel";
import { gruGatesGradSpec, gruGatesSpec, gruStateGradSpec, gruStateSpec } from "./step/gru-step";
import {
  BIDIRECTIONAL_GRU_SEQUENCE,
  BIDIRECTIONAL_GRU_SEQUENCE_GRAD,
  GRU_SEQUENCE,
  GRU_SEQUENCE_GRAD,
  gruSequenceConfigs,
} from "./sequence/gru-sequence";
import {
  BIDIRECTIONAL_LSTM_SEQUENCE,
  BIDIRECTIONAL_LSTM_SEQUENCE_GRAD,
  LSTM_SEQUENCE,
  LSTM_SEQUENCE_GRAD,
  lstmSequenceConfigs,
} from "./sequence/lstm-sequence";
import {
  BIDIRECTIONAL_SIMPLE_RNN_SEQUENCE,
  BIDIRECTIONAL_SIMPLE_RNN_SEQUENCE_GRAD,
  SIMPLE_RNN_SEQUENCE,
  SIMPLE_RNN_SEQUENCE_GRAD,
  simpleRnnSequenceConfigs,
} from "./sequence/simple-rnn-sequence";
import { lstmStepGradSpec, lstmStepSpec } from "./step/lstm-step";
import { simpleRnnStepGradSpec, simpleRnnStepSpec } from "./step/simple-rnn-step";

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

/** Names of the fused recurrent kernels (the step kernels, then the whole-sequence kernels), as registered with tfjs. */
export const RECURRENT_KERNEL_NAMES: readonly string[] = [
  ...SPECS.map((spec) => spec.name),
  LSTM_SEQUENCE,
  LSTM_SEQUENCE_GRAD,
  BIDIRECTIONAL_LSTM_SEQUENCE,
  BIDIRECTIONAL_LSTM_SEQUENCE_GRAD,
  GRU_SEQUENCE,
  GRU_SEQUENCE_GRAD,
  BIDIRECTIONAL_GRU_SEQUENCE,
  BIDIRECTIONAL_GRU_SEQUENCE_GRAD,
  SIMPLE_RNN_SEQUENCE,
  SIMPLE_RNN_SEQUENCE_GRAD,
  BIDIRECTIONAL_SIMPLE_RNN_SEQUENCE,
  BIDIRECTIONAL_SIMPLE_RNN_SEQUENCE_GRAD,
];

/** Backends the fused recurrent kernels exist for. */
export const RECURRENT_KERNEL_BACKENDS: readonly FusedKernelBackend[] = ["cpu", "wasm"];

/** Every recurrent kernel config: for each backend the step kernels, then the whole-sequence kernels. */
export const RECURRENT_KERNEL_CONFIGS: readonly KernelConfig[] = RECURRENT_KERNEL_BACKENDS.flatMap((backendName) => [
  ...SPECS.map((spec) => fusedKernelConfig(spec, backendName)),
  ...lstmSequenceConfigs(backendName),
  ...gruSequenceConfigs(backendName),
  ...simpleRnnSequenceConfigs(backendName),
]);
