import { describe, expect, it } from "vitest";
import { expectClose } from "./expect-close";
import { gradientFlow, initWeights, numericGradient, rnnForward, seededRandom } from "./index";
import type { RnnSpec, RnnWeights } from "./index";
import { orthogonalMatrix } from "./orthogonal-matrix";

const UNITS = 4;
const LAGS = 20;

describe("gradientFlow", () => {
  it.each([0.5, 0.9, 1.5])("SimpleRNN with W_hh = %s·Q (Q orthogonal) at the zero fixed point: ‖∂h_t/∂h_k‖₂ = ρ^(t−k)", (rho) => {
    // Golden: with zero inputs, bias and state, h stays 0, tanh'(0) = 1, so ∂h_t/∂h_k = (ρQ)^(t−k)
    // (row convention), whose singular values are all ρ^(t−k).
    const spec: RnnSpec = { cell: "simple-rnn", units: UNITS, inputDim: 1 };
    const w: RnnWeights = {
      kernel: new Float64Array(UNITS),
      recurrentKernel: orthogonalMatrix(UNITS, 3).map((v) => v * rho),
      bias: new Float64Array(UNITS),
    };
    const flow = gradientFlow(spec, w, new Float64Array(LAGS), [1, LAGS, 1]);
    expect(flow.lags).toEqual(Array.from({ length: LAGS }, (_, i) => i + 1));
    expectClose(flow.hidden, flow.lags.map((l) => rho ** l), { rtol: 1e-10, shape: [LAGS] });
    expect(flow.cell).toBeUndefined();
  });

  it("matches the norm of a finite-difference Jacobian ∂h_t/∂h_0 on random inputs (GRU, Frobenius)", () => {
    const spec: RnnSpec = { cell: "gru", units: 3, inputDim: 2 };
    const w = initWeights(spec, { seed: 4, scale: 0.9 });
    const rand = seededRandom(5);
    const x = Float64Array.from({ length: 8 * 2 }, () => 2 * rand() - 1);
    const h0 = Float64Array.of(0.1, -0.2, 0.3);
    const flow = gradientFlow(spec, w, x, [1, 8, 2], { initialState: { h: h0 }, norm: "frobenius" });
    for (const lag of [1, 4, 8]) {
      let sq = 0;
      for (let i = 0; i < 3; i++) {
        const row = numericGradient((h) => {
          const r = rnnForward(spec, w, x.subarray(0, lag * 2), [1, lag, 2], { initialState: { h } });
          return r.finalState.h[i]!;
        }, Float64Array.from(h0));
        for (const v of row) sq += v * v;
      }
      expectClose([flow.hidden[lag - 1]!], [Math.sqrt(sq)], { rtol: 1e-7, label: `lag ${lag}` });
    }
  });

  it("LSTM with the forget gate near 1 keeps ‖∂c_t/∂c_k‖ near 1 while a small SimpleRNN's gradient vanishes", () => {
    const lstm: RnnSpec = { cell: "lstm", units: UNITS, inputDim: 1 };
    const w = initWeights(lstm, { seed: 6, scale: 0.1 });
    const bias = Float64Array.from(w.bias!);
    for (let u = 0; u < UNITS; u++) bias[UNITS + u] = 5; // forget bias: σ(5) ≈ 0.9933
    const rand = seededRandom(7);
    const x = Float64Array.from({ length: LAGS }, () => 2 * rand() - 1);

    // Without recurrent weights the only path from c_k to c_t is the carousel: ∂c_t/∂c_k = Π diag(f_s) exactly.
    const isolated = gradientFlow(lstm, { ...w, bias, recurrentKernel: new Float64Array(w.recurrentKernel.length) }, x, [1, LAGS, 1]);
    expectClose(isolated.cell!, isolated.forgetPath!, { rtol: 1e-12, shape: [LAGS] });
    // Π f ≥ σ(5 − 0.1·(1 + 1))^20 ≈ 0.87: close to 1 after 20 steps
    expect(isolated.forgetPath![LAGS - 1]!).toBeGreaterThan(0.85);
    expect(isolated.forgetPath![LAGS - 1]!).toBeLessThan(1);

    // With small recurrent weights the paths through h add to it: it still does not vanish.
    const flow = gradientFlow(lstm, { ...w, bias }, x, [1, LAGS, 1]);
    for (const v of flow.cell!) expect(v).toBeGreaterThan(0.85);

    const small: RnnSpec = { cell: "simple-rnn", units: UNITS, inputDim: 1 };
    const ws = { kernel: new Float64Array(UNITS), recurrentKernel: orthogonalMatrix(UNITS, 3).map((v) => v * 0.5), bias: new Float64Array(UNITS) };
    const vanish = gradientFlow(small, ws, new Float64Array(LAGS), [1, LAGS, 1]);
    expect(vanish.hidden[LAGS - 1]!).toBeLessThan(1e-5);
  });

  it("LSTM blocks match finite-difference Jacobians ∂h_t/∂h_0 and ∂c_t/∂c_0 (Frobenius)", () => {
    const spec: RnnSpec = { cell: "lstm", units: 3, inputDim: 2 };
    const w = initWeights(spec, { seed: 8, scale: 0.9 });
    const rand = seededRandom(9);
    const x = Float64Array.from({ length: 6 * 2 }, () => 2 * rand() - 1);
    const h0 = Float64Array.of(0.2, -0.1, 0.4);
    const c0 = Float64Array.of(-0.3, 0.5, 0.1);
    const flow = gradientFlow(spec, w, x, [1, 6, 2], { initialState: { h: h0, c: c0 }, norm: "frobenius" });
    for (const lag of [1, 3, 6]) {
      let sqH = 0;
      let sqC = 0;
      for (let i = 0; i < 3; i++) {
        const run = (h: Float64Array, c: Float64Array) =>
          rnnForward(spec, w, x.subarray(0, lag * 2), [1, lag, 2], { initialState: { h, c } }).finalState;
        for (const v of numericGradient((h) => run(h, c0).h[i]!, Float64Array.from(h0))) sqH += v * v;
        for (const v of numericGradient((c) => run(h0, c).c![i]!, Float64Array.from(c0))) sqC += v * v;
      }
      expectClose([flow.hidden[lag - 1]!], [Math.sqrt(sqH)], { rtol: 1e-7, label: `h, lag ${lag}` });
      expectClose([flow.cell![lag - 1]!], [Math.sqrt(sqC)], { rtol: 1e-7, label: `c, lag ${lag}` });
    }
  });

  it("rejects lags beyond the sequence", () => {
    const spec: RnnSpec = { cell: "simple-rnn", units: 2, inputDim: 1 };
    expect(() => gradientFlow(spec, initWeights(spec), new Float64Array(5), [1, 5, 1], { from: 2, maxLag: 4 })).toThrow(
      "expected maxLag to be an integer in [1, 3] (time − from), got 4",
    );
  });
});
