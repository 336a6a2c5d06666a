import * as tf from "@tensorflow/tfjs";

/** What TensorFlow.js is running on right now. */
export interface BackendInfo {
  /** The active backend's name (`"cpu"`, `"wasm"`, `"tensorflow"`, …). */
  backend: string;
  /** The version of `@tensorflow/tfjs-core` in use. */
  tfjsVersion: string;
  /** Backends registered with tfjs, whether initialised or not. */
  registered: string[];
}

/**
 * Describes the TensorFlow.js backend currently in use.
 *
 * @example
 * import * as tf from "@tensorflow/tfjs";
 * import { currentBackend } from "@recurrent/backends";
 *
 * await tf.ready();
 * console.log(currentBackend()); // { backend: "cpu", tfjsVersion: "4.22.0", registered: ["cpu", "webgl"] }
 */
export function currentBackend(): BackendInfo {
  return {
    backend: tf.getBackend(),
    tfjsVersion: tf.version_core,
    registered: tf.engine().backendNames(),
  };
}
