import * as tf from "@tensorflow/tfjs";
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from "@tensorflow/tfjs";
import { registerOurKernel } from "../kernel-registry";

type Args = { inputs: Record<string, TensorInfo>; backend: { disposeData(dataId: object): void }; attrs: NamedAttrMap };

/**
 * Replaces the wasm backend's `BatchMatMul` kernel by one that, when asked for a transposed operand (A·Bᵀ, Aᵀ·B,
 * as every matMul gradient and every Dense layer's backward pass asks), transposes it explicitly with the
 * backend's Transpose kernel and then runs the stock kernel untransposed. The stock kernel's transposed forms
 * run at 1–1.6 GFLOP/s against 14–21 for the plain form (tfjs-backend-wasm 4.22, XNNPACK), so this costs one
 * copy and saves ~10× on the product. Results are identical up to float rounding order.
 *
 * Idempotent; does nothing when the wasm backend's kernels are not loaded. Part of {@link registerKernels}
 * (which {@link unregisterKernels} undoes, restoring the stock kernel).
 *
 * @returns true when this call installed the kernel.
 * @example
 * registerTransposeFreeMatMul();
 * tf.matMul(a, b, false, true); // on wasm: transpose(b), then a plain product
 */
export function registerTransposeFreeMatMul(): boolean {
  return registerOurKernel("BatchMatMul", "wasm", transposeFreeMatMulConfig);
}

/**
 * The transpose-free `BatchMatMul` config wrapping the wasm backend's stock one (see
 * {@link registerTransposeFreeMatMul}); undefined while the wasm backend's kernels are not loaded.
 */
export function transposeFreeMatMulConfig(stock: KernelConfig | undefined): KernelConfig | undefined {
  const transpose = tf.getKernel("Transpose", "wasm");
  if (stock === undefined || transpose === undefined) return undefined;
  const stockFunc = stock.kernelFunc as unknown as (args: Args) => TensorInfo;
  const transposeFunc = transpose.kernelFunc as unknown as (args: Args) => TensorInfo;
  const transposeLast2 = (x: TensorInfo, backend: Args["backend"]): TensorInfo => {
    const rank = x.shape.length;
    const perm = [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2];
    return transposeFunc({ inputs: { x }, backend, attrs: { perm } });
  };
  const kernelFunc = ((args: Args) => {
    const { inputs, backend, attrs } = args;
    if (attrs.transposeA !== true && attrs.transposeB !== true) return stockFunc(args);
    const a = inputs.a!;
    const b = inputs.b!;
    const a2 = attrs.transposeA === true ? transposeLast2(a, backend) : a;
    const b2 = attrs.transposeB === true ? transposeLast2(b, backend) : b;
    const out = stockFunc({ inputs: { a: a2, b: b2 }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } });
    if (a2 !== a) backend.disposeData(a2.dataId);
    if (b2 !== b) backend.disposeData(b2.dataId);
    return out;
  }) as unknown as KernelFunc;
  return { ...stock, kernelFunc };
}
