import type { TensorInfo } from "@tensorflow/tfjs";
import { BackendsError } from "../../backends-error";

/** The backend internals the kernels use (tfjs-backend-cpu `MathBackendCPU`). */
interface CpuBackendInternals {
  data: { get(dataId: object): { values?: unknown } | undefined };
  makeTensorInfo(shape: number[], dtype: "float32" | "int32", values: Float32Array | Int32Array): TensorInfo;
}

/** The backend internals the kernels use (tfjs-backend-wasm `BackendWasm`). */
interface WasmBackendInternals {
  makeOutput(shape: number[], dtype: "float32" | "int32"): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array;
}

/** Number of values of a shape. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Float32 storage of the cpu and wasm backends seen as plain typed arrays: the cpu backend's own arrays, views on
 * the wasm backend's heap (no copies either way).
 */
export interface BackendArrays {
  /** Allocates a float32 output tensor of `shape`. */
  output(shape: number[]): TensorInfo;
  /**
   * The values of a float32 tensor. On wasm a view of the heap: take it after the last {@link output} of the call,
   * since an allocation may grow (and so detach) the heap.
   */
  read(info: TensorInfo, kernel: string): Float32Array;
  /** An int32 tensor of `shape` holding `values`. */
  int32(shape: number[], values: Int32Array): TensorInfo;
  /** The values of an int32 tensor. */
  readInt32(info: TensorInfo, kernel: string): Int32Array;
}

/** {@link BackendArrays} for a backend instance of the given name. */
export function backendArrays(backendName: "cpu" | "wasm", backend: unknown): BackendArrays {
  if (backendName === "wasm") {
    const wasm = backend as WasmBackendInternals;
    return {
      output: (shape) => wasm.makeOutput(shape, "float32"),
      read: (info) => wasm.typedArrayFromHeap(info) as Float32Array,
      int32: (shape, values) => {
        const info = wasm.makeOutput(shape, "int32");
        (wasm.typedArrayFromHeap(info) as Int32Array).set(values);
        return info;
      },
      readInt32: (info, kernel) => {
        if (info.dtype !== "int32") throw new BackendsError("KERNEL_INPUT", `${kernel}: expected an int32 tensor, got ${info.dtype}`);
        return wasm.typedArrayFromHeap(info) as Int32Array;
      },
    };
  }
  const cpu = backend as CpuBackendInternals;
  return {
    output: (shape) => cpu.makeTensorInfo(shape, "float32", new Float32Array(sizeOf(shape))),
    read: (info, kernel) => {
      const values = cpu.data.get(info.dataId)?.values;
      if (values instanceof Float32Array) return values;
      // A float32 tensor made by casting may still hold its source's array type on the cpu backend.
      if (ArrayBuffer.isView(values) && !(values instanceof DataView)) {
        return Float32Array.from(values as unknown as ArrayLike<number>);
      }
      throw new BackendsError("KERNEL_INPUT", `${kernel}: expected numeric values on the cpu backend`);
    },
    int32: (shape, values) => cpu.makeTensorInfo(shape, "int32", values),
    readInt32: (info, kernel) => {
      const values = cpu.data.get(info.dataId)?.values;
      if (info.dtype === "int32" && values instanceof Int32Array) return values;
      throw new BackendsError("KERNEL_INPUT", `${kernel}: expected an int32 tensor, got ${info.dtype}`);
    },
  };
}
