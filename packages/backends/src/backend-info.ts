import * as tf from "@tensorflow/tfjs";

/** What TensorFlow.js is running on right now. */
export interface EngineInfo {
  /** The active backend's name (`"cpu"`, `"wasm"`, `"tensorflow"`, …). */
  backend: string;
  /** The version of `@tensorflow/tfjs-core` in use. */
  tfjsVersion: string;
  /** Backends registered with the engine, whether initialised or not. */
  registered: string[];
}

/**
 * Describes the TensorFlow.js engine currently in use.
 *
 * @example
 * await tf.ready();
 * currentEngine() // { backend: "cpu", tfjsVersion: "4.22.0", registered: ["cpu", "webgl"] }
 */
export function currentEngine(): EngineInfo {
  const registered = Object.keys(tf.engine().registryFactory);
  return {
    backend: tf.getBackend(),
    tfjsVersion: tf.version_core,
    registered,
  };
}
