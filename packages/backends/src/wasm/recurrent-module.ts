import { RECURRENT_SIMD_WASM_BASE64 } from "../../wasm-out/recurrent-wasm";
import { decodeBase64 } from "./decode-base64";
import { webAssembly } from "./webassembly-api";

/** Exports of the AssemblyScript SIMD module (assembly/recurrent.ts); pointers are byte offsets in the tfjs heap. */
export interface RecurrentSimdExports {
  lstmForward(
    xw: number, hu: number, hPrev: number, cPrev: number, mask: number, recurrentMask: number,
    h: number, c: number, gates: number, hDropped: number,
    batch: number, time: number, units: number, t: number, act: number, rec: number,
  ): void;
  lstmBackward(
    gates: number, c: number, cPrev: number, dhRec: number, dhCarry: number, dOut: number,
    dcNext: number, mask: number, recurrentMask: number, dz: number, dcPrev: number, dhCarryPrev: number,
    batch: number, units: number, outTime: number, maskTime: number, t: number, s: number, act: number, rec: number,
  ): void;
  gruGates(
    xw: number, hu: number, hPrev: number, recurrentBias: number, zr: number, second: number,
    batch: number, time: number, units: number, t: number, rec: number, resetAfter: number,
  ): void;
  gruState(
    xw: number, zr: number, rhu: number, hPrev: number, mask: number, recurrentMask: number, h: number, hh: number,
    hDropped: number, batch: number, time: number, units: number, t: number, act: number,
  ): void;
  gruStateGrad(
    zr: number, hh: number, hPrev: number, dhRec: number, dhCarry: number, dOut: number, mask: number, recurrentMask: number,
    dzh: number, dzz: number, dhPartial: number,
    batch: number, units: number, outTime: number, maskTime: number, t: number, s: number, act: number, rec: number,
  ): void;
  gruGatesGrad(
    dRhOrDzh: number, zr: number, hPrevOrHu: number, recurrentBias: number, dzz: number, dhPartial: number, mask: number,
    recurrentMask: number, dzr: number, dhCarryPrev: number,
    batch: number, units: number, maskTime: number, t: number, rec: number, resetAfter: number,
  ): void;
  simpleForward(
    xw: number, hu: number, hPrev: number, mask: number, recurrentMask: number, h: number, hDropped: number,
    batch: number, time: number, units: number, t: number, act: number,
  ): void;
  adamUpdate(
    x: number, g: number, m: number, v: number, xOut: number, mOut: number, vOut: number, n: number,
    lr: number, beta1: number, beta2: number, epsilon: number, c1: number, c2: number,
  ): void;
  simpleBackward(
    h: number, dhRec: number, dhCarry: number, dOut: number, mask: number, recurrentMask: number, dz: number, dhCarryPrev: number,
    batch: number, units: number, outTime: number, maskTime: number, t: number, s: number, act: number,
  ): void;
}

let compiled: object | null | undefined;
const instances = new WeakMap<object, RecurrentSimdExports | null>();

function compileModule(): object | null {
  if (compiled !== undefined) return compiled;
  try {
    compiled = webAssembly === undefined ? null : new webAssembly.Module(decodeBase64(RECURRENT_SIMD_WASM_BASE64));
  } catch {
    // No SIMD support, or synchronous compilation refused (browser main thread): keep the JavaScript kernels.
    compiled = null;
  }
  return compiled;
}

/**
 * The SIMD kernels bound to a tfjs wasm backend's memory (its `wasm.asm.memory` or `wasm.wasmMemory`, tfjs
 * internals), or null where they cannot be used (no WebAssembly SIMD, synchronous compilation refused, not a wasm
 * backend). The `simdKernels` test switch is applied by the caller ({@link fusedKernelConfig}).
 */
export function simdKernelsFor(backend: unknown): RecurrentSimdExports | null {
  const module = (backend as { wasm?: { asm?: { memory?: unknown }; wasmMemory?: unknown } }).wasm;
  const memory = module?.asm?.memory ?? module?.wasmMemory;
  if (webAssembly === undefined || !(memory instanceof webAssembly.Memory)) return null;
  const cached = instances.get(memory);
  if (cached !== undefined) return cached;
  const mod = compileModule();
  let exports: RecurrentSimdExports | null = null;
  if (mod !== null) {
    try {
      exports = new webAssembly.Instance(mod, { env: { memory } }).exports as unknown as RecurrentSimdExports;
    } catch {
      exports = null;
    }
  }
  instances.set(memory, exports);
  return exports;
}
