import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from "@tensorflow/tfjs";
import { BackendsError } from "../../backends-error";
import type { FusedKernelBackend } from "./fused-kernel";
import { expectShape } from "./fused-kernel";
import { backendArrays } from "./backend-arrays";
import { activationCode } from "./recurrent-activation";
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
 * Outputs: with `forGradient` 0, `[y, hT, cT]` with returnSequences (y `[batch, time, units]` in processing
 * order, as tf.layers orders a goBackwards output) or `[hT, cT]` without. With `forGradient` 1, what
 * {@link LSTM_SEQUENCE_GRAD} needs: `[y, cs, gates, hT, cT]` — y and cs `[batch, time, units]` and gates
 * `[batch, time, 4·units]`, all by processing step.
 */
export const LSTM_SEQUENCE = "RecurrentLstmSequence";

/**
 * Kernel name of the backward pass (BPTT over the whole sequence) of {@link LSTM_SEQUENCE}.
 *
 * Inputs: `x`, `kernel`, `u`, `h0`, `c0` (as for the forward pass), `gates`, `cs`, `y` (its outputs with
 * `forGradient` 1), and the incoming gradients, each optional: `dy` `[batch, time, units]` (of the output
 * sequence, by processing step), `dh`, `dc` `[batch, units]` (of the final state); optional `mask`. Attributes:
 * `activation`, `recurrentActivation`, `goBackwards`. Outputs: `[dx, dkernel, du, dbias, dh0, dc0]`, shaped as
 * x, kernel, u, bias (`[4·units]`, also when the forward pass had no bias), h0 and c0.
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
    const forGradient = flag(a, "forGradient");
    const engine = sequenceEngine() ?? unavailable(LSTM_SEQUENCE);
    const arrays = backendArrays(backendName, backend);

    const seq = batch * time * units;
    const state = batch * units;
    const outY = forGradient === 1 || returnSequences === 1 ? arrays.output([batch, time, units]) : null;
    const outCs = forGradient === 1 ? arrays.output([batch, time, units]) : null;
    const outGates = forGradient === 1 ? arrays.output([batch, time, g4]) : null;
    const outH = arrays.output([batch, units]);
    const outC = arrays.output([batch, units]);

    try {
      const x = engine.alloc(batch * time * inputDim);
      const w = engine.alloc(inputDim * g4);
      const bias = inputs.bias === undefined ? 0 : engine.alloc(g4);
      const u = engine.alloc(units * g4);
      const h0 = engine.alloc(state);
      const c0 = engine.alloc(state);
      const mask = inputs.mask === undefined ? 0 : engine.alloc(batch * time);
      const xw = engine.alloc(seq * 4);
      const y = engine.alloc(seq);
      const cs = engine.alloc(seq);
      const gates = engine.alloc(seq * 4);
      const hT = engine.alloc(state);
      const cT = engine.alloc(state);
      const z = engine.alloc(batch * g4);
      engine.commit();
      const read = (key: string): Float32Array => arrays.read(inputs[key]!, LSTM_SEQUENCE);
      engine.write(x, read("x"));
      engine.write(w, read("kernel"));
      if (bias !== 0) engine.write(bias, read("bias"));
      engine.write(u, read("u"));
      engine.write(h0, read("h0"));
      engine.write(c0, read("c0"));
      if (mask !== 0) engine.write(mask, read("mask"));
      engine.run("lstmSequenceForward", [
        x, w, bias, u, h0, c0, mask, xw, y, cs, gates, hT, cT, z, engine.barrier,
        batch, time, inputDim, units, goBackwards, act, rec,
      ]);
      if (outY !== null) arrays.read(outY, LSTM_SEQUENCE).set(engine.view(y, seq));
      if (outCs !== null) arrays.read(outCs, LSTM_SEQUENCE).set(engine.view(cs, seq));
      if (outGates !== null) arrays.read(outGates, LSTM_SEQUENCE).set(engine.view(gates, seq * 4));
      arrays.read(outH, LSTM_SEQUENCE).set(engine.view(hT, state));
      arrays.read(outC, LSTM_SEQUENCE).set(engine.view(cT, state));
    } finally {
      engine.reset();
    }
    if (forGradient === 1) return [outY!, outCs!, outGates!, outH, outC];
    return outY === null ? [outH, outC] : [outY, outH, outC];
  }) as unknown as KernelFunc;
}

function backwardKernel(backendName: FusedKernelBackend): KernelFunc {
  return (({ inputs, backend, attrs }: { inputs: Inputs; backend: unknown; attrs?: NamedAttrMap }) => {
    const a = attrs ?? {};
    const shapes = checkInputs(
      LSTM_SEQUENCE_GRAD,
      inputs,
      ["x", "kernel", "u", "h0", "c0", "gates", "cs", "y"],
      ["dy", "dh", "dc", "mask"],
    );
    const [batch, time, inputDim, units] = checkLayerInputs(LSTM_SEQUENCE_GRAD, shapes);
    const g4 = 4 * units;
    for (const key of ["cs", "y", "dy"]) expectShape(LSTM_SEQUENCE_GRAD, key, shapes[key], [batch, time, units]);
    expectShape(LSTM_SEQUENCE_GRAD, "gates", shapes.gates, [batch, time, g4]);
    for (const key of ["dh", "dc"]) expectShape(LSTM_SEQUENCE_GRAD, key, shapes[key], [batch, units]);
    const act = activationCode(a.activation);
    const rec = activationCode(a.recurrentActivation);
    const goBackwards = flag(a, "goBackwards");
    const engine = sequenceEngine() ?? unavailable(LSTM_SEQUENCE_GRAD);
    const arrays = backendArrays(backendName, backend);

    const seq = batch * time * units;
    const state = batch * units;
    const outDx = arrays.output([batch, time, inputDim]);
    const outDw = arrays.output([inputDim, g4]);
    const outDu = arrays.output([units, g4]);
    const outDb = arrays.output([g4]);
    const outDh = arrays.output([batch, units]);
    const outDc = arrays.output([batch, units]);
    try {
      const x = engine.alloc(batch * time * inputDim);
      const w = engine.alloc(inputDim * g4);
      const wT = engine.alloc(inputDim * g4);
      const gates = engine.alloc(seq * 4);
      const cs = engine.alloc(seq);
      const y = engine.alloc(seq);
      const h0 = engine.alloc(state);
      const c0 = engine.alloc(state);
      const u = engine.alloc(units * g4);
      const uT = engine.alloc(units * g4);
      const dy = inputs.dy === undefined ? 0 : engine.alloc(seq);
      const mask = inputs.mask === undefined ? 0 : engine.alloc(batch * time);
      const dh = engine.alloc(state);
      const dc = engine.alloc(state);
      const dhRec = engine.alloc(state);
      const dz = engine.alloc(seq * 4);
      const dx = engine.alloc(batch * time * inputDim);
      const dw = engine.alloc(inputDim * g4);
      const db = engine.alloc(g4);
      const du = engine.alloc(units * g4);
      engine.commit();
      const read = (key: string): Float32Array => arrays.read(inputs[key]!, LSTM_SEQUENCE_GRAD);
      engine.write(x, read("x"));
      engine.write(w, read("kernel"));
      engine.exports.transpose(w, wT, inputDim, g4);
      engine.write(gates, read("gates"));
      engine.write(cs, read("cs"));
      engine.write(y, read("y"));
      engine.write(h0, read("h0"));
      engine.write(c0, read("c0"));
      engine.write(u, read("u"));
      engine.exports.transpose(u, uT, units, g4);
      if (dy !== 0) engine.write(dy, read("dy"));
      if (mask !== 0) engine.write(mask, read("mask"));
      if (inputs.dh === undefined) engine.zero(dh, state);
      else engine.write(dh, read("dh"));
      if (inputs.dc === undefined) engine.zero(dc, state);
      else engine.write(dc, read("dc"));
      engine.run("lstmSequenceBackward", [
        x, wT, gates, cs, y, h0, c0, uT, dy, mask, dh, dc, dhRec, dz, dx, dw, db, du, engine.barrier,
        batch, time, inputDim, units, goBackwards, act, rec,
      ]);
      arrays.read(outDx, LSTM_SEQUENCE_GRAD).set(engine.view(dx, batch * time * inputDim));
      arrays.read(outDw, LSTM_SEQUENCE_GRAD).set(engine.view(dw, inputDim * g4));
      arrays.read(outDu, LSTM_SEQUENCE_GRAD).set(engine.view(du, units * g4));
      arrays.read(outDb, LSTM_SEQUENCE_GRAD).set(engine.view(db, g4));
      arrays.read(outDh, LSTM_SEQUENCE_GRAD).set(engine.view(dh, state));
      arrays.read(outDc, LSTM_SEQUENCE_GRAD).set(engine.view(dc, state));
    } finally {
      engine.reset();
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
