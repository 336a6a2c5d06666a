import { RECURRENT_SIMD_WASM_BASE64 } from "../../wasm-out/recurrent-wasm";
import { decodeBase64 } from "./decode-base64";

/** Exports of the AssemblyScript SIMD module (assembly/recurrent.ts); pointers are byte offsets in the tfjs heap. */
export interface RecurrentSimdExports {
  lstmForward(
    xw: number, hu: number, hPrev: number, cPrev: number, mask: number,
    h: number, c: number, gates: number,
    batch: number, time: number, units: number, t: number, act: number, rec: number,
  ): void;
  lstmBackward(
    gates: number, c: number, cPrev: number, dhRec: number, dhCarry: number, dOut: number,
    dcNext: number, mask: number, dz: number, dcPrev: number, dhCarryPrev: number,
    batch: number, units: number, outTime: number, maskTime: number, t: number, s: number, act: number, rec: number,
  ): void;
  gruGates(
    xw: number, hu: number, hPrev: number, zr: number, rh: number,
    batch: number, time: number, units: number, t: number, rec: number,
  ): void;
  gruState(
    xw: number, zr: number, rhu: number, hPrev: number, mask: number, h: number, hh: number,
    batch: number, time: number, units: number, t: number, act: number,
  ): void;
  gruStateGrad(
    zr: number, hh: number, hPrev: number, dhRec: number, dhCarry: number, dOut: number, mask: number,
    dzh: number, dzz: number, dhPartial: number,
    batch: number, units: number, outTime: number, maskTime: number, t: number, s: number, act: number, rec: number,
  ): void;
  gruGatesGrad(
    dRh: number, zr: number, hPrev: number, dzz: number, dhPartial: number, mask: number, dzr: number, dhCarryPrev: number,
    batch: number, units: number, maskTime: number, t: number, rec: number,
  ): void;
  simpleForward(
    xw: number, hu: number, hPrev: number, mask: number, h: number,
    batch: number, time: number, units: number, t: number, act: number,
  ): void;
  adamUpdate(
    x: number, g: number, m: number, v: number, xOut: number, mOut: number, vOut: number, n: number,
    lr: number, beta1: number, beta2: number, epsilon: number, c1: number, c2: number,
  ): void;
  simpleBackward(
    h: number, dhRec: number, dhCarry: number, dOut: number, mask: number, dz: number, dhCarryPrev: number,
    batch: number, units: number, outTime: number, maskTime: number, t: number, s: number, act: number,
  ): void;
}

/** The parts of the WebAssembly JS API used here (the package's TypeScript lib has no DOM/WebAssembly types). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (descriptor: { initial: number }) => object;
}
const wasmApi = (globalThis as unknown as { WebAssembly?: WebAssemblyApi }).WebAssembly;

let enabled = true;
let compiled: object | null | undefined;
const instances = new WeakMap<object, RecurrentSimdExports | null>();

/**
 * Turns the WebAssembly SIMD versions of the fused kernels on or off (they are on by default; when off, or where
 * WebAssembly SIMD is unavailable, the wasm backend runs the same kernels in JavaScript on its heap).
 *
 * @param on whether to use the SIMD kernels.
 * @returns the previous setting.
 * @example
 * const before = setRecurrentSimdKernels(false); // compare against the JavaScript kernels
 * setRecurrentSimdKernels(before);
 */
export function setRecurrentSimdKernels(on: boolean): boolean {
  if (typeof on !== "boolean") throw new TypeError(`expected a boolean, got ${typeof on}`);
  const before = enabled;
  enabled = on;
  return before;
}


function compileModule(): object | null {
  if (compiled !== undefined) return compiled;
  try {
    compiled = wasmApi === undefined ? null : new wasmApi.Module(decodeBase64(RECURRENT_SIMD_WASM_BASE64));
  } catch {
    // No SIMD support, or synchronous compilation refused (browser main thread): keep the JavaScript kernels.
    compiled = null;
  }
  return compiled;
}

/**
 * The SIMD kernels bound to a tfjs wasm backend's memory, or null when they are disabled or cannot be used.
 */
export function simdKernelsFor(backend: unknown): RecurrentSimdExports | null {
  if (!enabled) return null;
  const module = (backend as { wasm?: { asm?: { memory?: unknown }; wasmMemory?: unknown } }).wasm;
  const memory = module?.asm?.memory ?? module?.wasmMemory;
  if (wasmApi === undefined || !(memory instanceof wasmApi.Memory)) return null;
  const cached = instances.get(memory);
  if (cached !== undefined) return cached;
  const mod = compileModule();
  let exports: RecurrentSimdExports | null = null;
  if (mod !== null) {
    try {
      exports = new wasmApi.Instance(mod, { env: { memory } }).exports as unknown as RecurrentSimdExports;
    } catch {
      exports = null;
    }
  }
  instances.set(memory, exports);
  return exports;
}
