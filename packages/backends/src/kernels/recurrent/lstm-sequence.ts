import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from "@tensorflow/tfjs";
import { BackendsError } from "../../backends-error";
import type { FusedKernelBackend } from "./fused-kernel";
import { expectShape } from "./fused-kernel";
import { backendArrays } from "./backend-arrays";
import { activationCode } from "./recurrent-activation";
import type { KeptBlock } from "./sequence-threads";
import { sequenceEngine } from "./sequence-threads";

/**
 * Kernel name of a whole LSTM sequence (`tf.layers.lstm` semantics, gate order i, f, c, o), forward.
 *
 * Inputs: `x` `[batch, time, inputDim]`, `kernel` `[inputDim, 4·units]`, optional `bias` `[4·units]`, `u` (the
 * recurrent kernel) `[units, 4·units]`, `h0`, `c0` `[batch, units]`, optional `mask` `[batch, time]` (1 = real
 * step, 0 = padding: the state is carried over). The input projections x·kernel + bias are computed inside, by
 * the threads that use them. Attributes:
 * `activation`, `recurrentActivation`, `goBackwards` (0/1), `returnSequences` (0/1), `forGradient` (0/1).
 *
 * Outputs: `[y, hT, cT]` with returnSequences (y `[batch, time, units]` in processing order, as tf.layers orders
 * a goBackwards output) or `[hT, cT]` without. With `forGradient` 1, one more output: `saved`, an int32 `[1]`
 * handle to what {@link LSTM_SEQUENCE_GRAD} needs (the inputs, gates, cell and hidden states of every step),
 * which stay in the kernels' shared memory until that backward call: no copies out and back in.
 */
export const LSTM_SEQUENCE = "RecurrentLstmSequence";

/**
 * Kernel name of the backward pass (BPTT over the whole sequence) of {@link LSTM_SEQUENCE}.
 *
 * Inputs: `saved` (the handle output by the forward call with `forGradient` 1; released by this call) and the
 * incoming gradients, each optional: `dy` `[batch, time, units]` (of the output sequence, by processing step),
 * `dh`, `dc` `[batch, units]` (of the final state). Outputs: `[dx, dkernel, du, dbias, dh0, dc0]`, shaped as the
 * forward call's x, kernel, u, bias (`[4·units]`, also when it had no bias), h0 and c0. A handle can be used
 * once; when more than 64 forward calls wait for their backward call, the oldest handle is released.
 */
export const LSTM_SEQUENCE_GRAD = "RecurrentLstmSequenceGrad";

type Inputs = Record<string, TensorInfo | undefined>;

function flag(attrs: NamedAttrMap, key: string): number {
  const v = attrs[key];
  return v === 1 || v === true ? 1 : 0;
}

/** Checks dtypes and presence; returns the shapes of the inputs that are present. */
function checkInputs(kernel: string, inputs: Inputs, required: readonly string[], optional: readonly string[]): Record<string, number[]> {
  const shapes: Record<string, number[]> = {};
  for (const key of required) {
    if (inputs[key] === undefined) throw new BackendsError("KERNEL_INPUT", `${kernel}: expected input "${key}", got none`);
  }
  for (const key of [...required, ...optional]) {
    const info = inputs[key];
    if (info === undefined) continue;
    if (info.dtype !== "float32") {
      throw new BackendsError("KERNEL_INPUT", `${kernel}: expected input "${key}" of dtype float32, got ${info.dtype}`);
    }
    shapes[key] = info.shape;
  }
  return shapes;
}

function unavailable(kernel: string): never {
  throw new BackendsError(
    "KERNEL_INPUT",
    `${kernel}: expected WebAssembly with SIMD and shared memory (threads), got an engine without them; use the per-step kernels`,
  );
}

/** Checks x, kernel, bias, u, h0, c0 and mask; returns [batch, time, inputDim, units]. */
function checkLayerInputs(kernel: string, shapes: Record<string, number[]>): [number, number, number, number] {
  const xShape = shapes.x!;
  const kShape = shapes.kernel!;
  if (xShape.length !== 3 || xShape[1]! < 1) {
    throw new BackendsError("KERNEL_INPUT", `${kernel}: expected input "x" of shape [batch, time ≥ 1, inputDim], got [${xShape.join(", ")}]`);
  }
  if (kShape.length !== 2 || kShape[1]! % 4 !== 0 || kShape[1]! === 0) {
    throw new BackendsError("KERNEL_INPUT", `${kernel}: expected input "kernel" of shape [inputDim, 4·units], got [${kShape.join(", ")}]`);
  }
  const [batch, time, inputDim] = xShape as [number, number, number];
  const g4 = kShape[1]!;
  const units = g4 / 4;
  expectShape(kernel, "kernel", kShape, [inputDim, g4]);
  expectShape(kernel, "bias", shapes.bias, [g4]);
  expectShape(kernel, "u", shapes.u, [units, g4]);
  expectShape(kernel, "h0", shapes.h0, [batch, units]);
  expectShape(kernel, "c0", shapes.c0, [batch, units]);
  expectShape(kernel, "mask", shapes.mask, [batch, time]);
  return [batch, time, inputDim, units];
}

function forwardKernel(backendName: FusedKernelBackend): KernelFunc {
  return (({ inputs, backend, attrs }: { inputs: Inputs; backend: unknown; attrs?: NamedAttrMap }) => {
    const a = attrs ?? {};
    const shapes = checkInputs(LSTM_SEQUENCE, inputs, ["x", "kernel", "u", "h0", "c0"], ["bias", "mask"]);
    const [batch, time, inputDim, units] = checkLayerInputs(LSTM_SEQUENCE, shapes);
    const g4 = 4 * units;
    const act = activationCode(a.activation);
    const rec = activationCode(a.recurrentActivation);
    const goBackwards = flag(a, "goBackwards");
    const returnSequences = flag(a, "returnSequences");
    const forGradient = flag(a, "forGradient") === 1;
    const engine = sequenceEngine() ?? unavailable(LSTM_SEQUENCE);
    const arrays = backendArrays(backendName, backend);

    const seq = batch * time * units;
    const state = batch * units;
    const outY = returnSequences === 1 ? arrays.output([batch, time, units]) : null;
    const outH = arrays.output([batch, units]);
    const outC = arrays.output([batch, units]);

    const masked = inputs.mask !== undefined;
    // What the backward pass needs, in a block kept after this call when forGradient (else in scratch).
    const sizes = {
      x: batch * time * inputDim,
      wT: inputDim * g4,
      uT: units * g4,
      h0: state,
      c0: state,
      mask: masked ? batch * time : 0,
      y: seq,
      cs: seq,
      gates: seq * 4,
    };
    const offsets: Record<string, number> = {};
    let block: KeptBlock | null = null;
    if (forGradient) {
      let bytes = 0;
      for (const [key, n] of Object.entries(sizes)) {
        offsets[key] = bytes;
        bytes += Math.ceil((n * 4) / 16) * 16;
      }
      block = engine.keep(bytes, { batch, time, inputDim, units, act, rec, goBackwards, masked: masked ? 1 : 0 });
      for (const key of Object.keys(sizes)) offsets[key] = offsets[key]! + block.offset;
    } else {
      for (const [key, n] of Object.entries(sizes)) offsets[key] = n === 0 ? 0 : engine.alloc(n);
    }
    try {
      const w = engine.alloc(inputDim * g4);
      const bias = inputs.bias === undefined ? 0 : engine.alloc(g4);
      const u = engine.alloc(units * g4);
      const xw = engine.alloc(seq * 4);
      const hT = engine.alloc(state);
      const cT = engine.alloc(state);
      const z = engine.alloc(batch * g4);
      engine.commit();
      const read = (key: string): Float32Array => arrays.read(inputs[key]!, LSTM_SEQUENCE);
      engine.write(offsets.x!, read("x"));
      engine.write(w, read("kernel"));
      if (bias !== 0) engine.write(bias, read("bias"));
      engine.write(u, read("u"));
      engine.write(offsets.h0!, read("h0"));
      engine.write(offsets.c0!, read("c0"));
      if (masked) engine.write(offsets.mask!, read("mask"));
      engine.run("lstmSequenceForward", [
        offsets.x!, w, bias, u, offsets.h0!, offsets.c0!, masked ? offsets.mask! : 0, xw, offsets.y!, offsets.cs!, offsets.gates!,
        hT, cT, z, engine.barrier, batch, time, inputDim, units, goBackwards, act, rec,
      ]);
      if (forGradient) {
        engine.exports.transpose(w, offsets.wT!, inputDim, g4);
        engine.exports.transpose(u, offsets.uT!, units, g4);
      }
      if (outY !== null) arrays.read(outY, LSTM_SEQUENCE).set(engine.view(offsets.y!, seq));
      arrays.read(outH, LSTM_SEQUENCE).set(engine.view(hT, state));
      arrays.read(outC, LSTM_SEQUENCE).set(engine.view(cT, state));
    } catch (e) {
      if (block !== null) engine.release(block.id);
      throw e;
    } finally {
      engine.reset();
    }
    const outs = outY === null ? [outH, outC] : [outY, outH, outC];
    if (block !== null) outs.push(arrays.int32([1], Int32Array.of(block.id)));
    return outs;
  }) as unknown as KernelFunc;
}

function backwardKernel(backendName: FusedKernelBackend): KernelFunc {
  return (({ inputs, backend }: { inputs: Inputs; backend: unknown }) => {
    if (inputs.saved === undefined) throw new BackendsError("KERNEL_INPUT", `${LSTM_SEQUENCE_GRAD}: expected input "saved", got none`);
    const engine = sequenceEngine() ?? unavailable(LSTM_SEQUENCE_GRAD);
    const arrays = backendArrays(backendName, backend);
    const handle = arrays.readInt32(inputs.saved, LSTM_SEQUENCE_GRAD)[0] ?? 0;
    const block = engine.keptBlock(handle, LSTM_SEQUENCE_GRAD);
    const { batch, time, inputDim, units, act, rec, goBackwards, masked } = block.meta as Record<string, number>;
    const [B, T, D, U] = [batch!, time!, inputDim!, units!];
    const g4 = 4 * U;
    const shapes = checkInputs(LSTM_SEQUENCE_GRAD, inputs, [], ["dy", "dh", "dc"]);
    expectShape(LSTM_SEQUENCE_GRAD, "dy", shapes.dy, [B, T, U]);
    expectShape(LSTM_SEQUENCE_GRAD, "dh", shapes.dh, [B, U]);
    expectShape(LSTM_SEQUENCE_GRAD, "dc", shapes.dc, [B, U]);
    const seq = B * T * U;
    const state = B * U;
    // the block's arrays, in the order the forward kernel laid them out
    const at: Record<string, number> = {};
    let offset = block.offset;
    const sizes: [string, number][] = [
      ["x", B * T * D], ["wT", D * g4], ["uT", U * g4], ["h0", state], ["c0", state], ["mask", masked === 1 ? B * T : 0],
      ["y", seq], ["cs", seq], ["gates", seq * 4],
    ];
    for (const [key, n] of sizes) {
      at[key] = offset;
      offset += Math.ceil((n * 4) / 16) * 16;
    }
    const outDx = arrays.output([B, T, D]);
    const outDw = arrays.output([D, g4]);
    const outDu = arrays.output([U, g4]);
    const outDb = arrays.output([g4]);
    const outDh = arrays.output([B, U]);
    const outDc = arrays.output([B, U]);
    try {
      const dy = inputs.dy === undefined ? 0 : engine.alloc(seq);
      const dh = engine.alloc(state);
      const dc = engine.alloc(state);
      const dhRec = engine.alloc(state);
      const dz = engine.alloc(seq * 4);
      const dx = engine.alloc(B * T * D);
      const dw = engine.alloc(D * g4);
      const db = engine.alloc(g4);
      const du = engine.alloc(U * g4);
      engine.commit();
      const read = (key: string): Float32Array => arrays.read(inputs[key]!, LSTM_SEQUENCE_GRAD);
      if (dy !== 0) engine.write(dy, read("dy"));
      if (inputs.dh === undefined) engine.zero(dh, state);
      else engine.write(dh, read("dh"));
      if (inputs.dc === undefined) engine.zero(dc, state);
      else engine.write(dc, read("dc"));
      engine.run("lstmSequenceBackward", [
        at.x!, at.wT!, at.gates!, at.cs!, at.y!, at.h0!, at.c0!, at.uT!, dy, masked === 1 ? at.mask! : 0, dh, dc, dhRec, dz,
        dx, dw, db, du, engine.barrier, B, T, D, U, goBackwards!, act!, rec!,
      ]);
      arrays.read(outDx, LSTM_SEQUENCE_GRAD).set(engine.view(dx, B * T * D));
      arrays.read(outDw, LSTM_SEQUENCE_GRAD).set(engine.view(dw, D * g4));
      arrays.read(outDu, LSTM_SEQUENCE_GRAD).set(engine.view(du, U * g4));
      arrays.read(outDb, LSTM_SEQUENCE_GRAD).set(engine.view(db, g4));
      arrays.read(outDh, LSTM_SEQUENCE_GRAD).set(engine.view(dh, state));
      arrays.read(outDc, LSTM_SEQUENCE_GRAD).set(engine.view(dc, state));
    } finally {
      engine.reset();
      engine.release(block.id);
    }
    return [outDx, outDw, outDu, outDb, outDh, outDc];
  }) as unknown as KernelFunc;
}

/** Kernel configs of {@link LSTM_SEQUENCE} and {@link LSTM_SEQUENCE_GRAD} for one backend. */
export function lstmSequenceConfigs(backendName: FusedKernelBackend): KernelConfig[] {
  return [
    { kernelName: LSTM_SEQUENCE, backendName, kernelFunc: forwardKernel(backendName) },
    { kernelName: LSTM_SEQUENCE_GRAD, backendName, kernelFunc: backwardKernel(backendName) },
  ];
}

let enabled = true;

/**
 * Turns the use of the whole-sequence LSTM kernels by the fast layers on or off (on by default). When off, or
 * where they cannot run, the fast LSTM layer uses the per-step kernels (one fused kernel and one product per
 * step), which give the same results more slowly.
 *
 * @param on whether to use the whole-sequence kernels.
 * @returns the previous setting.
 * @throws {TypeError} when `on` is not a boolean.
 * @example
 * const before = setLstmSequenceKernels(false); // compare against the per-step path
 * setLstmSequenceKernels(before);
 */
export function setLstmSequenceKernels(on: boolean): boolean {
  if (typeof on !== "boolean") throw new TypeError(`expected a boolean, got ${typeof on}`);
  const before = enabled;
  enabled = on;
  return before;
}

/**
 * Whether the fast LSTM layer should use the whole-sequence kernels: they are turned on (see
 * {@link setLstmSequenceKernels}) and can run here (WebAssembly SIMD, threads and shared memory are available).
 *
 * @example
 * lstmSequenceAvailable() // true in Node 20 with the default settings
 */
export function lstmSequenceAvailable(): boolean {
  return enabled && sequenceEngine() !== null;
}
