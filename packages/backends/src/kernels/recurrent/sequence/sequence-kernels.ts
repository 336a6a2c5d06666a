import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from "@tensorflow/tfjs";
import { BackendsError } from "../../../backends-error";
import type { FusedKernelBackend } from "../step/fused-kernel";
import { expectShape, flagAttr } from "../step/fused-kernel";
import { backendArrays } from "../backend-arrays";
import { recurrentKernelSettingsStore } from "../recurrent-kernel-settings";
import { activationCode } from "../step/recurrent-activation";
import type { KeptBlock } from "./sequence-arena";
import type { SequenceJob } from "./sequence-protocol";
import { BARRIER_BYTES, JOB_FUNCTIONS } from "./sequence-protocol";
import { distinctRows } from "./distinct-rows";
import type { SequenceExports } from "../../../wasm/sequence-module";
import type { SequenceRuntime } from "./sequence-runtime";
import { sequenceRuntime } from "./sequence-runtime";

// The kernel functions of every cell's whole-sequence kernels (single and bidirectional, forward and backward): the
// input checks, the layout of the shared memory, the copies in and out, and the kept block between a forward call
// and its backward call are the same for all cells; a SequenceCell says what differs (gate blocks, states, what
// the backward pass needs kept, the arguments of the module's functions).

type Inputs = Record<string, TensorInfo | undefined>;

/** Dimensions of a call. */
export interface SequenceDims {
  batch: number;
  time: number;
  inputDim: number;
  units: number;
}

/** The activation codes and flags of a call. */
export interface SequenceCodes {
  act: number;
  rec: number;
  goBackwards: number;
  /** The cell's variant (GRU: resetAfter 0/1; 0 for the other cells). */
  variant: number;
  /** With the pointer `xRows` set: how many distinct rows `xDistinct` holds (see {@link SequenceCell.sharesInputRows}). */
  distinct: number;
}

/** Byte offsets in the shared memory, by name (0 = absent), handed to a cell's argument lists. */
export type SequencePointers = Readonly<Record<string, number>>;

/**
 * What a cell's whole-sequence kernels need beyond what every cell shares. The common pointers a cell's argument
 * lists can use: forward `x, xDistinct, xRows, drop, hd0, hd, mask, w, bias, recurrentBias, u, h0, c0, xw, y, hT,
 * cT, z, bar` and the cell's {@link kept} arrays; backward `x, wT, uT, y, h0, c0, drop, hd0, hd, mask, dy, dh, dc,
 * dhRec, dz, dx, dw, db, drb, du, bar`, the kept arrays and the {@link scratch} arrays. Every cell's kernels take a
 * recurrent dropout mask (the optional input `recurrentMask` `[batch, units]` per lane): `drop` is the mask, `hd0`
 * and `hd` are h0 and the steps' outputs times the mask, kept for the backward pass; each 0 without a mask.
 */
export interface SequenceCell {
  /** Gate blocks of the kernels (LSTM 4, GRU 3, SimpleRNN 1). */
  gates: number;
  /** Whether the cell has a cell state besides h (LSTM: inputs `c0`, outputs `cT`, gradients `dc`, `dc0`). */
  cellState: boolean;
  /** Whether the kernels take the `recurrentActivation` attribute (gates). */
  gated: boolean;
  /** The module's functions. */
  forward: SequenceJob;
  backward: SequenceJob;
  /** The variant from the attributes (GRU: `resetAfter`); 0 for a cell without variants. */
  variant(attrs: NamedAttrMap, kernel: string): number;
  /** Shape of the bias (and of its gradient) for a variant. */
  biasShape(units: number, variant: number): number[];
  /**
   * Whether the backward pass reads the kernels as they came (`w`, `u`: kept by the forward pass, which reads them
   * there too) rather than transposed (`wT`, `uT`, transposed after the forward pass). The LSTM's kernels pack
   * their operands themselves.
   */
  keepsWeights?: boolean;
  /**
   * Whether the forward function can compute the input projections once per distinct input row: it then gets the
   * pointers `xDistinct` (the distinct rows, `[distinct, inputDim]`) and `xRows` (int32 `[batch, time]`: each row's
   * distinct row), or `xRows` 0 when the rows are not shared (most of them distinct, or the `distinctInputRows`
   * switch off).
   */
  sharesInputRows?: boolean;
  /** Float counts of the arrays the forward pass keeps per direction for the backward pass, beyond wT, uT, h0, c0, y. */
  kept(d: SequenceDims, variant: number): Record<string, number>;
  /** Float counts of the forward pass's own scratch arrays per direction (sizes the module may tell: `exports`). */
  forwardScratch?(d: SequenceDims, variant: number, exports: SequenceExports): Record<string, number>;
  /** Float counts of the backward pass's own scratch arrays per direction. */
  scratch(d: SequenceDims, variant: number, exports: SequenceExports): Record<string, number>;
  forwardArgs(p: SequencePointers, d: SequenceDims, c: SequenceCodes): number[];
  backwardArgs(p: SequencePointers, d: SequenceDims, c: SequenceCodes): number[];
}

function flag(attrs: NamedAttrMap, key: string): number {
  const v = attrs[key];
  return v === 1 || v === true ? 1 : 0;
}

/** The 0/1 attribute `key` (absent = 0), for a {@link SequenceCell.variant}. */
export function variantFlag(attrs: NamedAttrMap, kernel: string, key: string): number {
  return flagAttr(kernel, attrs, key) ? 1 : 0;
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

const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** The state inputs of a cell: h0 and, for the LSTM, c0. */
const stateNames = (cell: SequenceCell): string[] => (cell.cellState ? ["h", "c"] : ["h"]);

/**
 * Byte offsets, relative to the start of a kept block, of what the backward pass needs: x and mask (shared by
 * the lanes), then per lane the transposed kernels, the initial states, y and the cell's own kept arrays.
 */
function keptLayout(
  cell: SequenceCell,
  d: SequenceDims,
  variant: number,
  lanes: number,
  masked: boolean,
  dropped: boolean,
): { bytes: number; x: number; mask: number; lanes: Record<string, number>[] } {
  const state = d.batch * d.units;
  const g = cell.gates * d.units;
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
    const lane: Record<string, number> =
      cell.keepsWeights === true ? { w: take(d.inputDim * g), u: take(d.units * g) } : { wT: take(d.inputDim * g), uT: take(d.units * g) };
    for (const s of stateNames(cell)) lane[`${s}0`] = take(state);
    lane.y = take(d.batch * d.time * d.units);
    for (const [key, floats] of Object.entries(cell.kept(d, variant))) lane[key] = take(floats);
    if (dropped) Object.assign(lane, { drop: take(state), hd0: take(state), hd: take(d.batch * d.time * d.units) });
    out.push(lane);
  }
  return { bytes, x, mask, lanes: out };
}

/** The unit count a kernel input of shape [inputDim, G·units] gives, checked. */
function unitsOf(kernel: string, cell: SequenceCell, key: string, shape: number[]): number {
  const G = cell.gates;
  if (shape.length !== 2 || shape[1]! % G !== 0 || shape[1]! === 0) {
    const cols = G === 1 ? "units" : `${G}·units`;
    throw new BackendsError("KERNEL_INPUT", `${kernel}: expected input "${key}" of shape [inputDim, ${cols}], got [${shape.join(", ")}]`);
  }
  return shape[1]! / G;
}

/** Checks x, mask and each lane's kernel, bias, u and initial states; returns the dimensions. */
function checkLayerInputs(
  kernel: string,
  cell: SequenceCell,
  variant: number,
  shapes: Record<string, number[]>,
  suffixes: readonly string[],
): SequenceDims {
  const xShape = shapes.x!;
  if (xShape.length !== 3 || xShape[1]! < 1) {
    throw new BackendsError("KERNEL_INPUT", `${kernel}: expected input "x" of shape [batch, time ≥ 1, inputDim], got [${xShape.join(", ")}]`);
  }
  const [batch, time, inputDim] = xShape as [number, number, number];
  const units = unitsOf(kernel, cell, `kernel${suffixes[0]}`, shapes[`kernel${suffixes[0]}`]!);
  const g = cell.gates * units;
  for (const sfx of suffixes) {
    expectShape(kernel, `kernel${sfx}`, shapes[`kernel${sfx}`], [inputDim, g]);
    expectShape(kernel, `bias${sfx}`, shapes[`bias${sfx}`], cell.biasShape(units, variant));
    expectShape(kernel, `u${sfx}`, shapes[`u${sfx}`], [units, g]);
    for (const s of stateNames(cell)) expectShape(kernel, `${s}0${sfx}`, shapes[`${s}0${sfx}`], [batch, units]);
  }
  expectShape(kernel, "mask", shapes.mask, [batch, time]);
  for (const sfx of suffixes) expectShape(kernel, `recurrentMask${sfx}`, shapes[`recurrentMask${sfx}`], [batch, units]);
  return { batch, time, inputDim, units };
}

/**
 * Runs one call per lane: a single lane on every thread (the units split between them, meeting once per step);
 * several lanes at once, one per thread.
 */
function runLanes(runtime: SequenceRuntime, fn: SequenceJob, calls: number[][]): void {
  if (calls.length === 1) runtime.pool.run(fn, calls[0]!);
  else runtime.pool.runEach(calls.map((args) => ({ fn, args })));
}

/** The forward kernel for lanes with the given input suffixes ("" with a goBackwards attribute, or "F", "B"). */
function forwardKernel(backendName: FusedKernelBackend, cell: SequenceCell, name: string, suffixes: readonly string[]): KernelFunc {
  return (({ inputs, backend, attrs }: { inputs: Inputs; backend: unknown; attrs?: NamedAttrMap }) => {
    const a = attrs ?? {};
    const perLane = (keys: string[]) => suffixes.flatMap((sfx) => keys.map((k) => `${k}${sfx}`));
    const states = stateNames(cell);
    const shapes = checkInputs(
      name,
      inputs,
      ["x", ...perLane(["kernel", "u", ...states.map((s) => `${s}0`)])],
      ["mask", ...perLane(["bias", "recurrentMask"])],
    );
    // every lane with a recurrent dropout mask, or none
    const dropped = suffixes.some((sfx) => inputs[`recurrentMask${sfx}`] !== undefined);
    const missing = suffixes.find((sfx) => dropped && inputs[`recurrentMask${sfx}`] === undefined);
    if (missing !== undefined) {
      throw new BackendsError("KERNEL_INPUT", `${name}: expected input "recurrentMask${missing}" as the other direction has one, got none`);
    }
    const variant = cell.variant(a, name);
    const d = checkLayerInputs(name, cell, variant, shapes, suffixes);
    const { batch, time, inputDim, units } = d;
    const g = cell.gates * units;
    const act = activationCode(a.activation);
    const rec = cell.gated ? activationCode(a.recurrentActivation) : 0;
    const backwards = suffixes.length === 1 ? [flag(a, "goBackwards")] : [0, 1];
    const returnSequences = flag(a, "returnSequences") === 1;
    const forGradient = flag(a, "forGradient") === 1;
    const runtime = sequenceRuntime() ?? unavailable(name);
    const arena = runtime.arena;
    const arrays = backendArrays(backendName, backend);

    const seq = batch * time * units;
    const state = batch * units;
    const biasFloats = sizeOf(cell.biasShape(units, variant));
    const outs: TensorInfo[] = [];
    const laneOuts = suffixes.map(() => {
      const y = returnSequences ? arrays.output([batch, time, units]) : null;
      const finals = states.map(() => arrays.output([batch, units]));
      outs.push(...(y === null ? finals : [y, ...finals]));
      return { y, finals };
    });

    const masked = inputs.mask !== undefined;
    const read = (key: string): Float32Array => arrays.read(inputs[key]!, name);
    const xValues = read("x");
    // an Embedding's output repeats rows: project each distinct row once, when at most 3/4 of them are distinct
    const shared =
      cell.sharesInputRows === true && recurrentKernelSettingsStore.get().distinctInputRows
        ? distinctRows(xValues, batch * time, inputDim, Math.floor(0.75 * batch * time))
        : null;
    const layout = keptLayout(cell, d, variant, suffixes.length, masked, dropped);
    let block: KeptBlock | null = null;
    let base: number;
    if (forGradient) {
      const meta = { cell: JOB_FUNCTIONS.indexOf(cell.forward), act, rec, variant, masked: masked ? 1 : 0, dropped: dropped ? 1 : 0, lanes: suffixes.length };
      block = arena.keep(layout.bytes, { ...d, ...meta, goBackwards: backwards[0]! });
      base = block.offset;
    } else {
      base = arena.alloc(layout.bytes / 4);
    }
    try {
      const keepsWeights = cell.keepsWeights === true;
      const scratch = suffixes.map(() => {
        const sc: Record<string, number> = {
          // kept weights go straight to the kept block (layout w, u)
          ...(keepsWeights ? {} : { w: arena.alloc(inputDim * g), u: arena.alloc(units * g) }),
          bias: arena.alloc(biasFloats),
          xw: arena.alloc(batch * time * g),
          z: arena.alloc(batch * g),
        };
        for (const s of states) sc[`${s}T`] = arena.alloc(state);
        for (const [key, floats] of Object.entries(cell.forwardScratch?.(d, variant, runtime.exports) ?? {})) sc[key] = arena.alloc(floats);
        return sc;
      });
      const xDistinct = shared === null ? 0 : arena.alloc(shared.values.length);
      const xRows = shared === null ? 0 : arena.alloc(batch * time);
      arena.commit();
      const x = base + layout.x;
      const mask = masked ? base + layout.mask : 0;
      // the backward pass needs x whole; a forward pass on shared rows reads only the distinct ones
      if (forGradient || shared === null) arena.write(x, xValues);
      if (shared !== null) {
        arena.write(xDistinct, shared.values);
        const view = arena.view(xRows, batch * time);
        new Int32Array(view.buffer, view.byteOffset, batch * time).set(shared.rows);
      }
      if (masked) arena.write(mask, read("mask"));
      const calls = suffixes.map((sfx, l) => {
        const at = layout.lanes[l]!;
        const sc = scratch[l]!;
        arena.write(keepsWeights ? base + at.w! : sc.w!, read(`kernel${sfx}`));
        const hasBias = inputs[`bias${sfx}`] !== undefined;
        if (hasBias) arena.write(sc.bias!, read(`bias${sfx}`));
        arena.write(keepsWeights ? base + at.u! : sc.u!, read(`u${sfx}`));
        const p: Record<string, number> = { x, xDistinct, xRows, mask, bar: BARRIER_BYTES, c0: 0, cT: 0 };
        for (const [key, offset] of Object.entries(at)) p[key] = base + offset;
        for (const s of states) arena.write(p[`${s}0`]!, read(`${s}0${sfx}`));
        if (dropped) arena.write(p.drop!, read(`recurrentMask${sfx}`));
        else Object.assign(p, { drop: 0, hd0: 0, hd: 0 });
        Object.assign(p, sc);
        // a second bias row (GRU resetAfter: the recurrent bias) follows the first
        p.bias = hasBias ? sc.bias! : 0;
        p.recurrentBias = hasBias && biasFloats > g ? sc.bias! + g * 4 : 0;
        return cell.forwardArgs(p, d, { act, rec, goBackwards: backwards[l]!, variant, distinct: shared?.count ?? 0 });
      });
      runLanes(runtime, cell.forward, calls);
      suffixes.forEach((_, l) => {
        const at = layout.lanes[l]!;
        const sc = scratch[l]!;
        if (forGradient && !keepsWeights) {
          runtime.exports.transpose(sc.w!, base + at.wT!, inputDim, g);
          runtime.exports.transpose(sc.u!, base + at.uT!, units, g);
        }
        const o = laneOuts[l]!;
        if (o.y !== null) arrays.read(o.y, name).set(arena.view(base + at.y!, seq));
        states.forEach((s, k) => arrays.read(o.finals[k]!, name).set(arena.view(sc[`${s}T`]!, state)));
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
function backwardKernel(backendName: FusedKernelBackend, cell: SequenceCell, name: string, suffixes: readonly string[]): KernelFunc {
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
    if (m.cell !== JOB_FUNCTIONS.indexOf(cell.forward)) {
      throw new BackendsError("KERNEL_INPUT", `${name}: expected the handle of a ${cell.forward} call, got one of ${JOB_FUNCTIONS[m.cell!] ?? "another kernel"}`);
    }
    const d: SequenceDims = { batch: m.batch!, time: m.time!, inputDim: m.inputDim!, units: m.units! };
    const { batch: B, time: T, inputDim: D, units: U } = d;
    const g = cell.gates * U;
    const variant = m.variant!;
    const states = stateNames(cell);
    const shapes = checkInputs(name, inputs, [], suffixes.flatMap((sfx) => [`dy${sfx}`, ...states.map((s) => `d${s}${sfx}`)]));
    for (const sfx of suffixes) {
      expectShape(name, `dy${sfx}`, shapes[`dy${sfx}`], [B, T, U]);
      for (const s of states) expectShape(name, `d${s}${sfx}`, shapes[`d${s}${sfx}`], [B, U]);
    }
    const backwards = suffixes.length === 1 ? [m.goBackwards!] : [0, 1];
    const seq = B * T * U;
    const state = B * U;
    const biasShape = cell.biasShape(U, variant);
    const biasFloats = sizeOf(biasShape);
    const layout = keptLayout(cell, d, variant, suffixes.length, m.masked === 1, m.dropped === 1);
    const base = block.offset;
    const outDx = arrays.output([B, T, D]);
    const laneOuts = suffixes.map(() => ({
      dw: arrays.output([D, g]),
      du: arrays.output([U, g]),
      db: arrays.output(biasShape),
      dStates: states.map(() => arrays.output([B, U])),
    }));
    try {
      const scratch = suffixes.map((sfx) => {
        const sc: Record<string, number> = {
          dy: inputs[`dy${sfx}`] === undefined ? 0 : arena.alloc(seq),
          dhRec: arena.alloc(state),
          dz: arena.alloc(B * T * g),
          dx: arena.alloc(B * T * D),
          dw: arena.alloc(D * g),
          db: arena.alloc(biasFloats),
          du: arena.alloc(U * g),
        };
        for (const s of states) sc[`d${s}`] = arena.alloc(state);
        for (const [key, floats] of Object.entries(cell.scratch(d, variant, runtime.exports))) sc[key] = arena.alloc(floats);
        return sc;
      });
      arena.commit();
      const read = (key: string): Float32Array => arrays.read(inputs[key]!, name);
      const calls = suffixes.map((sfx, l) => {
        const at = layout.lanes[l]!;
        const sc = scratch[l]!;
        if (sc.dy !== 0) arena.write(sc.dy!, read(`dy${sfx}`));
        for (const s of states) {
          if (inputs[`d${s}${sfx}`] === undefined) arena.zero(sc[`d${s}`]!, state);
          else arena.write(sc[`d${s}`]!, read(`d${s}${sfx}`));
        }
        const p: Record<string, number> = {
          x: base + layout.x,
          mask: m.masked === 1 ? base + layout.mask : 0,
          bar: BARRIER_BYTES,
          c0: 0,
          dc: 0,
          drop: 0,
          hd0: 0,
          hd: 0,
        };
        for (const [key, offset] of Object.entries(at)) p[key] = base + offset;
        Object.assign(p, sc);
        // a second bias row (GRU resetAfter: the recurrent bias) follows the first
        p.drb = biasFloats > g ? sc.db! + g * 4 : 0;
        return cell.backwardArgs(p, d, { act: m.act!, rec: m.rec!, goBackwards: backwards[l]!, variant, distinct: 0 });
      });
      runLanes(runtime, cell.backward, calls);
      const dx = arrays.read(outDx, name);
      dx.set(arena.view(scratch[0]!.dx!, B * T * D));
      for (let l = 1; l < suffixes.length; l++) {
        const more = arena.view(scratch[l]!.dx!, B * T * D);
        for (let i = 0; i < dx.length; i++) dx[i]! += more[i]!;
      }
      suffixes.forEach((_, l) => {
        const sc = scratch[l]!;
        const o = laneOuts[l]!;
        arrays.read(o.dw, name).set(arena.view(sc.dw!, D * g));
        arrays.read(o.du, name).set(arena.view(sc.du!, U * g));
        arrays.read(o.db, name).set(arena.view(sc.db!, biasFloats));
        states.forEach((s, k) => arrays.read(o.dStates[k]!, name).set(arena.view(sc[`d${s}`]!, state)));
      });
    } finally {
      arena.reset();
      arena.release(block.id);
    }
    return [outDx, ...laneOuts.flatMap((o) => [o.dw, o.du, o.db, ...o.dStates])];
  }) as unknown as KernelFunc;
}

/** The kernel names of one cell's whole-sequence kernels. */
export interface SequenceKernelNames {
  single: string;
  singleGrad: string;
  bidirectional: string;
  bidirectionalGrad: string;
}

/** Kernel configs of a cell's single and bidirectional whole-sequence kernels and their gradients, for one backend. */
export function sequenceKernelConfigs(backendName: FusedKernelBackend, cell: SequenceCell, names: SequenceKernelNames): KernelConfig[] {
  const one = [""];
  const two = ["F", "B"];
  return [
    { kernelName: names.single, backendName, kernelFunc: forwardKernel(backendName, cell, names.single, one) },
    { kernelName: names.singleGrad, backendName, kernelFunc: backwardKernel(backendName, cell, names.singleGrad, one) },
    { kernelName: names.bidirectional, backendName, kernelFunc: forwardKernel(backendName, cell, names.bidirectional, two) },
    { kernelName: names.bidirectionalGrad, backendName, kernelFunc: backwardKernel(backendName, cell, names.bidirectionalGrad, two) },
  ];
}

/**
 * Whether the fast recurrent layers should use the whole-sequence kernels: they can run here (WebAssembly SIMD,
 * threads and shared memory are available) and the `sequenceKernels` test switch (`setRecurrentKernelSwitches` of
 * `@recurrent/backends/testing`) is on, as it is by default. The same for every cell.
 *
 * @example
 * sequenceKernelsAvailable() // true in Node 20 with the default settings
 */
export function sequenceKernelsAvailable(): boolean {
  return recurrentKernelSettingsStore.get().sequenceKernels && sequenceRuntime() !== null;
}
