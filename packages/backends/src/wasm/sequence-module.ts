import { SEQUENCE_RELAXED_WASM_BASE64, SEQUENCE_WASM_BASE64 } from "../../wasm-out/sequence-wasm";
import { decodeBase64 } from "./decode-base64";
import { webAssembly } from "./webassembly-api";

/**
 * Exports of the whole-sequence module (assembly/sequence.ts). Pointers are byte offsets in the shared memory the
 * module imports; the kernels return 0 on success and non-zero when a thread barrier was broken.
 */
export interface SequenceExports {
  lstmSequenceForward(...args: number[]): number;
  lstmSequenceBackward(...args: number[]): number;
  gruSequenceForward(...args: number[]): number;
  gruSequenceBackward(...args: number[]): number;
  simpleRnnSequenceForward(...args: number[]): number;
  simpleRnnSequenceBackward(...args: number[]): number;
  transpose(src: number, dst: number, rows: number, cols: number): void;
  /** Floats of lstmSequenceForward's buffer for the kernels packed in panels. */
  lstmForwardPackFloats(inputDim: number, units: number): number;
  /** Floats of lstmSequenceBackward's buffer for the kernels and dZ packed in panels. */
  lstmBackwardPackFloats(batch: number, time: number, inputDim: number, units: number): number;
  /** Floats of one thread's scratch for the packed matrix products. */
  packScratchFloats(): number;
}

let plain: Uint8Array | undefined;
let relaxed: Uint8Array | undefined;
const plainBytes = (): Uint8Array => (plain ??= decodeBase64(SEQUENCE_WASM_BASE64));
const relaxedBytes = (): Uint8Array => (relaxed ??= decodeBase64(SEQUENCE_RELAXED_WASM_BASE64));

/** Whether this runtime can run the module at all (WebAssembly with SIMD, threads and shared memory). */
export function sequenceModuleSupported(): boolean {
  return webAssembly !== undefined && webAssembly.validate(plainBytes());
}

/**
 * Whether the relaxed-SIMD build may be used under `mode`: never for `"off"`; for `"on"`, after turning on V8's
 * `--experimental-wasm-relaxed-simd` where the engine needs it (Node 20; reached through
 * `process.getBuiltinModule("node:v8")`, so nothing here imports a Node builtin).
 */
export function relaxedSimdUsable(mode: "auto" | "on" | "off"): boolean {
  if (webAssembly === undefined || mode === "off") return false;
  const bytes = relaxedBytes();
  if (!webAssembly.validate(bytes) && mode === "on") {
    const v8 = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.("node:v8") as
      | { setFlagsFromString(flags: string): void }
      | undefined;
    v8?.setFlagsFromString("--experimental-wasm-relaxed-simd");
  }
  return webAssembly.validate(bytes);
}

/**
 * Compiles the module (the relaxed-SIMD build when `relaxedSimd`), synchronously.
 *
 * @throws when this runtime has no WebAssembly or refuses the module.
 */
export function compileSequenceModule(relaxedSimd: boolean): object {
  if (webAssembly === undefined) throw new Error("expected a runtime with WebAssembly, got none");
  return new webAssembly.Module(relaxedSimd ? relaxedBytes() : plainBytes());
}
