import { describe, expect, it } from "vitest";
import { expectClose } from "./expect-close";
import { RnnCellsError, initWeights, rnnForward, seededRandom, weightShapes } from "./index";
import type { RnnSpec } from "./index";

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const F64 = (...v: number[]) => Float64Array.from(v);

function randomArray(n: number, seed: number, scale = 1): Float64Array {
  const rand = seededRandom(seed);
  return Float64Array.from({ length: n }, () => (2 * rand() - 1) * scale);
}

describe("rnnForward: closed forms with one unit", () => {
  // Goldens: the cell equations written out by hand for units = inputDim = 1.
  it("SimpleRNN: h1 = tanh(0.5·1 + 0.1), h2 = tanh(0.5·2 + 0.5·h1 + 0.1)", () => {
    const spec: RnnSpec = { cell: "simple-rnn", units: 1, inputDim: 1 };
    const w = { kernel: F64(0.5), recurrentKernel: F64(0.5), bias: F64(0.1) };
    const r = rnnForward(spec, w, F64(1, 2), [1, 2, 1], { returnSequences: true });
    const h1 = Math.tanh(0.6);
    const h2 = Math.tanh(1.1 + 0.5 * h1);
    expect(r.outputShape).toEqual([1, 2, 1]);
    expectClose(r.output, [h1, h2], { atol: 1e-15, shape: [1, 2, 1] });
    expectClose(r.finalState.h, [h2], { atol: 1e-15, shape: [1, 1] });
  });

  it("LSTM: gates i, f, c, o in Keras order", () => {
    const spec: RnnSpec = { cell: "lstm", units: 1, inputDim: 1 };
    // kernel [1, 4] = (W_i, W_f, W_c, W_o); recurrent [1, 4]; bias [4]
    const w = { kernel: F64(0.1, 0.2, 0.3, 0.4), recurrentKernel: F64(-0.5, 0.6, 0.7, -0.8), bias: F64(0.01, 1, 0.02, 0.03) };
    const c0 = 0.3;
    const h0 = -0.2;
    const x = 1.5;
    const r = rnnForward(spec, w, F64(x), [1, 1, 1], { initialState: { h: F64(h0), c: F64(c0) } });
    const i = sigmoid(0.1 * x - 0.5 * h0 + 0.01);
    const f = sigmoid(0.2 * x + 0.6 * h0 + 1);
    const g = Math.tanh(0.3 * x + 0.7 * h0 + 0.02);
    const o = sigmoid(0.4 * x - 0.8 * h0 + 0.03);
    const c = f * c0 + i * g;
    expectClose(r.finalState.c!, [c], { atol: 1e-15, shape: [1, 1] });
    expectClose(r.output, [o * Math.tanh(c)], { atol: 1e-15, shape: [1, 1] });
    expectClose(r.gateActivations, [i, f, g, o], { atol: 1e-15, shape: [1, 1, 4] });
  });

  it("GRU: resetAfter false (tfjs) and true (Keras) differ exactly by where r is applied", () => {
    const base = { kernel: F64(0.1, 0.2, 0.3), recurrentKernel: F64(0.4, -0.5, 0.6) };
    const h0 = 0.7;
    const x = -1.2;
    const z = sigmoid(0.1 * x + 0.4 * h0 + 0.05);
    const before = rnnForward({ cell: "gru", units: 1, inputDim: 1 }, { ...base, bias: F64(0.05, 0.06, 0.07) }, F64(x), [1, 1, 1], {
      initialState: { h: F64(h0) },
    });
    {
      const r = sigmoid(0.2 * x - 0.5 * h0 + 0.06);
      const hh = Math.tanh(0.3 * x + 0.07 + 0.6 * (r * h0));
      expectClose(before.output, [z * h0 + (1 - z) * hh], { atol: 1e-15, shape: [1, 1] });
    }
    // resetAfter: bias [2, 3] = input bias row, recurrent bias row
    const after = rnnForward(
      { cell: "gru", units: 1, inputDim: 1, resetAfter: true },
      { ...base, bias: F64(0.05, 0.06, 0.07, 0, 0, 0.08) },
      F64(x),
      [1, 1, 1],
      { initialState: { h: F64(h0) } },
    );
    {
      const r = sigmoid(0.2 * x - 0.5 * h0 + 0.06);
      const hh = Math.tanh(0.3 * x + 0.07 + r * (0.6 * h0 + 0.08));
      expectClose(after.output, [z * h0 + (1 - z) * hh], { atol: 1e-15, shape: [1, 1] });
    }
  });
});

describe("rnnForward: sequence options", () => {
  const cases: RnnSpec[] = [
    { cell: "simple-rnn", units: 3, inputDim: 2 },
    { cell: "lstm", units: 3, inputDim: 2 },
    { cell: "gru", units: 3, inputDim: 2 },
    { cell: "gru", units: 3, inputDim: 2, resetAfter: true },
  ];
  const [B, T, F] = [2, 5, 2];
  const x = randomArray(B * T * F, 11);

  it.each(cases)("$cell (resetAfter $resetAfter): goBackwards equals the forward pass over time-reversed inputs", (spec) => {
    const w = initWeights(spec, { seed: 1 });
    const reversed = new Float64Array(x.length);
    for (let b = 0; b < B; b++)
      for (let t = 0; t < T; t++)
        for (let f = 0; f < F; f++) reversed[(b * T + t) * F + f] = x[(b * T + (T - 1 - t)) * F + f]!;
    const back = rnnForward(spec, w, x, [B, T, F], { goBackwards: true, returnSequences: true });
    const fwd = rnnForward(spec, w, reversed, [B, T, F], { returnSequences: true });
    expectClose(back.output, fwd.output, { atol: 0, shape: [B, T, 3] });
  });

  it.each(cases)("$cell (resetAfter $resetAfter): a masked step carries the state and outputs the carried h", (spec) => {
    const w = initWeights(spec, { seed: 2 });
    const mask = [1, 0, 0, 1, 1, /* batch 1 */ 0, 0, 0, 0, 0];
    const h0 = randomArray(B * 3, 5);
    const init = spec.cell === "lstm" ? { h: h0, c: randomArray(B * 3, 6) } : { h: h0 };
    const r = rnnForward(spec, w, x, [B, T, F], { mask, returnSequences: true, initialState: init });
    const at = (b: number, t: number) => Array.from(r.output.subarray((b * T + t) * 3, (b * T + t + 1) * 3));
    expectClose(at(0, 1), at(0, 0), { atol: 0, label: "step 1 = step 0" });
    expectClose(at(0, 2), at(0, 0), { atol: 0, label: "step 2 = step 0" });
    // batch 1 fully masked: every output and the final state are the initial state
    for (let t = 0; t < T; t++) expectClose(at(1, t), h0.subarray(3, 6), { atol: 0, label: `batch 1 step ${t}` });
    // an unmasked step after masked ones equals running the valid steps only
    const valid = new Float64Array([...x.subarray(0, 2), ...x.subarray(6, 10)]);
    const ref = rnnForward(spec, w, valid, [1, 3, F], {
      returnSequences: true,
      initialState: spec.cell === "lstm" ? { h: h0.subarray(0, 3), c: init.c!.subarray(0, 3) } : { h: h0.subarray(0, 3) },
    });
    expectClose(r.finalState.h.subarray(0, 3), ref.finalState.h, { atol: 1e-15, shape: [1, 3] });
  });

  it.each(cases)("$cell (resetAfter $resetAfter): float32 rounds every stored value and stays within 1e-6 of float64", (spec) => {
    const w = initWeights(spec, { seed: 3 });
    const r64 = rnnForward(spec, w, x, [B, T, F], { returnSequences: true });
    const r32 = rnnForward(spec, w, Float32Array.from(x), [B, T, F], { returnSequences: true, dtype: "float32" });
    expect(r32.output).toBeInstanceOf(Float32Array);
    expect(r64.output).toBeInstanceOf(Float64Array);
    expectClose(r32.output, r64.output, { atol: 1e-6, shape: [B, T, 3] });
  });

  it("returnSequences false returns the last processing step", () => {
    const spec: RnnSpec = { cell: "lstm", units: 3, inputDim: 2 };
    const w = initWeights(spec, { seed: 4 });
    const all = rnnForward(spec, w, x, [B, T, F], { returnSequences: true, goBackwards: true });
    const last = rnnForward(spec, w, x, [B, T, F], { goBackwards: true });
    expect(last.outputShape).toEqual([B, 3]);
    for (let b = 0; b < B; b++) {
      expectClose(last.output.subarray(b * 3, b * 3 + 3), all.output.subarray((b * T + T - 1) * 3, (b * T + T) * 3), { atol: 0 });
    }
  });
});

describe("rnnForward: bad input", () => {
  const spec: RnnSpec = { cell: "lstm", units: 2, inputDim: 3 };
  const w = initWeights(spec);
  const x = new Float64Array(2 * 4 * 3);

  it("names the expected and received kernel shape", () => {
    const bad = { ...w, kernel: new Float64Array(23) };
    expect(() => rnnForward(spec, bad, x, [2, 4, 3])).toThrow(
      "expected kernel of shape [3, 8] (24 elements), got 23 elements",
    );
    try {
      rnnForward(spec, bad, x, [2, 4, 3]);
    } catch (e) {
      expect(e).toBeInstanceOf(RnnCellsError);
      expect((e as RnnCellsError).code).toBe("SHAPE_MISMATCH");
    }
  });

  it("rejects NaN inputs with NON_FINITE and the index", () => {
    const bad = x.slice();
    bad[7] = Number.NaN;
    expect(() => rnnForward(spec, w, bad, [2, 4, 3])).toThrow("expected finite values in inputs, got NaN at index 7");
  });

  it("rejects a feature count that differs from the spec, plain arrays, and bad specs", () => {
    expect(() => rnnForward(spec, w, new Float64Array(2 * 4 * 2), [2, 4, 2])).toThrow(
      "expected inputs with 3 features (spec.inputDim), got 2",
    );
    expect(() => rnnForward(spec, w, [0, 1, 2] as unknown as Float64Array, [1, 1, 3])).toThrow(
      "expected inputs to be a Float32Array or Float64Array [1, 1, 3], got Array",
    );
    expect(() => rnnForward({ ...spec, units: 0 }, w, x, [2, 4, 3])).toThrow("expected units to be a positive integer, got 0");
    expect(() => rnnForward({ ...spec, resetAfter: true }, w, x, [2, 4, 3])).toThrow(RangeError);
    expect(() => rnnForward(spec, w, x, [2, 4, 3], { initialState: { h: new Float64Array(4) } })).toThrow(
      "expected initialState.c for an LSTM, got undefined",
    );
    expect(() => rnnForward(spec, w, x, [2, 4, 3], { mask: [1, 0] })).toThrow(
      "expected mask of shape [2, 4] (8 elements), got 2 elements",
    );
  });

  it("weightShapes gives the Keras layout", () => {
    expect(weightShapes({ cell: "gru", units: 4, inputDim: 3, resetAfter: true })).toEqual({
      kernel: [3, 12],
      recurrentKernel: [4, 12],
      bias: [2, 12],
    });
    expect(weightShapes({ cell: "simple-rnn", units: 4, inputDim: 3, useBias: false }).bias).toBeUndefined();
  });
});
