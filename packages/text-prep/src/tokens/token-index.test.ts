import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TokenIndex } from "./token-index";
import { tokenize } from "./tokenize";

// Characters that exercise every branch of the scanner: ASCII word and
// separator units, Latin-1 and BMP letters, a combining mark (a separator),
// an astral letter and an astral symbol (surrogate pairs), lone surrogates.
const unit = fc.constantFrom("a", "b", "Z", "_", "7", " ", ".", "é", "ж", "\u0301", "𝒳", "😀", "\ud800", "\udc00", "-");
const texts = fc.array(fc.string({ unit, maxLength: 40 }), { maxLength: 25 });

function entries(index: TokenIndex): [string, number][] {
  return index.tokens.map((token, id) => [token, index.countOf(id)]);
}

describe("TokenIndex", () => {
  it("counts in place exactly what tokenize splits, in first-seen order (property)", () => {
    fc.assert(
      fc.property(texts, (corpus) => {
        const index = new TokenIndex();
        const expected = new Map<string, number>();
        let total = 0;
        for (const text of corpus) {
          const tokens = tokenize(text);
          expect(index.countWords(text)).toBe(tokens.length);
          for (const t of tokens) expected.set(t, (expected.get(t) ?? 0) + 1);
          total += tokens.length;
        }
        expect(entries(index)).toEqual([...expected]);
        expect(index.totalCount).toBe(total);
      }),
      { numRuns: 300 },
    );
  });

  it("counts a range of a longer string like the slice itself", () => {
    const index = new TokenIndex();
    expect(index.countWords("xx a b;c yy", 3, 8)).toBe(3);
    expect(entries(index)).toEqual([
      ["a", 1],
      ["b", 1],
      ["c", 1],
    ]);
  });

  it("merging the packs of consecutive slices in order gives one pass over all (property)", () => {
    fc.assert(
      fc.property(texts, fc.array(fc.nat(25), { maxLength: 4 }), (corpus, cuts) => {
        const whole = new TokenIndex();
        for (const text of corpus) whole.countWords(text);
        const bounds = [0, ...cuts.map((c) => Math.min(c, corpus.length)).sort((a, b) => a - b), corpus.length];
        const merged = new TokenIndex();
        for (let k = 0; k + 1 < bounds.length; k++) {
          const part = new TokenIndex();
          for (const text of corpus.slice(bounds[k], bounds[k + 1])) part.countWords(text);
          merged.merge(part.pack());
        }
        expect(entries(merged)).toEqual(entries(whole));
        expect(merged.totalCount).toBe(whole.totalCount);
      }),
      { numRuns: 300 },
    );
  });

  it("grows past its initial capacity without losing ids or counts", () => {
    // 5,000 distinct tokens: the tables start with room for 1,024 and double.
    const index = new TokenIndex();
    const text = Array.from({ length: 5000 }, (_, i) => `w${i}`).join(" ");
    index.countWords(text);
    index.countWords(text);
    expect(index.size).toBe(5000);
    expect(index.totalCount).toBe(10_000);
    for (const i of [0, 1023, 1024, 2047, 2048, 4999]) {
      expect(index.idOf(`w${i}`)).toBe(i);
      expect(index.countOf(i)).toBe(2);
    }
    expect(index.idOf("w5000")).toBe(-1);
  });
});
