import { describe, expect, it } from "vitest";
import { createRandom, sampleFromLogits } from "../index";

function frequencies(logits: number[], draws: number, options: Parameters<typeof sampleFromLogits>[2] = {}): number[] {
  const random = createRandom(7);
  const counts = new Array<number>(logits.length).fill(0);
  for (let i = 0; i < draws; i++) {
    const id = sampleFromLogits(logits, random, options);
    counts[id] = (counts[id] ?? 0) + 1;
  }
  return counts.map((c) => c / draws);
}
const softmax = (z: number[]) => {
  const e = z.map((v) => Math.exp(v - Math.max(...z)));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

describe("sampleFromLogits", () => {
  const logits = [1, 2, 0.5, -1];

  it("samples with softmax probabilities (20,000 draws, 4 standard errors)", () => {
    const f = frequencies(logits, 20_000);
    softmax(logits).forEach((p, i) => {
      expect(Math.abs((f[i] as number) - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / 20_000));
    });
  });

  it("multiplies logits by scale and divides them by temperature", () => {
    const scaled = frequencies(logits, 20_000, { scale: 2 });
    const tempered = frequencies(logits, 20_000, { temperature: 0.5 });
    softmax(logits.map((v) => 2 * v)).forEach((p, i) => {
      const tol = 4 * Math.sqrt((p * (1 - p)) / 20_000);
      expect(Math.abs((scaled[i] as number) - p)).toBeLessThan(tol);
      expect(Math.abs((tempered[i] as number) - p)).toBeLessThan(tol);
    });
  });

  it("restricts the support with topK and topP", () => {
    const k2 = frequencies(logits, 2_000, { topK: 2 });
    expect(k2[2]).toBe(0);
    expect(k2[3]).toBe(0);
    // probabilities ≈ .23 .63 .14 .03: top-p 0.6 keeps only id 1
    expect(frequencies(logits, 500, { topP: 0.6 })).toStrictEqual([0, 1, 0, 0]);
    // top-p 0.8 keeps ids 1 and 0
    const p8 = frequencies(logits, 2_000, { topP: 0.8 });
    expect(p8[2]! + p8[3]!).toBe(0);
  });

  it("is reproducible from the seed", () => {
    expect(frequencies(logits, 300)).toStrictEqual(frequencies(logits, 300));
  });

  it("rejects invalid options and logits", () => {
    const r = createRandom(1);
    expect(() => sampleFromLogits([], r)).toThrow("expected at least one logit, got 0");
    expect(() => sampleFromLogits([Number.NaN], r)).toThrow("expected finite logits, got NaN at index 0");
    expect(() => sampleFromLogits([1], r, { scale: 0 })).toThrow("expected scale > 0, got 0");
    expect(() => sampleFromLogits([1], r, { topP: 1.5 })).toThrow("expected topP in (0, 1], got 1.5");
    expect(() => sampleFromLogits([1], r, { topK: -1 })).toThrow("expected topK to be a non-negative integer, got -1");
    // an overflow names scale / temperature, not the (finite) logit
    expect(() => sampleFromLogits([0.5, 3], r, { scale: 1e308, temperature: 1e-5 })).toThrow(
      "expected scale / temperature (1e+308 / 0.00001 = Infinity) small enough that logit × factor stays finite, got 0.5 × Infinity = Infinity at index 0",
    );
    expect(sampleFromLogits([Number.NEGATIVE_INFINITY, 3], r)).toBe(1); // masked logits stay allowed
  });
});
