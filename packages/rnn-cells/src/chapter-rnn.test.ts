import { afterAll, describe, expect, it } from "vitest";
import { expectClose } from "./expect-close";
import { chapterRnnBackward, chapterRnnForward, numericGradient, relativeError, rnnForward, seededRandom } from "./index";
import type { ChapterRnnSpec, ChapterRnnWeights, Recurrence } from "./index";

function randomArray(n: number, seed: number, scale = 1): Float64Array {
  const rand = seededRandom(seed);
  return Float64Array.from({ length: n }, () => (2 * rand() - 1) * scale);
}

const [B, T, D, Hn, On] = [2, 5, 3, 4, 2];
const RECURRENCES: Recurrence[] = ["hidden-to-hidden", "output-to-hidden", "output-to-output"];

function weightsFor(spec: ChapterRnnSpec, seed: number): ChapterRnnWeights {
  const S = spec.recurrence === "hidden-to-hidden" ? spec.hiddenUnits : spec.outputUnits;
  const base = {
    wxh: randomArray(spec.inputDim * spec.hiddenUnits, seed, 0.7),
    bh: randomArray(spec.hiddenUnits, seed + 1, 0.3),
    who: randomArray(spec.hiddenUnits * spec.outputUnits, seed + 2, 0.7),
    bo: randomArray(spec.outputUnits, seed + 3, 0.3),
  };
  if (spec.recurrence === "hidden-to-hidden") return { ...base, whh: randomArray(S * spec.hiddenUnits, seed + 4, 0.7) };
  if (spec.recurrence === "output-to-hidden") return { ...base, woh: randomArray(S * spec.hiddenUnits, seed + 4, 0.7) };
  return { ...base, woo: randomArray(S * spec.outputUnits, seed + 4, 0.7) };
}

const x = randomArray(B * T * D, 21);

describe("chapterRnnForward", () => {
  it.each(RECURRENCES)("%s: the concatenated form W = [W_xh; W_rec] gives the same outputs", (recurrence) => {
    const spec: ChapterRnnSpec = { recurrence, inputDim: D, hiddenUnits: Hn, outputUnits: On, outputActivation: "sigmoid" };
    const w = weightsFor(spec, 1);
    const split = chapterRnnForward(spec, w, x, [B, T, D]);
    const joint = chapterRnnForward({ ...spec, concatenated: true }, w, x, [B, T, D]);
    // same products summed in the same order: equal to the last bit
    expectClose(joint.outputs, split.outputs, { atol: 0, shape: [B, T, On] });
    expectClose(joint.hidden, split.hidden, { atol: 0, shape: [B, T, Hn] });
  });

  it("Keras SimpleRNN is output-to-output with linear φ_h, W_ho = I, b_o = 0, φ_o = tanh (and hidden-to-hidden with W_ho = I, linear φ_o)", () => {
    const units = 3;
    const kernel = randomArray(D * units, 2, 0.8);
    const recurrentKernel = randomArray(units * units, 3, 0.8);
    const bias = randomArray(units, 4, 0.3);
    const keras = rnnForward({ cell: "simple-rnn", units, inputDim: D }, { kernel, recurrentKernel, bias }, x, [B, T, D], {
      returnSequences: true,
    });
    const eye = Float64Array.from({ length: units * units }, (_, i) => (i % (units + 1) === 0 ? 1 : 0));
    const o2o = chapterRnnForward(
      { recurrence: "output-to-output", inputDim: D, hiddenUnits: units, outputUnits: units, hiddenActivation: "linear", outputActivation: "tanh" },
      { wxh: kernel, bh: bias, who: eye, bo: new Float64Array(units), woo: recurrentKernel },
      x,
      [B, T, D],
    );
    expectClose(o2o.outputs, keras.output, { atol: 1e-15, shape: [B, T, units] });
    const h2h = chapterRnnForward(
      { recurrence: "hidden-to-hidden", inputDim: D, hiddenUnits: units, outputUnits: units, hiddenActivation: "tanh", outputActivation: "linear" },
      { wxh: kernel, bh: bias, who: eye, bo: new Float64Array(units), whh: recurrentKernel },
      x,
      [B, T, D],
    );
    expectClose(h2h.outputs, keras.output, { atol: 1e-15, shape: [B, T, units] });
  });

  it("rejects a recurrent matrix the recurrence does not use", () => {
    const spec: ChapterRnnSpec = { recurrence: "output-to-output", inputDim: D, hiddenUnits: Hn, outputUnits: On };
    const w = { ...weightsFor(spec, 1), whh: new Float64Array(Hn * Hn) };
    expect(() => chapterRnnForward(spec, w, x, [B, T, D])).toThrow('expected no whh with recurrence "output-to-output", got an array');
    expect(() => chapterRnnForward({ ...spec, recurrence: "sideways" as Recurrence }, weightsFor(spec, 1), x, [B, T, D])).toThrow(
      'expected recurrence to be one of hidden-to-hidden, output-to-hidden, output-to-output, got "sideways"',
    );
  });
});

let maxRelErr = 0;
afterAll(() => console.log(`chapter RNN gradient checks: max relative error ${maxRelErr.toExponential(2)}`));

describe("chapterRnnBackward against central differences (float64, relative error ≤ 1e-6)", () => {
  const cases = RECURRENCES.flatMap((recurrence) =>
    [false, true].flatMap((goBackwards) =>
      (["linear", "tanh"] as const).map((outputActivation) => ({ recurrence, goBackwards, outputActivation })),
    ),
  );
  it.each(cases)("$recurrence, goBackwards $goBackwards, φ_o $outputActivation", ({ recurrence, goBackwards, outputActivation }) => {
    const spec: ChapterRnnSpec = { recurrence, inputDim: D, hiddenUnits: Hn, outputUnits: On, outputActivation };
    const w = weightsFor(spec, 7);
    const S = recurrence === "hidden-to-hidden" ? Hn : On;
    const s0 = randomArray(B * S, 8, 0.5);
    const xs = Float64Array.from(x);
    const dO = randomArray(B * T * On, 9);
    const fwd = chapterRnnForward(spec, w, xs, [B, T, D], { initialState: s0, goBackwards });
    const g = chapterRnnBackward(w, fwd, dO);
    const loss = () => {
      const r = chapterRnnForward(spec, w, xs, [B, T, D], { initialState: s0, goBackwards });
      let l = 0;
      for (let i = 0; i < dO.length; i++) l += dO[i]! * r.outputs[i]!;
      return l;
    };
    const recName = recurrence === "hidden-to-hidden" ? "whh" : recurrence === "output-to-hidden" ? "woh" : "woo";
    const params: [string, Float64Array, Float64Array][] = [
      ["wxh", w.wxh as Float64Array, g.wxh],
      ["bh", w.bh as Float64Array, g.bh],
      ["who", w.who as Float64Array, g.who],
      ["bo", w.bo as Float64Array, g.bo],
      [recName, w[recName] as Float64Array, g[recName]!],
      ["inputs", xs, g.inputs],
      ["initialState", s0, g.initialState],
    ];
    for (const [name, param, analytic] of params) {
      const numeric = numericGradient(loss, param);
      const err = relativeError(analytic, numeric);
      if (!(err <= 1e-6)) throw new Error(`${name}: relative error ${err} > 1e-6`);
      maxRelErr = Math.max(maxRelErr, err);
    }
  });
});
