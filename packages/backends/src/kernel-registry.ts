import * as tf from "@tensorflow/tfjs";
import type { KernelConfig } from "@tensorflow/tfjs";

/**
 * Marks the kernel configs this package registers, with the stock config each one replaced. A process-wide
 * symbol, so that two copies of this package (an ESM and a CJS build, say) recognise each other's kernels and
 * neither registers twice nor forgets what to restore.
 */
const MARK = Symbol.for("@recurrent/backends/kernel");

type MarkedConfig = KernelConfig & { [MARK]: { stock: KernelConfig | undefined } };

/** The registered config for a kernel when it is one of ours, else undefined. */
export function ourKernel(kernelName: string, backendName: string): MarkedConfig | undefined {
  const current = tf.getKernel(kernelName, backendName) as Partial<MarkedConfig> | undefined;
  return current !== undefined && current[MARK] !== undefined ? (current as MarkedConfig) : undefined;
}

/**
 * Registers `config` in place of whatever the registry holds for its kernel and backend, remembering the stock
 * config so {@link restoreStockKernel} can put it back. Does nothing when one of ours is there already.
 *
 * @param makeConfig builds our config, given the stock one (for kernels that wrap the stock kernel).
 * @returns true when this call registered the kernel.
 */
export function registerOurKernel(
  kernelName: string,
  backendName: string,
  makeConfig: (stock: KernelConfig | undefined) => KernelConfig | undefined,
): boolean {
  if (ourKernel(kernelName, backendName) !== undefined) return false;
  const stock = tf.getKernel(kernelName, backendName);
  const config = makeConfig(stock);
  if (config === undefined) return false;
  // Unregister first: registerKernel warns when it overwrites an entry.
  if (stock !== undefined) tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel({ ...config, kernelName, backendName, [MARK]: { stock } } as MarkedConfig);
  return true;
}

/**
 * Removes our kernel, if registered, and puts back the stock config it replaced (if there was one).
 *
 * @returns true when this call removed one of ours.
 */
export function restoreStockKernel(kernelName: string, backendName: string): boolean {
  const ours = ourKernel(kernelName, backendName);
  if (ours === undefined) return false;
  tf.unregisterKernel(kernelName, backendName);
  const stock = ours[MARK].stock;
  if (stock !== undefined) tf.registerKernel(stock);
  return true;
}

/** The stock config one of our kernels replaced, or undefined where there was none. */
export function stockOf(ours: ReturnType<typeof ourKernel> & object): KernelConfig | undefined {
  return ours[MARK].stock;
}
