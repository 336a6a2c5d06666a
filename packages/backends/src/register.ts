/**
 * Import for its side effect: registers this package's kernels (see `registerKernels`).
 *
 * @example
 * import "@recurrent/backends/register";
 */
import { registerKernels } from "./index";

registerKernels();
