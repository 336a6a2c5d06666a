import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from "@tensorflow/tfjs";
import { BackendsError } from "../../backends-error";
import { expectShape, shapeOf } from "./fused-kernel";
import { lstmStepSpec } from "./lstm-step";
import { activationCode } from "./recurrent-activation";
import { simdKernelsFor } from "./recurrent-simd-module";

/** Kernel name of a whole LSTM sequence, forward only (inference), on the wasm backend. */
export const LSTM_SEQUENCE = "RecurrentLstmSequence";

/** The tfjs-backend-wasm internals this kernel uses. */
interface WasmBackendInternals {
  wasm: {
    cwrap(name: string, ret: null, args: string[]): (...args: unknown[]) => void;
    HEAPF32: Float32Array;
  };
  dataIdMap: { get(dataId: object): { id: number; memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: "float32"): TensorInfo;
  disposeData(dataId: object): boolean;
}

type BatchMatMulFn = (
  aId: number, aShape: Uint8Array, aRank: number, bId: number, bShape: Uint8Array, bRank: number,
  transposeA: boolean, transposeB: boolean, outId: number,
) => void;

const matMulFns = new WeakMap<object, BatchMatMulFn>();

function shapeBytes(shape: number[]): Uint8Array {
  return new Uint8Array(new Int32Array(shape).buffer);
}

/**
 * A whole LSTM sequence in one kernel call, for inference on the wasm backend: per time step the backend's own
 * XNNPACK product (called directly, without going through the tfjs engine) and the fused step (SIMD where
 * available), on buffers allocated once, so a step costs no tensor allocation and no engine bookkeeping.
 *
 * Inputs: `xw` `[batch, time, 4·units]` (x·kernel + bias), `u` `[units, 4·units]`, `h0`, `c0` `[batch, units]`,
 * optional `mask` `[batch, time]`. Attributes: `activation`, `recurrentActivation`, `goBackwards` (0/1),
 * `returnSequences` (0/1). Outputs: with returnSequences `y` `[batch, time, units]` (processing order, as
 * tf.layers) then `hT`, `cT`; without, `hT`, `cT`.
 */
const lstmSequenceKernel = (({ inputs, backend, attrs }: { inputs: Record<string, TensorInfo | undefined>; backend: unknown; attrs?: NamedAttrMap }) => {
  const wasm = backend as WasmBackendInternals;
  const a = attrs ?? {};
  const shapes: Record<string, readonly number[] | undefined> = {};
  for (const key of ["xw", "u", "h0", "c0", "mask"]) {
    const info = inputs[key];
    if (info === undefined) continue;
    if (info.dtype !== "float32") {
      throw new BackendsError("KERNEL_INPUT", `${LSTM_SEQUENCE}: expected input "${key}" of dtype float32, got ${info.dtype}`);
    }
    shapes[key] = info.shape;
  }
  for (const key of ["xw", "u", "h0", "c0"]) {
    if (inputs[key] === undefined) throw new BackendsError("KERNEL_INPUT", `${LSTM_SEQUENCE}: expected input "${key}", got none`);
  }
  const [batch, time, g4] = shapeOf(LSTM_SEQUENCE, shapes, "xw", 3) as [number, number, number];
  const units = g4 / 4;
  expectShape(LSTM_SEQUENCE, "u", shapes.u, [units, g4]);
  expectShape(LSTM_SEQUENCE, "h0", shapes.h0, [batch, units]);
  expectShape(LSTM_SEQUENCE, "c0", shapes.c0, [batch, units]);
  expectShape(LSTM_SEQUENCE, "mask", shapes.mask, [batch, time]);
  const act = activationCode(a.activation);
  const rec = activationCode(a.recurrentActivation);
  const goBackwards = a.goBackwards === 1 || a.goBackwards === true;
  const returnSequences = a.returnSequences === 1 || a.returnSequences === true;

  let matMul = matMulFns.get(backend as object);
  if (matMul === undefined) {
    matMul = wasm.wasm.cwrap("BatchMatMul", null, ["number", "array", "number", "number", "array", "number", "number", "number", "number"]) as BatchMatMulFn;
    matMulFns.set(backend as object, matMul);
  }
  const y = returnSequences ? wasm.makeOutput([batch, time, units], "float32") : null;
  const hT = wasm.makeOutput([batch, units], "float32");
  const cT = wasm.makeOutput([batch, units], "float32");
  const scratch = {
    hu: wasm.makeOutput([batch, g4], "float32"),
    gates: wasm.makeOutput([batch, g4], "float32"),
    h: wasm.makeOutput([batch, units], "float32"),
    c: wasm.makeOutput([batch, units], "float32"),
  };
  const entry = (info: TensorInfo): { id: number; memoryOffset: number } => wasm.dataIdMap.get(info.dataId)!;
  const xw = entry(inputs.xw!);
  const u = entry(inputs.u!);
  const maskOffset = inputs.mask === undefined ? 0 : entry(inputs.mask).memoryOffset;
  const hu = entry(scratch.hu);
  const gates = entry(scratch.gates);
  // ping-pong state buffers, arranged so that the last step writes hT / cT
  const last = { h: entry(hT), c: entry(cT) };
  const other = { h: entry(scratch.h), c: entry(scratch.c) };
  let prev = { h: entry(inputs.h0!), c: entry(inputs.c0!) };
  const aShape = shapeBytes([1, batch, units]);
  const bShape = shapeBytes([1, units, g4]);
  const simd = simdKernelsFor(backend);
  const attrsJs: NamedAttrMap = { activation: a.activation!, recurrentActivation: a.recurrentActivation! };
  const yOffset = y === null ? 0 : entry(y).memoryOffset;
  for (let s = 0; s < time; s++) {
    const t = goBackwards ? time - 1 - s : s;
    const next = (time - 1 - s) % 2 === 0 ? last : other;
    matMul(prev.h.id, aShape, 3, u.id, bShape, 3, false, false, hu.id);
    if (simd !== null) {
      simd.lstmForward(xw.memoryOffset, hu.memoryOffset, prev.h.memoryOffset, prev.c.memoryOffset, maskOffset,
        next.h.memoryOffset, next.c.memoryOffset, gates.memoryOffset, batch, time, units, t, act, rec);
    } else {
      // the heap may have grown (and its old views detached) during the product: take views now
      const heap = wasm.wasm.HEAPF32;
      const view = (offset: number, n: number): Float32Array => new Float32Array(heap.buffer, offset, n);
      lstmStepSpec.compute(
        {
          xw: view(xw.memoryOffset, batch * time * g4),
          hu: view(hu.memoryOffset, batch * g4),
          hPrev: view(prev.h.memoryOffset, batch * units),
          cPrev: view(prev.c.memoryOffset, batch * units),
          mask: maskOffset === 0 ? null : view(maskOffset, batch * time),
        },
        [view(next.h.memoryOffset, batch * units), view(next.c.memoryOffset, batch * units), view(gates.memoryOffset, batch * g4)],
        shapes,
        { ...attrsJs, t },
      );
    }
    if (y !== null) {
      const heap = wasm.wasm.HEAPF32;
      const src = next.h.memoryOffset >> 2;
      const dst = yOffset >> 2;
      for (let b = 0; b < batch; b++) heap.copyWithin(dst + (b * time + s) * units, src + b * units, src + (b + 1) * units);
    }
    prev = next;
  }
  for (const info of Object.values(scratch)) wasm.disposeData(info.dataId);
  return y === null ? [hT, cT] : [y, hT, cT];
}) as unknown as KernelFunc;

/** The kernel config of {@link LSTM_SEQUENCE} (wasm only). */
export const lstmSequenceWasmConfig: KernelConfig = { kernelName: LSTM_SEQUENCE, backendName: "wasm", kernelFunc: lstmSequenceKernel };
