export { BackendsError } from "./backends-error";
export type { BackendsErrorCode } from "./backends-error";
export { currentEngine } from "./engine-info";
export type { EngineInfo } from "./engine-info";
