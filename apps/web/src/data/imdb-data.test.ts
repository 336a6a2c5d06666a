import { TokenTextEncoder } from "@recurrent/text-prep";
import { describe, expect, it } from "vitest";
import type { LabeledReview } from "./imdb-archive";
import { buildEncoder, encodeReview, encodeSplit, makeBatches, splitReviews } from "./imdb-data";

const reviews = (n: number): LabeledReview[] =>
  Array.from({ length: n }, (_, i) => ({ text: `review number ${i} is ${i % 2 === 0 ? "good" : "bad"}`, label: (i % 2) as 0 | 1, path: `train/${i % 2 === 0 ? "neg" : "pos"}/${i}_${i % 2 === 0 ? 1 : 9}.txt` }));

describe("splitReviews (the CLI's loadImdbSplits)", () => {
  it("with a limit, keeps the first N shuffled reviews and splits them 50 / 40 / 10 %", () => {
    const s = splitReviews(reviews(1000), { seed: 1, limit: 200 });
    expect([s.test.length, s.train.length, s.validation.length, s.total]).toStrictEqual([100, 80, 20, 1000]);
    const texts = new Set([...s.test, ...s.train, ...s.validation].map((r) => r.text));
    expect(texts.size).toBe(200);
  });

  it("with all of more than 45,000 reviews, takes 25,000 for test and 20,000 for training, as the chapter", () => {
    const s = splitReviews(reviews(49_996), { seed: 1, limit: null });
    expect([s.test.length, s.train.length, s.validation.length]).toStrictEqual([25_000, 20_000, 4_996]);
  });

  it("does not depend on the order the reviews were read in (they are sorted by path first), only on the seed", () => {
    const all = reviews(300);
    const a = splitReviews(all, { seed: 7, limit: 100 });
    const b = splitReviews([...all].reverse(), { seed: 7, limit: 100 });
    const c = splitReviews(all, { seed: 8, limit: 100 });
    expect(b).toStrictEqual(a);
    expect(c.train).not.toStrictEqual(a.train);
  });

  it("rejects a limit below 10 or above the reviews read, saying what came", () => {
    expect(() => splitReviews(reviews(50), { seed: 1, limit: 5 })).toThrow("expected limit to be an integer >= 10, got 5");
    expect(() => splitReviews(reviews(50), { seed: 1, limit: 60 })).toThrow("expected limit <= the 50 reviews read, got 60");
  });
});

describe("encoding", () => {
  it("builds the first-seen vocabulary of the training reviews and encodes as the CLI's predict", () => {
    const encoder = buildEncoder([{ text: "b a b", label: 1 }, { text: "c", label: 0 }]);
    expect(encoder.vocabulary).toStrictEqual(["b", "a", "c"]);
    expect(Array.from(encodeReview(encoder, "a c z", null))).toStrictEqual([2, 3, encoder.oovId]);
    expect(Array.from(encodeReview(encoder, "...", null))).toStrictEqual([encoder.oovId]); // an empty review is one unknown id
    expect(Array.from(encodeReview(encoder, "b a c a", 2))).toStrictEqual([3, 2]); // the last max tokens
  });

  it("cuts bucketed or padded batches that carry the labels as targets", () => {
    const encoder = new TokenTextEncoder(["x", "y"]);
    const split = encodeSplit(encoder, [{ text: "x", label: 1 }, { text: "x y x", label: 0 }, { text: "y", label: 1 }], null);
    expect(split.tokens).toBe(5);
    const padded = [...makeBatches(split, { batchSize: 2, bucket: false }, undefined)];
    expect(padded.map((b) => b.shape)).toStrictEqual([[2, 3], [1, 1]]);
    expect(Array.from(padded[0]!.targets)).toStrictEqual([1, 0]);
    const bucketed = [...makeBatches(split, { batchSize: 2, bucket: true }, 1)];
    expect(bucketed.reduce((n, b) => n + b.shape[0], 0)).toBe(3);
  });
});
