import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";

/** The backends every parameterised test runs on (test helper, not part of the public API). */
export const TEST_BACKENDS = ["cpu", "wasm"] as const;

/** Switches tfjs to `name` and fails loudly if it cannot. */
export async function useBackend(name: string): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`test setup: expected backend ${name} to initialise, it did not`);
  await tf.ready();
}
