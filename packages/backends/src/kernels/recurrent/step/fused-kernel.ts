import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from "@tensorflow/tfjs";
import { BackendsError } from "../../../backends-error";
import { backendArrays } from "../backend-arrays";
import type { RecurrentSimdExports } from "../../../wasm/recurrent-module";
import { simdKernelsFor } from "../../../wasm/recurrent-module";
import { recurrentKernelSettingsStore } from "../recurrent-kernel-settings";

/** Backends the fused recurrent kernels are written for. */
export type FusedKernelBackend = "cpu" | "wasm";

/**
 * A kernel that reads float32 inputs and writes float32 outputs through plain typed arrays, so one implementation
 * serves the cpu backend (JS arrays) and the wasm backend (views on its heap, no copies).
 */
export interface FusedKernelSpec {
  /** Kernel name in the tfjs registry. */
  name: string;
  /** Inputs that must be present. */
  required: readonly string[];
  /** Inputs that may be absent (the kernel treats them as zeros or "no mask"). */
  optional: readonly string[];
  /** Output shapes for the given input shapes; also validates the shapes and attributes. */
  outputShapes(shapes: Readonly<Record<string, readonly number[] | undefined>>, attrs: NamedAttrMap): number[][];
  /** Computes the outputs. `inputs[name]` is `null` for an absent optional input. */
  compute(
    inputs: Readonly<Record<string, Float32Array | null>>,
    outputs: Float32Array[],
    shapes: Readonly<Record<string, readonly number[] | undefined>>,
    attrs: NamedAttrMap,
  ): void;
  /**
   * Optional WebAssembly SIMD implementation for the wasm backend, given the byte offsets of the inputs in the
   * backend's heap (0 for an absent optional input) and of the outputs. Must compute exactly what `compute` does.
   */
  simd?(
    kernels: RecurrentSimdExports,
    inputs: Readonly<Record<string, number>>,
    outputs: number[],
    shapes: Readonly<Record<string, readonly number[] | undefined>>,
    attrs: NamedAttrMap,
  ): void;
}

/** Builds the tfjs kernel config of a fused kernel for one backend. */
export function fusedKernelConfig(spec: FusedKernelSpec, backendName: FusedKernelBackend): KernelConfig {
  const kernelFunc = (({ inputs, backend, attrs }: { inputs: Record<string, TensorInfo | undefined>; backend: unknown; attrs?: NamedAttrMap }) => {
    const attributes = attrs ?? {};
    const shapes: Record<string, readonly number[] | undefined> = {};
    for (const key of spec.required) {
      const info = inputs[key];
      if (info === undefined) {
        throw new BackendsError("KERNEL_INPUT", `${spec.name}: expected input "${key}", got none`);
      }
    }
    for (const key of [...spec.required, ...spec.optional]) {
      const info = inputs[key];
      if (info === undefined || info === null) continue;
      if (info.dtype !== "float32") {
        throw new BackendsError("KERNEL_INPUT", `${spec.name}: expected input "${key}" of dtype float32, got ${info.dtype}`);
      }
      shapes[key] = info.shape;
    }
    const outShapes = spec.outputShapes(shapes, attributes);
    const arrays = backendArrays(backendName, backend);
    // Allocate every output before taking any heap view: an allocation may grow (and so detach) the wasm heap.
    const outInfos = outShapes.map((shape) => arrays.output(shape));
    const read = (info: TensorInfo): Float32Array => arrays.read(info, spec.name);
    const simd =
      backendName === "wasm" && spec.simd !== undefined && recurrentKernelSettingsStore.get().simdKernels ? simdKernelsFor(backend) : null;
    if (simd !== null && spec.simd !== undefined) {
      const offsets: Record<string, number> = {};
      for (const key of [...spec.required, ...spec.optional]) {
        const info = inputs[key];
        offsets[key] = info === undefined || info === null ? 0 : read(info).byteOffset;
      }
      spec.simd(simd, offsets, outInfos.map((info) => read(info).byteOffset), shapes, attributes);
      return outInfos;
    }
    const views: Record<string, Float32Array | null> = {};
    for (const key of [...spec.required, ...spec.optional]) {
      const info = inputs[key];
      views[key] = info === undefined || info === null ? null : read(info);
    }
    const outViews = outInfos.map(read);
    spec.compute(views, outViews, shapes, attributes);
    return outInfos;
  }) as unknown as KernelFunc;
  return { kernelName: spec.name, backendName, kernelFunc };
}

/** Reads a non-negative integer attribute. */
export function intAttr(spec: string, attrs: NamedAttrMap, key: string): number {
  const v = attrs[key];
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
    throw new BackendsError("KERNEL_INPUT", `${spec}: expected attribute "${key}" to be an integer >= 0, got ${String(v)}`);
  }
  return v;
}

/**
 * Reads an optional 0/1 (or boolean) attribute; absent means false.
 *
 * @throws {BackendsError} `KERNEL_INPUT` for any other value.
 */
export function flagAttr(spec: string, attrs: NamedAttrMap, key: string): boolean {
  const v = attrs[key];
  if (v === undefined || v === null || v === 0 || v === false) return false;
  if (v === 1 || v === true) return true;
  throw new BackendsError("KERNEL_INPUT", `${spec}: expected attribute "${key}" to be 0 or 1, got ${String(v)}`);
}

/** Fails when an input that the kernel's variant requires is absent. */
export function requireInput(spec: string, shapes: Readonly<Record<string, readonly number[] | undefined>>, key: string, variant: string): void {
  if (shapes[key] === undefined) throw new BackendsError("KERNEL_INPUT", `${spec}: expected input "${key}" (${variant}), got none`);
}

/** Fails when an input that the kernel's variant does not take is present. */
export function rejectInput(spec: string, shapes: Readonly<Record<string, readonly number[] | undefined>>, key: string, variant: string): void {
  if (shapes[key] !== undefined) throw new BackendsError("KERNEL_INPUT", `${spec}: expected no input "${key}" (${variant}), got one`);
}

/**
 * Checks an optional time-major input `[batch, time, ...trailing]` and that the time index `index` addresses one of
 * its steps. Does nothing when the input is absent.
 *
 * @param trailing the dimensions after time; by default whatever the input has.
 */
export function checkTime(
  spec: string,
  shapes: Readonly<Record<string, readonly number[] | undefined>>,
  key: string,
  batch: number,
  index: number,
  trailing?: readonly number[],
): void {
  const shape = shapes[key];
  if (shape === undefined) return;
  const time = shape[1] ?? 0;
  expectShape(spec, key, shape, [batch, time, ...(trailing ?? shape.slice(2))]);
  if (index >= time) throw new RangeError(`${spec}: expected a time index < ${time} for "${key}", got ${index}`);
}

/** Checks that an input has the expected shape. */
export function expectShape(
  spec: string,
  name: string,
  actual: readonly number[] | undefined,
  expected: readonly number[],
): void {
  if (actual === undefined) return;
  if (actual.length !== expected.length || actual.some((d, i) => d !== expected[i])) {
    throw new BackendsError(
      "KERNEL_INPUT",
      `${spec}: expected input "${name}" of shape [${expected.join(", ")}], got [${actual.join(", ")}]`,
    );
  }
}

/** Shape of a required input (validated to exist by the kernel wrapper). */
export function shapeOf(
  spec: string,
  shapes: Readonly<Record<string, readonly number[] | undefined>>,
  name: string,
  rank: number,
): readonly number[] {
  const s = shapes[name];
  if (s === undefined || s.length !== rank) {
    throw new BackendsError(
      "KERNEL_INPUT",
      `${spec}: expected input "${name}" of rank ${rank}, got ${s === undefined ? "none" : `rank ${s.length}`}`,
    );
  }
  return s;
}
