import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from "@tensorflow/tfjs";
import { BackendsError } from "../../../backends-error";
import type { FusedKernelBackend } from "../step/fused-kernel";
import { expectShape } from "../step/fused-kernel";
import { backendArrays } from "../backend-arrays";
import { recurrentKernelSettingsStore } from "../recurrent-kernel-settings";
import { activationCode } from "../step/recurrent-activation";
import type { KeptBlock } from "./sequence-arena";
import { BARRIER_BYTES, MAX_WORKERS } from "./sequence-protocol";
import type { SequenceRuntime } from "./sequence-runtime";
import { sequenceRuntime } from "./sequence-runtime";

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

/**
 * Kernel name of both directions of a bidirectional LSTM at once (`tf.layers.bidirectional` over
 * `tf.layers.lstm`), forward: the two directions run at the same time, one per thread, without meeting.
 *
 * Inputs: `x`, optional `mask` (shared), and per direction the inputs of {@link LSTM_SEQUENCE} with the suffix
 * `F` (forward, processed from the first step) or `B` (backward, processed from the last step): `kernelF`, `uF`,
 * optional `biasF`, `h0F`, `c0F`, `kernelB`, `uB`, optional `biasB`, `h0B`, `c0B`. Attributes as
 * {@link LSTM_SEQUENCE} without `goBackwards`. Outputs: the forward direction's outputs, then the backward
 * direction's (each `[y, hT, cT]` or `[hT, cT]`; the backward y in processing order), then with `forGradient` 1
 * one `saved` handle for both.
 */
export const BIDIRECTIONAL_LSTM_SEQUENCE = "RecurrentBidirectionalLstmSequence";

/**
 * Kernel name of the backward pass of {@link BIDIRECTIONAL_LSTM_SEQUENCE}. Inputs: `saved`, and per direction the
 * optional incoming gradients `dyF`, `dhF`, `dcF`, `dyB`, `dhB`, `dcB`. Outputs: `dx` (both directions' input
 * gradients summed), then per direction `[dkernel, du, dbias, dh0, dc0]`, forward first.
 */
export const BIDIRECTIONAL_LSTM_SEQUENCE_GRAD = "RecurrentBidirectionalLstmSequenceGrad";

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
    `${kernel}: expected WebAssembly with SIMD and shared memory (threads), got a runtime without them; use the per-step kernels`,
  );
}

/** Byte size of `floats` float32 values rounded up to 16 bytes (every array starts 16-byte aligned). */
function aligned(floats: number): number {
  return Math.ceil((floats * 4) / 16) * 16;
}

/** Dimensions of a call. */
interface Dims {
  batch: number;
  time: number;
  inputDim: number;
  units: number;
}

/**
 * Byte offsets, relative to the start of a kept block, of what the backward pass needs: x and mask (shared by
 * the lanes), then per lane the kernels, the initial states, and y, cs, gates of every step.
 */
function keptLayout(d: Dims, lanes: number, masked: boolean): { bytes: number; x: number; mask: number; lanes: Record<string, number>[] } {
  const seq = d.batch * d.time * d.units;
  const state = d.batch * d.units;
  const g4 = 4 * d.units;
  let bytes = 0;
  const take = (floats: number): number => {
    const at = bytes;
    bytes += aligned(floats);
    return at;
  };
  const x = take(d.batch * d.time * d.inputDim);
  const mask = masked ? take(d.batch * d.time) : -1;
  const out: Record<string, number>[] = [];
  for (let l = 0; l < lanes; l++) {
    out.push({
      w: take(d.inputDim * g4),
      u: take(d.units * g4),
      h0: take(state),
      c0: take(state),
      y: take(seq),
      cs: take(seq),
      gates: take(seq * 4),
    });
  }
  return { bytes, x, mask, lanes: out };
}

/** Checks x, mask and each lane's kernel, bias, u, h0, c0; returns the dimensions. */
function checkLayerInputs(kernel: string, shapes: Record<string, number[]>, suffixes: readonly string[]): Dims {
  const xShape = shapes.x!;
  if (xShape.length !== 3 || xShape[1]! < 1) {
    throw new BackendsError("KERNEL_INPUT", `${kernel}: expected input "x" of shape [batch, time ≥ 1, inputDim], got [${xShape.join(", ")}]`);
  }
  const [batch, time, inputDim] = xShape as [number, number, number];
  const first = shapes[`kernel${suffixes[0]}`]!;
  if (first.length !== 2 || first[1]! % 4 !== 0 || first[1]! === 0) {
    throw new BackendsError("KERNEL_INPUT", `${kernel}: expected input "kernel${suffixes[0]}" of shape [inputDim, 4·units], got [${first.join(", ")}]`);
  }
  const g4 = first[1]!;
  const units = g4 / 4;
  for (const sfx of suffixes) {
    expectShape(kernel, `kernel${sfx}`, shapes[`kernel${sfx}`], [inputDim, g4]);
    expectShape(kernel, `bias${sfx}`, shapes[`bias${sfx}`], [g4]);
    expectShape(kernel, `u${sfx}`, shapes[`u${sfx}`], [units, g4]);
    expectShape(kernel, `h0${sfx}`, shapes[`h0${sfx}`], [batch, units]);
    expectShape(kernel, `c0${sfx}`, shapes[`c0${sfx}`], [batch, units]);
  }
  expectShape(kernel, "mask", shapes.mask, [batch, time]);
  return { batch, time, inputDim, units };
}

/**
 * Runs one call per lane: a single lane on every thread (the units split between them, meeting once per step);
 * several lanes at once, one per thread.
 */
function runLanes(runtime: SequenceRuntime, fn: "lstmSequenceForward" | "lstmSequenceBackward", calls: number[][]): void {
  if (calls.length === 1) runtime.pool.run(fn, calls[0]!);
  else runtime.pool.runEach(calls.map((args) => ({ fn, args })));
}

/**
 * Floats of the per-thread scratch of the packed products for one lane: one share per thread the pool can have
 * (the pool decides the count when it runs the call, and a lane runs on all of them or on one).
 */
function threadScratchFloats(runtime: SequenceRuntime): number {
  return (MAX_WORKERS + 1) * runtime.exports.packScratchFloats();
}

/** The forward kernel for lanes with the given input suffixes ("" with a goBackwards attribute, or "F", "B"). */
function forwardKernel(backendName: FusedKernelBackend, name: string, suffixes: readonly string[]): KernelFunc {
  return (({ inputs, backend, attrs }: { inputs: Inputs; backend: unknown; attrs?: NamedAttrMap }) => {
    const a = attrs ?? {};
    const perLane = (keys: string[]) => suffixes.flatMap((sfx) => keys.map((k) => `${k}${sfx}`));
    const shapes = checkInputs(name, inputs, ["x", ...perLane(["kernel", "u", "h0", "c0"])], ["mask", ...perLane(["bias"])]);
    const d = checkLayerInputs(name, shapes, suffixes);
    const { batch, time, inputDim, units } = d;
    const g4 = 4 * units;
    const act = activationCode(a.activation);
    const rec = activationCode(a.recurrentActivation);
    const backwards = suffixes.length === 1 ? [flag(a, "goBackwards")] : [0, 1];
    const returnSequences = flag(a, "returnSequences") === 1;
    const forGradient = flag(a, "forGradient") === 1;
    const runtime = sequenceRuntime() ?? unavailable(name);
    const arena = runtime.arena;
    const arrays = backendArrays(backendName, backend);

    const seq = batch * time * units;
    const state = batch * units;
    const outs: TensorInfo[] = [];
    const laneOuts = suffixes.map(() => {
      const y = returnSequences ? arrays.output([batch, time, units]) : null;
      const h = arrays.output([batch, units]);
      const c = arrays.output([batch, units]);
      outs.push(...(y === null ? [h, c] : [y, h, c]));
      return { y, h, c };
    });

    const masked = inputs.mask !== undefined;
    const layout = keptLayout(d, suffixes.length, masked);
    let block: KeptBlock | null = null;
    let base: number;
    if (forGradient) {
      block = arena.keep(layout.bytes, { ...d, act, rec, masked: masked ? 1 : 0, lanes: suffixes.length, goBackwards: backwards[0]! });
      base = block.offset;
    } else {
      base = arena.alloc(layout.bytes / 4);
    }
    try {
      const scratch = suffixes.map(() => ({
        bias: arena.alloc(g4),
        pack: arena.alloc(runtime.exports.lstmForwardPackFloats(inputDim, units)),
        threads: arena.alloc(threadScratchFloats(runtime)),
        xw: arena.alloc(seq * 4),
        hT: arena.alloc(state),
        cT: arena.alloc(state),
        z: arena.alloc(batch * g4),
      }));
      arena.commit();
      const read = (key: string): Float32Array => arrays.read(inputs[key]!, name);
      const x = base + layout.x;
      const mask = masked ? base + layout.mask : 0;
      arena.write(x, read("x"));
      if (masked) arena.write(mask, read("mask"));
      const calls = suffixes.map((sfx, l) => {
        const at = layout.lanes[l]!;
        const sc = scratch[l]!;
        arena.write(base + at.w!, read(`kernel${sfx}`));
        const hasBias = inputs[`bias${sfx}`] !== undefined;
        if (hasBias) arena.write(sc.bias, read(`bias${sfx}`));
        arena.write(base + at.u!, read(`u${sfx}`));
        arena.write(base + at.h0!, read(`h0${sfx}`));
        arena.write(base + at.c0!, read(`c0${sfx}`));
        return [
          x, base + at.w!, hasBias ? sc.bias : 0, base + at.u!, base + at.h0!, base + at.c0!, mask, sc.xw, base + at.y!,
          base + at.cs!, base + at.gates!, sc.hT, sc.cT, sc.z, sc.pack, sc.threads, BARRIER_BYTES, batch, time, inputDim,
          units, backwards[l]!, act, rec,
        ];
      });
      runLanes(runtime, "lstmSequenceForward", calls);
      suffixes.forEach((_, l) => {
        const at = layout.lanes[l]!;
        const sc = scratch[l]!;
        const o = laneOuts[l]!;
        if (o.y !== null) arrays.read(o.y, name).set(arena.view(base + at.y!, seq));
        arrays.read(o.h, name).set(arena.view(sc.hT, state));
        arrays.read(o.c, name).set(arena.view(sc.cT, state));
      });
    } catch (e) {
      if (block !== null) arena.release(block.id);
      throw e;
    } finally {
      arena.reset();
    }
    if (block !== null) outs.push(arrays.int32([1], Int32Array.of(block.id)));
    return outs;
  }) as unknown as KernelFunc;
}

/** The backward kernel matching {@link forwardKernel} with the same suffixes. */
function backwardKernel(backendName: FusedKernelBackend, name: string, suffixes: readonly string[]): KernelFunc {
  return (({ inputs, backend }: { inputs: Inputs; backend: unknown }) => {
    if (inputs.saved === undefined) throw new BackendsError("KERNEL_INPUT", `${name}: expected input "saved", got none`);
    const runtime = sequenceRuntime() ?? unavailable(name);
    const arena = runtime.arena;
    const arrays = backendArrays(backendName, backend);
    const handle = arrays.readInt32(inputs.saved, name)[0] ?? 0;
    const block = arena.keptBlock(handle, name);
    const m = block.meta as Record<string, number>;
    if (m.lanes !== suffixes.length) {
      throw new BackendsError("KERNEL_INPUT", `${name}: expected the handle of a ${suffixes.length}-direction forward call, got one of ${m.lanes}`);
    }
    const d: Dims = { batch: m.batch!, time: m.time!, inputDim: m.inputDim!, units: m.units! };
    const { batch: B, time: T, inputDim: D, units: U } = d;
    const g4 = 4 * U;
    const shapes = checkInputs(name, inputs, [], suffixes.flatMap((sfx) => [`dy${sfx}`, `dh${sfx}`, `dc${sfx}`]));
    for (const sfx of suffixes) {
      expectShape(name, `dy${sfx}`, shapes[`dy${sfx}`], [B, T, U]);
      expectShape(name, `dh${sfx}`, shapes[`dh${sfx}`], [B, U]);
      expectShape(name, `dc${sfx}`, shapes[`dc${sfx}`], [B, U]);
    }
    const backwards = suffixes.length === 1 ? [m.goBackwards!] : [0, 1];
    const seq = B * T * U;
    const state = B * U;
    const layout = keptLayout(d, suffixes.length, m.masked === 1);
    const base = block.offset;
    const outDx = arrays.output([B, T, D]);
    const laneOuts = suffixes.map(() => ({
      dw: arrays.output([D, g4]),
      du: arrays.output([U, g4]),
      db: arrays.output([g4]),
      dh: arrays.output([B, U]),
      dc: arrays.output([B, U]),
    }));
    try {
      const scratch = suffixes.map((sfx) => ({
        dy: inputs[`dy${sfx}`] === undefined ? 0 : arena.alloc(seq),
        dh: arena.alloc(state),
        dc: arena.alloc(state),
        dhRec: arena.alloc(state),
        dz: arena.alloc(seq * 4),
        dx: arena.alloc(B * T * D),
        dw: arena.alloc(D * g4),
        db: arena.alloc(g4),
        du: arena.alloc(U * g4),
        pack: arena.alloc(runtime.exports.lstmBackwardPackFloats(B, T, D, U)),
        threads: arena.alloc(threadScratchFloats(runtime)),
      }));
      arena.commit();
      const read = (key: string): Float32Array => arrays.read(inputs[key]!, name);
      const calls = suffixes.map((sfx, l) => {
        const at = layout.lanes[l]!;
        const sc = scratch[l]!;
        if (sc.dy !== 0) arena.write(sc.dy, read(`dy${sfx}`));
        if (inputs[`dh${sfx}`] === undefined) arena.zero(sc.dh, state);
        else arena.write(sc.dh, read(`dh${sfx}`));
        if (inputs[`dc${sfx}`] === undefined) arena.zero(sc.dc, state);
        else arena.write(sc.dc, read(`dc${sfx}`));
        return [
          base + layout.x, base + at.w!, base + at.gates!, base + at.cs!, base + at.y!, base + at.h0!, base + at.c0!,
          base + at.u!, sc.dy, m.masked === 1 ? base + layout.mask : 0, sc.dh, sc.dc, sc.dhRec, sc.dz, sc.dx, sc.dw, sc.db,
          sc.du, sc.pack, sc.threads, BARRIER_BYTES, B, T, D, U, backwards[l]!, m.act!, m.rec!,
        ];
      });
      runLanes(runtime, "lstmSequenceBackward", calls);
      const dx = arrays.read(outDx, name);
      dx.set(arena.view(scratch[0]!.dx, B * T * D));
      for (let l = 1; l < suffixes.length; l++) {
        const more = arena.view(scratch[l]!.dx, B * T * D);
        for (let i = 0; i < dx.length; i++) dx[i]! += more[i]!;
      }
      suffixes.forEach((_, l) => {
        const sc = scratch[l]!;
        const o = laneOuts[l]!;
        arrays.read(o.dw, name).set(arena.view(sc.dw, D * g4));
        arrays.read(o.du, name).set(arena.view(sc.du, U * g4));
        arrays.read(o.db, name).set(arena.view(sc.db, g4));
        arrays.read(o.dh, name).set(arena.view(sc.dh, state));
        arrays.read(o.dc, name).set(arena.view(sc.dc, state));
      });
    } finally {
      arena.reset();
      arena.release(block.id);
    }
    return [outDx, ...laneOuts.flatMap((o) => [o.dw, o.du, o.db, o.dh, o.dc])];
  }) as unknown as KernelFunc;
}

/** Kernel configs of the single and bidirectional whole-sequence LSTM kernels and their gradients, for one backend. */
export function lstmSequenceConfigs(backendName: FusedKernelBackend): KernelConfig[] {
  const one = [""];
  const two = ["F", "B"];
  return [
    { kernelName: LSTM_SEQUENCE, backendName, kernelFunc: forwardKernel(backendName, LSTM_SEQUENCE, one) },
    { kernelName: LSTM_SEQUENCE_GRAD, backendName, kernelFunc: backwardKernel(backendName, LSTM_SEQUENCE_GRAD, one) },
    { kernelName: BIDIRECTIONAL_LSTM_SEQUENCE, backendName, kernelFunc: forwardKernel(backendName, BIDIRECTIONAL_LSTM_SEQUENCE, two) },
    { kernelName: BIDIRECTIONAL_LSTM_SEQUENCE_GRAD, backendName, kernelFunc: backwardKernel(backendName, BIDIRECTIONAL_LSTM_SEQUENCE_GRAD, two) },
  ];
}

/**
 * Whether the fast LSTM layer should use the whole-sequence kernels: they can run here (WebAssembly SIMD, threads
 * and shared memory are available) and the `sequenceKernels` test switch (`setRecurrentKernelSwitches` of
 * `@recurrent/backends/testing`) is on, as it is by default.
 *
 * @example
 * lstmSequenceAvailable() // true in Node 20 with the default settings
 */
export function lstmSequenceAvailable(): boolean {
  return recurrentKernelSettingsStore.get().sequenceKernels && sequenceRuntime() !== null;
}
