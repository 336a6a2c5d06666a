export { BackendsError } from "./backends-error";
export type { BackendsErrorCode } from "./backends-error";
export { currentEngine } from "./engine-info";
export type { EngineInfo } from "./engine-info";
export { formatBackendReport, initBackend } from "./init-backend";
export type {
  BackendReport,
  EngineModuleSpecifier,
  EngineName,
  InitBackendOptions,
  SkippedEngine,
  WasmBinaryName,
  WasmDetails,
} from "./init-backend";
export { listRegisteredKernels, registerKernels, unregisterKernels } from "./register-kernels";
export type { RegisteredKernel } from "./register-kernels";
