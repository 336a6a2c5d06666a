import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from "@tensorflow/tfjs";
import { BackendsError } from "../backends-error";

/** The typed arrays a numeric tensor of the supported dtypes is stored in. */
type NumericArray = Float32Array | Int32Array;

/** The shapes and sizes an `UnsortedSegmentSum` call works on, after validation. */
interface SegmentSumPlan {
  /** Output shape: `[numSegments, ...x.shape.slice(segmentIds.rank)]`. */
  outShape: number[];
  /** Number of ids (`segmentIds.size`). */
  numIds: number;
  /** Number of values summed per id (product of the trailing dims of `x`). */
  inner: number;
  numSegments: number;
  dtype: "float32" | "int32";
}

const KERNEL = "UnsortedSegmentSum";

function kernelInputError(message: string): BackendsError {
  return new BackendsError("KERNEL_INPUT", `${KERNEL}: ${message}`);
}

/**
 * Checks the inputs of an `UnsortedSegmentSum` call (shapes, dtypes, `numSegments`) and works out the output.
 * The ids themselves are checked during the accumulation pass, so they are read only once.
 */
function planSegmentSum(x: TensorInfo, segmentIds: TensorInfo, attrs: NamedAttrMap | undefined): SegmentSumPlan {
  const numSegments = attrs?.["numSegments"];
  if (typeof numSegments !== "number" || !Number.isInteger(numSegments) || numSegments < 0) {
    throw kernelInputError(`expected numSegments to be an integer >= 0, got ${String(numSegments)}`);
  }
  if (x.dtype !== "float32" && x.dtype !== "int32") {
    throw kernelInputError(`expected x of dtype float32 or int32, got ${x.dtype}`);
  }
  if (segmentIds.dtype !== "int32") {
    throw kernelInputError(`expected segmentIds of dtype int32, got ${segmentIds.dtype}`);
  }
  const idRank = segmentIds.shape.length;
  const prefix = x.shape.slice(0, idRank);
  if (idRank > x.shape.length || prefix.some((d, i) => d !== segmentIds.shape[i])) {
    throw kernelInputError(
      `expected segmentIds.shape to be a prefix of x.shape [${x.shape.join(", ")}], got [${segmentIds.shape.join(", ")}]`,
    );
  }
  const trailing = x.shape.slice(idRank);
  const inner = trailing.reduce((a, b) => a * b, 1);
  const numIds = segmentIds.shape.reduce((a, b) => a * b, 1);
  return { outShape: [numSegments, ...trailing], numIds, inner, numSegments, dtype: x.dtype };
}

/**
 * The one pass shared by every backend: `out[ids[i], :] += x[i, :]` for each id, in order.
 * `out` must hold zeros on entry. Throws on the first id outside `[0, numSegments)`.
 *
 * @param x values, shape `[numIds, inner]` (flattened).
 * @param ids segment ids, shape `[numIds]`.
 * @param out accumulator, shape `[numSegments, inner]` (flattened), zero-filled.
 * @throws {BackendsError} code `KERNEL_INPUT` when an id is negative or `>= numSegments`.
 */
export function accumulateSegments(
  x: NumericArray,
  ids: Int32Array,
  out: NumericArray,
  inner: number,
  numSegments: number,
): void {
  const n = ids.length;
  if (inner === 1) {
    for (let i = 0; i < n; i++) {
      const s = ids[i] as number;
      if (s < 0 || s >= numSegments) throw outOfRange(s, i, numSegments);
      out[s] = (out[s] as number) + (x[i] as number);
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    const s = ids[i] as number;
    if (s < 0 || s >= numSegments) throw outOfRange(s, i, numSegments);
    const src = i * inner;
    const dst = s * inner;
    for (let j = 0; j < inner; j++) {
      out[dst + j] = (out[dst + j] as number) + (x[src + j] as number);
    }
  }
}

function outOfRange(id: number, index: number, numSegments: number): BackendsError {
  return kernelInputError(`expected segment ids in [0, ${numSegments}), got ${id} at flat index ${index}`);
}

/** What the kernel needs from the cpu backend (`MathBackendCPU` of `@tensorflow/tfjs-backend-cpu`). */
interface CpuBackendLike {
  readSync(dataId: object): unknown;
  makeTensorInfo(shape: number[], dtype: "float32" | "int32", values: NumericArray): TensorInfo;
}

/**
 * `UnsortedSegmentSum` for the `cpu` backend. The stock kernel builds a mask and a sum per segment, so its cost
 * grows with `numSegments` (the vocabulary size when it is the gradient of an Embedding); this one reads the
 * backend's typed arrays in place (`readSync` on the cpu backend returns the stored array, no copy), allocates the
 * output once, and makes one pass over the ids.
 */
export const unsortedSegmentSumCpu: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const plan = planSegmentSum(x, segmentIds, attrs);
  const cpu = backend as CpuBackendLike;
  const xv = cpu.readSync(x.dataId) as NumericArray;
  const ids = cpu.readSync(segmentIds.dataId) as Int32Array;
  const size = plan.numSegments * plan.inner;
  const out = plan.dtype === "int32" ? new Int32Array(size) : new Float32Array(size);
  accumulateSegments(xv, ids, out, plan.inner, plan.numSegments);
  return cpu.makeTensorInfo(plan.outShape, plan.dtype, out);
};

/** What the kernel needs from the wasm backend (`BackendWasm` of `@tensorflow/tfjs-backend-wasm`). */
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: "float32" | "int32"): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): NumericArray | Uint8Array;
  disposeData(dataId: object, force?: boolean): boolean;
}

/**
 * `UnsortedSegmentSum` for the `wasm` backend, which has none. Written in TypeScript against the wasm heap: the
 * output is allocated on the heap first (`makeOutput`, which may grow the heap and so detach older views), then
 * `x`, the ids and the output are viewed in place (`typedArrayFromHeap`, no copies), the output is zero-filled
 * (`malloc` does not clear) and the ids are read in one pass. On an out-of-range id the output is freed before
 * the error propagates, so nothing leaks.
 */
export const unsortedSegmentSumWasm: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const plan = planSegmentSum(x, segmentIds, attrs);
  const wasm = backend as WasmBackendLike;
  const outInfo = wasm.makeOutput(plan.outShape, plan.dtype);
  try {
    const out = wasm.typedArrayFromHeap(outInfo) as NumericArray;
    out.fill(0);
    if (plan.numIds > 0) {
      const xv = wasm.typedArrayFromHeap(x) as NumericArray;
      const ids = wasm.typedArrayFromHeap(segmentIds) as Int32Array;
      accumulateSegments(xv, ids, out, plan.inner, plan.numSegments);
    }
  } catch (error) {
    wasm.disposeData(outInfo.dataId, true);
    throw error;
  }
  return outInfo;
};

/** Kernel configs for `UnsortedSegmentSum` on `cpu` and `wasm`. */
export const unsortedSegmentSumConfigs: KernelConfig[] = [
  { kernelName: KERNEL, backendName: "cpu", kernelFunc: unsortedSegmentSumCpu },
  { kernelName: KERNEL, backendName: "wasm", kernelFunc: unsortedSegmentSumWasm },
];
