import { rnnBackward, rnnForward } from "@recurrent/rnn-cells";
import type { CellKind, RnnForwardResult, RnnGradients, RnnSpec, RnnWeights } from "@recurrent/rnn-cells";
import type { RecurrentActivation } from "../kernels/recurrent/step/recurrent-activation";

/**
 * The case table of the whole-sequence kernel tests (test helper, not part of the public API): every cell, both GRU
 * variants, masks with gaps, goBackwards, initial states, unit counts that are not multiples of 4 (the SIMD tails
 * and unequal thread shares) and some that are (the 4 × 8 register tiles), and the single-step, single-unit
 * corner. Each case's data come from a seeded generator, and the expected values from the float64 reference of
 * @recurrent/rnn-cells.
 */
export interface SequenceKernelCase {
  cell: CellKind;
  /** GRU only: Keras's reset_after variant (bias [2, 3·units]). */
  resetAfter: boolean;
  batch: number;
  time: number;
  inputDim: number;
  units: number;
  bias: boolean;
  goBackwards: boolean;
  masked: boolean;
  /** Random initial states instead of zeros. */
  initialState: boolean;
  act: RecurrentActivation;
  rec: RecurrentActivation;
}

type Shape = Omit<SequenceKernelCase, "cell" | "resetAfter">;

/** Shapes and options every cell runs (batch ≥ 4 and time ≥ 7 where masked: see {@link caseMask}). */
const SHAPES: Shape[] = [
  { batch: 5, time: 7, inputDim: 9, units: 13, bias: true, goBackwards: false, masked: true, initialState: true, act: "tanh", rec: "sigmoid" },
  { batch: 5, time: 7, inputDim: 9, units: 13, bias: true, goBackwards: true, masked: true, initialState: false, act: "tanh", rec: "hardSigmoid" },
  { batch: 8, time: 4, inputDim: 16, units: 16, bias: false, goBackwards: false, masked: false, initialState: true, act: "tanh", rec: "sigmoid" },
  { batch: 3, time: 5, inputDim: 2, units: 6, bias: true, goBackwards: true, masked: false, initialState: true, act: "relu", rec: "sigmoid" },
  { batch: 1, time: 1, inputDim: 1, units: 1, bias: false, goBackwards: false, masked: false, initialState: false, act: "tanh", rec: "sigmoid" },
];

/** The cells and variants of the table; the LSTM's rows check its kernels against the same reference. */
const CELLS: { cell: CellKind; resetAfter: boolean }[] = [
  { cell: "gru", resetAfter: false },
  { cell: "gru", resetAfter: true },
  { cell: "simple-rnn", resetAfter: false },
  { cell: "lstm", resetAfter: false },
];

export const SEQUENCE_KERNEL_CASES: readonly SequenceKernelCase[] = CELLS.flatMap((c) => SHAPES.map((s) => ({ ...c, ...s })));

export const GATE_BLOCKS: Readonly<Record<CellKind, number>> = { lstm: 4, gru: 3, "simple-rnn": 1 };

export function caseLabel(c: SequenceKernelCase): string {
  const cell = c.cell === "gru" ? `gru resetAfter ${c.resetAfter ? 1 : 0}` : c.cell;
  const flags = [
    c.bias ? "" : " no bias",
    c.goBackwards ? " goBackwards" : "",
    c.masked ? " masked" : "",
    c.initialState ? " initial state" : "",
  ].join("");
  return `${cell}: B${c.batch} T${c.time} D${c.inputDim} U${c.units}${flags} ${c.act}/${c.rec}`;
}

/** Seeded values in [−scale, scale) (LCG), so failures reproduce. */
function values(n: number, seed: number, scale: number): Float32Array {
  const out = new Float32Array(n);
  let s = (seed * 2654435761) >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s / 2 ** 32) * 2 - 1) * scale;
  }
  return out;
}

/**
 * The mask [batch, time] of a masked case, 1 = real step: row 0 pre-padded (2 steps), row 1 post-padded (3 steps),
 * row 2 with a gap in the middle (step 3), row 3 with two gaps (steps 1 and 4); other rows unpadded.
 */
export function caseMask(c: SequenceKernelCase): Float32Array {
  const m = new Float32Array(c.batch * c.time).fill(1);
  const gap = (b: number, t: number) => {
    if (b < c.batch && t < c.time) m[b * c.time + t] = 0;
  };
  for (let t = 0; t < 2; t++) gap(0, t);
  for (let t = c.time - 3; t < c.time; t++) gap(1, t);
  gap(2, 3);
  gap(3, 1);
  gap(3, 4);
  return m;
}

/** The inputs of one case: float32 arrays, laid out as the kernels and tf.layers take them. */
export interface CaseData {
  x: Float32Array;
  kernel: Float32Array;
  recurrentKernel: Float32Array;
  /** [G·units], or [2, 3·units] for the reset-after GRU; null without bias. */
  bias: Float32Array | null;
  h0: Float32Array;
  /** LSTM only. */
  c0: Float32Array | null;
  mask: Float32Array | null;
  /** Incoming gradients: of the output sequence [batch, time, units], of the final h and c [batch, units]. */
  dy: Float32Array;
  dh: Float32Array;
  dc: Float32Array | null;
}

export function caseData(c: SequenceKernelCase, seed: number): CaseData {
  const g = GATE_BLOCKS[c.cell] * c.units;
  const state = c.batch * c.units;
  const lstm = c.cell === "lstm";
  return {
    x: values(c.batch * c.time * c.inputDim, seed, 1),
    kernel: values(c.inputDim * g, seed + 1, 0.6),
    recurrentKernel: values(c.units * g, seed + 2, 0.5),
    bias: c.bias ? values((c.resetAfter ? 2 : 1) * g, seed + 3, 0.5) : null,
    h0: c.initialState ? values(state, seed + 4, 0.8) : new Float32Array(state),
    c0: lstm ? (c.initialState ? values(state, seed + 5, 0.8) : new Float32Array(state)) : null,
    mask: c.masked ? caseMask(c) : null,
    dy: values(c.batch * c.time * c.units, seed + 6, 1),
    dh: values(state, seed + 7, 1),
    dc: lstm ? values(state, seed + 8, 1) : null,
  };
}

export function caseSpec(c: SequenceKernelCase): RnnSpec {
  return {
    cell: c.cell,
    units: c.units,
    inputDim: c.inputDim,
    activation: c.act,
    recurrentActivation: c.rec,
    useBias: c.bias,
    resetAfter: c.resetAfter,
  };
}

function caseWeights(data: CaseData): RnnWeights {
  return { kernel: data.kernel, recurrentKernel: data.recurrentKernel, ...(data.bias === null ? {} : { bias: data.bias }) };
}

/** The float64 reference forward pass (output sequence in processing order, as the kernels return it). */
export function referenceForward(c: SequenceKernelCase, data: CaseData): RnnForwardResult {
  return rnnForward(caseSpec(c), caseWeights(data), data.x, [c.batch, c.time, c.inputDim], {
    initialState: { h: data.h0, ...(data.c0 === null ? {} : { c: data.c0 }) },
    goBackwards: c.goBackwards,
    ...(data.mask === null ? {} : { mask: data.mask }),
    returnSequences: true,
  });
}

/** The float64 reference gradients of Σ y ⊙ dy + Σ hT ⊙ dh (+ Σ cT ⊙ dc). */
export function referenceBackward(c: SequenceKernelCase, data: CaseData, forward: RnnForwardResult): RnnGradients {
  return rnnBackward(caseWeights(data), forward, {
    output: data.dy,
    finalState: { h: data.dh, ...(data.dc === null ? {} : { c: data.dc }) },
  });
}
