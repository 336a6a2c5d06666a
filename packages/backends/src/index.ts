// Setting up a backend
export { initBackend } from "./init/init-backend";
export type { BackendModuleSpecifier, BackendName, InitBackendOptions, WasmBinaryName } from "./init/init-backend-options";
export { formatBackendReport } from "./init/backend-report";
export type { BackendReport, SkippedBackend, WasmDetails } from "./init/backend-report";
export { currentBackend } from "./backend-info";
export type { BackendInfo } from "./backend-info";
export { BackendsError } from "./backends-error";
export type { BackendsErrorCode } from "./backends-error";

// Registering the kernels
export { KERNEL_GROUPS, listRegisteredKernels, registerKernels, unregisterKernels } from "./register-kernels";
export type { KernelGroup, RegisteredKernel } from "./register-kernels";
export { registerTransposeFreeMatMul } from "./kernels/transpose-free-mat-mul";
export { ADAM_UPDATE } from "./kernels/adam-update";

// The recurrent kernels: names, activations, settings, threads
export {
  hasRecurrentKernels,
  RECURRENT_KERNEL_BACKENDS,
  RECURRENT_KERNEL_NAMES,
  registerRecurrentKernels,
} from "./kernels/recurrent/register-recurrent-kernels";
export { LSTM_STEP, LSTM_STEP_GRAD } from "./kernels/recurrent/step/lstm-step";
export { GRU_GATES, GRU_GATES_GRAD, GRU_STATE, GRU_STATE_GRAD } from "./kernels/recurrent/step/gru-step";
export { SIMPLE_RNN_STEP, SIMPLE_RNN_STEP_GRAD } from "./kernels/recurrent/step/simple-rnn-step";
export { FLUSH_TO_ZERO_BELOW, RECURRENT_ACTIVATIONS } from "./kernels/recurrent/step/recurrent-activation";
export type { RecurrentActivation } from "./kernels/recurrent/step/recurrent-activation";
export type { FusedKernelBackend } from "./kernels/recurrent/step/fused-kernel";
export {
  BIDIRECTIONAL_LSTM_SEQUENCE,
  BIDIRECTIONAL_LSTM_SEQUENCE_GRAD,
  LSTM_SEQUENCE,
  LSTM_SEQUENCE_GRAD,
  lstmSequenceAvailable,
} from "./kernels/recurrent/sequence/lstm-sequence";
export {
  BIDIRECTIONAL_GRU_SEQUENCE,
  BIDIRECTIONAL_GRU_SEQUENCE_GRAD,
  GRU_SEQUENCE,
  GRU_SEQUENCE_GRAD,
} from "./kernels/recurrent/sequence/gru-sequence";
export {
  BIDIRECTIONAL_SIMPLE_RNN_SEQUENCE,
  BIDIRECTIONAL_SIMPLE_RNN_SEQUENCE_GRAD,
  SIMPLE_RNN_SEQUENCE,
  SIMPLE_RNN_SEQUENCE_GRAD,
} from "./kernels/recurrent/sequence/simple-rnn-sequence";
export { sequenceKernelsAvailable } from "./kernels/recurrent/sequence/sequence-kernels";
export type { SequenceKernelNames } from "./kernels/recurrent/sequence/sequence-kernels";
export { SEQUENCE_KERNELS } from "./kernels/recurrent/sequence/sequence-kernel-names";
export { closeRecurrentThreads, recurrentKernelsInfo, recurrentThreadsReady } from "./kernels/recurrent/sequence/sequence-runtime";
export type { RecurrentKernelsInfo, RecurrentThreadsReadyOptions } from "./kernels/recurrent/sequence/sequence-runtime";
export { configureRecurrentKernels, MAX_RECURRENT_THREADS, recurrentKernelSettings } from "./kernels/recurrent/recurrent-kernel-settings";
export type {
  RecurrentKernelOptions,
  RecurrentKernelSettings,
  RecurrentKernelSwitches,
  RelaxedSimdMode,
} from "./kernels/recurrent/recurrent-kernel-settings";
