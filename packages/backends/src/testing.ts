/**
 * `@recurrent/backends/testing`: switches for tests and benchmarks that compare the recurrent kernels' fast paths
 * with their slower equivalents (same results). Not for production code, and kept out of the main entry for that
 * reason.
 *
 * @example
 * import { setRecurrentKernelSwitches } from "@recurrent/backends/testing";
 *
 * const before = setRecurrentKernelSwitches({ sequenceKernels: false }); // fast LSTM layers: per-step kernels
 * // … run the comparison …
 * setRecurrentKernelSwitches(before);
 */
export { setRecurrentKernelSwitches } from "./kernels/recurrent/recurrent-kernel-settings";
export type { RecurrentKernelSwitches } from "./kernels/recurrent/recurrent-kernel-settings";
