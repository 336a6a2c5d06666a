import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from "@tensorflow/tfjs";
import { BackendsError } from "../backends-error";

type Args = { inputs: Record<string, TensorInfo>; backend: unknown; attrs: NamedAttrMap };

interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: string): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/** Below this row length a row is copied value by value (cheaper than a subarray per row). */
const SHORT_ROW = 64;

/**
 * The wasm `GatherV2` config wrapping the stock one: the Embedding layer's lookup (`axis` 0, `batchDims` 0,
 * float32 or int32 rows, int32 ids) as one row copy per id. The stock kernel computes an index per VALUE and
 * takes about 0.5 µs per 20-value row (8 ms for a batch of 32 × 500 ids); this takes about 0.02 µs. Every other
 * case goes to the stock kernel. Ids outside `[0, rows)` raise `BackendsError` `KERNEL_INPUT`, like the cpu
 * backend's check (the stock wasm kernel reads outside the table instead). Undefined while the wasm backend's
 * kernels are not loaded.
 */
export function gatherRowsConfig(stock: KernelConfig | undefined): KernelConfig | undefined {
  if (stock === undefined) return undefined;
  const stockFunc = stock.kernelFunc as unknown as (args: Args) => TensorInfo;
  const kernelFunc = ((args: Args) => {
    const { inputs, backend, attrs } = args;
    const x = inputs.x!;
    const indices = inputs.indices!;
    const axis = Number(attrs.axis ?? 0);
    const batchDims = Number(attrs.batchDims ?? 0);
    if ((axis !== 0 && axis !== -x.shape.length) || batchDims !== 0 || indices.dtype !== "int32" || x.shape.length < 1 ||
      (x.dtype !== "float32" && x.dtype !== "int32")) {
      return stockFunc(args);
    }
    const wasm = backend as WasmHeapBackend;
    const rows = x.shape[0]!;
    const width = x.shape.slice(1).reduce((a, b) => a * b, 1);
    const out = wasm.makeOutput([...indices.shape, ...x.shape.slice(1)], x.dtype);
    // views after the allocation (it may grow the heap)
    const ids = wasm.typedArrayFromHeap(indices) as Int32Array;
    const table = wasm.typedArrayFromHeap(x) as Float32Array | Int32Array;
    const dst = wasm.typedArrayFromHeap(out) as Float32Array | Int32Array;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (id < 0 || id >= rows) {
        (backend as { disposeData(dataId: object): void }).disposeData(out.dataId);
        throw new BackendsError("KERNEL_INPUT", `GatherV2: expected indices in [0, ${rows - 1}], got ${id} at position ${i}`);
      }
      const from = id * width;
      const to = i * width;
      if (width < SHORT_ROW) {
        for (let k = 0; k < width; k++) dst[to + k] = table[from + k]!;
      } else {
        dst.set(table.subarray(from, from + width), to);
      }
    }
    return out;
  }) as unknown as KernelFunc;
  return { ...stock, kernelFunc };
}
