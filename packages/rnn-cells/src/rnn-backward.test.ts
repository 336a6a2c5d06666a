import { afterAll, describe, expect, it } from "vitest";
import { expectClose } from "./expect-close";
import { globalNorm, gradientCheck, initWeights, rnnBackward, rnnForward, seededRandom } from "./index";
import type { GradientCheckOptions, RnnSpec } from "./index";

function randomArray(n: number, seed: number, scale = 1): Float64Array {
  const rand = seededRandom(seed);
  return Float64Array.from({ length: n }, () => (2 * rand() - 1) * scale);
}

const UNITS = 3;
const [B, T, F] = [2, 6, 2];
const SPECS: RnnSpec[] = [
  { cell: "simple-rnn", units: UNITS, inputDim: F },
  { cell: "simple-rnn", units: UNITS, inputDim: F, activation: "relu" },
  { cell: "lstm", units: UNITS, inputDim: F },
  { cell: "lstm", units: UNITS, inputDim: F, recurrentActivation: "hardSigmoid" },
  { cell: "gru", units: UNITS, inputDim: F },
  { cell: "gru", units: UNITS, inputDim: F, recurrentActivation: "hardSigmoid" },
  { cell: "gru", units: UNITS, inputDim: F, resetAfter: true },
  { cell: "lstm", units: UNITS, inputDim: F, useBias: false },
  { cell: "gru", units: UNITS, inputDim: F, resetAfter: true, useBias: false },
  { cell: "simple-rnn", units: UNITS, inputDim: F, useBias: false },
];
const MASK = [1, 1, 0, 1, 0, 1, /* batch 1 */ 0, 1, 1, 0, 1, 1];
const MODES: Record<string, GradientCheckOptions> = {
  "full, last output": {},
  "full, every output": { returnSequences: true },
  "full, final h and c only": { upstream: {} }, // filled per cell below
  reversed: { goBackwards: true, returnSequences: true },
  masked: { mask: MASK, returnSequences: true },
  "truncated k=2 (sliding)": { truncate: 2, returnSequences: true },
  "truncated k=4 (chunked)": { truncate: 4, truncateMode: "chunked", returnSequences: true },
  "truncated k=3, reversed, masked": { truncate: 3, goBackwards: true, mask: MASK, returnSequences: true },
  "with initial state": { initialState: { h: randomArray(B * UNITS, 8, 0.5) } },
};

const label = (s: RnnSpec) =>
  `${s.cell}${s.resetAfter ? " resetAfter" : ""}${s.activation ? ` ${s.activation}` : ""}${s.recurrentActivation ? ` ${s.recurrentActivation}` : ""}${s.useBias === false ? " no bias" : ""}`;
const CASES = SPECS.flatMap((spec) => Object.keys(MODES).map((mode) => ({ name: `${label(spec)}: ${mode}`, spec, mode })));

let maxRelErr = 0;
afterAll(() => {
  console.log(`gradient checks: ${CASES.length} cases, max relative error ${maxRelErr.toExponential(2)}`);
});

describe("rnnBackward against central differences (float64, relative error ≤ 1e-6)", () => {
  const x = randomArray(B * T * F, 3);
  it.each(CASES)("$name", ({ spec, mode }) => {
    const w = initWeights(spec, { seed: 5, scale: 0.8 });
    let options = MODES[mode]!;
    if (mode.startsWith("full, final")) {
      options = { upstream: { finalState: { h: randomArray(B * UNITS, 9), ...(spec.cell === "lstm" ? { c: randomArray(B * UNITS, 10) } : {}) } } };
    }
    if (mode === "with initial state" && spec.cell === "lstm") {
      options = { initialState: { h: randomArray(B * UNITS, 8, 0.5), c: randomArray(B * UNITS, 12, 0.5) } };
    }
    const result = gradientCheck(spec, w, x, [B, T, F], options);
    const names = result.entries.map((e) => e.name);
    expect(names).toContain("kernel");
    expect(names).toContain("initialState.h");
    for (const e of result.entries) {
      expect(e.analytic.length).toBe(e.numeric.length);
      if (!(e.relativeError <= 1e-6)) {
        throw new Error(`${e.name}: relative error ${e.relativeError} > 1e-6 (max abs error ${e.maxAbsError})`);
      }
    }
    // the check is not vacuous: the kernel gradient is far from zero
    expect(globalNorm([result.entries[0]!.analytic])).toBeGreaterThan(1e-3);
    maxRelErr = Math.max(maxRelErr, result.maxRelativeError);
  });
});

describe("rnnBackward semantics", () => {
  const spec: RnnSpec = { cell: "lstm", units: UNITS, inputDim: F };
  const w = initWeights(spec, { seed: 7 });
  const x = randomArray(B * T * F, 4);
  const fwd = rnnForward(spec, w, x, [B, T, F], { returnSequences: true });
  const dOut = randomArray(fwd.output.length, 6);

  it("truncation changes the gradient when k < time and not when k ≥ time", () => {
    const full = rnnBackward(w, fwd, { output: dOut });
    const same = rnnBackward(w, fwd, { output: dOut }, { truncate: T });
    expectClose(same.recurrentKernel, full.recurrentKernel, { atol: 0 });
    const cut = rnnBackward(w, fwd, { output: dOut }, { truncate: 2 });
    const chunk = rnnBackward(w, fwd, { output: dOut }, { truncate: 2, truncateMode: "chunked" });
    let diff = 0;
    let diffModes = 0;
    for (let i = 0; i < full.recurrentKernel.length; i++) {
      diff = Math.max(diff, Math.abs(full.recurrentKernel[i]! - cut.recurrentKernel[i]!));
      diffModes = Math.max(diffModes, Math.abs(chunk.recurrentKernel[i]! - cut.recurrentKernel[i]!));
    }
    expect(diff).toBeGreaterThan(1e-4);
    expect(diffModes).toBeGreaterThan(1e-4);
    // with k = 2 only the first two outputs reach the initial state (sliding)
    const onlyLate = dOut.slice();
    for (let b = 0; b < B; b++) for (let s = 0; s < 2; s++) onlyLate.fill(0, (b * T + s) * UNITS, (b * T + s + 1) * UNITS);
    const late = rnnBackward(w, fwd, { output: onlyLate }, { truncate: 2 });
    expectClose(late.initialState.h, new Float64Array(B * UNITS), { atol: 0 });
  });

  it("masked steps get a zero input gradient", () => {
    const masked = rnnForward(spec, w, x, [B, T, F], { returnSequences: true, mask: MASK });
    const g = rnnBackward(w, masked, { output: dOut });
    for (let b = 0; b < B; b++)
      for (let t = 0; t < T; t++) {
        const row = Array.from(g.inputs.subarray((b * T + t) * F, (b * T + t + 1) * F));
        if (MASK[b * T + t] === 0) expect(row.every((v) => v === 0)).toBe(true);
        else expect(row.some((v) => v !== 0)).toBe(true);
      }
  });

  it("clips by global norm, then by value, and reports the norm before clipping", () => {
    const full = rnnBackward(w, fwd, { output: dOut });
    const norm = globalNorm([full.kernel, full.recurrentKernel, full.bias!]);
    expect(full.globalNorm).toBeCloseTo(norm, 12);
    const max = norm / 4;
    const clipped = rnnBackward(w, fwd, { output: dOut }, { clipGlobalNorm: max });
    expect(globalNorm([clipped.kernel, clipped.recurrentKernel, clipped.bias!])).toBeCloseTo(max, 12);
    expectClose(clipped.kernel, full.kernel.map((v) => v / 4), { atol: 1e-15 });
    expectClose(clipped.inputs, full.inputs, { atol: 0, label: "input gradients are not clipped" });
    const byValue = rnnBackward(w, fwd, { output: dOut }, { clipValue: 0.05 });
    expect(Math.max(...byValue.kernel.map(Math.abs))).toBeLessThanOrEqual(0.05);
    expect(Math.max(...full.kernel.map(Math.abs))).toBeGreaterThan(0.05);
  });

  it("float32 gradients stay within 1e-5 of float64", () => {
    const f32 = rnnForward(spec, w, Float32Array.from(x), [B, T, F], { returnSequences: true, dtype: "float32" });
    const g32 = rnnBackward(w, f32, { output: Float32Array.from(dOut) });
    const g64 = rnnBackward(w, fwd, { output: dOut });
    expect(g32.kernel).toBeInstanceOf(Float32Array);
    expectClose(g32.kernel, g64.kernel, { atol: 1e-5 });
    expectClose(g32.inputs, g64.inputs, { atol: 1e-5 });
  });

  it("rejects missing or misshapen upstream gradients and bad options", () => {
    expect(() => rnnBackward(w, fwd, {})).toThrow("expected upstream.output or upstream.finalState, got neither");
    expect(() => rnnBackward(w, fwd, { output: new Float64Array(3) })).toThrow(
      `expected upstream.output of shape [${B}, ${T}, ${UNITS}] (${B * T * UNITS} elements), got 3 elements`,
    );
    expect(() => rnnBackward(w, fwd, { output: dOut }, { truncate: 0 })).toThrow(
      "expected truncate to be a positive integer, got 0",
    );
    expect(() => rnnBackward(w, fwd, { output: dOut }, { clipGlobalNorm: -1 })).toThrow("expected maxNorm > 0 and finite, got -1");
  });
});
