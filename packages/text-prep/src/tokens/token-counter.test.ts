import { describe, expect, it } from "vitest";
import { TextPrepError, TokenCounter } from "../index";

// Counting in one thread (the browser-safe part). Counting in worker threads
// (countTexts, countInBackground of the node entry) is checked against this
// in src/node/parallel/count-texts.test.ts.
describe("TokenCounter", () => {
  it("counts in first-seen order like collections.Counter, with its tokenizer options", () => {
    // Python: Counter(t for s in texts for t in re.split(r"\W+", s.lower()) if t)
    const counter = new TokenCounter({ lowercase: true });
    expect(counter.addText("The cat, the HAT.")).toBe(4);
    expect(counter.addText("a cat")).toBe(2);
    expect([...counter.entries()]).toEqual([
      ["the", 2],
      ["cat", 2],
      ["hat", 1],
      ["a", 1],
    ]);
    expect(counter.distinctCount).toBe(4);
    expect(counter.totalCount).toBe(6);
    expect(counter.countOf("cat")).toBe(2);
    expect(counter.countOf("dog")).toBe(0);
    expect(counter.tokenizeOptions).toEqual({ lowercase: true, stripHtml: false, reservedTokens: [] });
    expect(counter.toVocabulary({ order: "frequency", minCount: 2 }).tokens).toEqual(["the", "cat"]);
  });

  it("counts tokens given as they are, and leaves the counter unchanged on a bad token", () => {
    const counter = new TokenCounter();
    expect(counter.addTokens(["a b", "c"])).toBe(2);
    expect(() => counter.addTokens(["d", ""])).toThrow(new TypeError('expected tokens to be non-empty strings, got ""'));
    expect(() => counter.addText(3 as never)).toThrow(new TypeError("expected text to be a string, got 3"));
    expect([...counter.entries()]).toEqual([
      ["a b", 1],
      ["c", 1],
    ]);
  });

  it("keeps each text's token ids with keepIds, and refuses to hand out ids it did not keep", () => {
    const counter = new TokenCounter({ keepIds: true });
    counter.addText("b a b");
    counter.addText("");
    counter.addTokens(["c", "a"]);
    expect(counter.keepsIds).toBe(true);
    expect(counter.keptTextCount).toBe(3);
    expect(counter.keptTokenIds().map((ids) => [...ids])).toEqual([[0, 1, 0], [], [2, 1]]);

    const plain = new TokenCounter();
    plain.addText("a");
    expect(plain.keepsIds).toBe(false);
    expect(plain.keptTextCount).toBe(0);
    expect(() => plain.keptTokenIds()).toThrow(TextPrepError);
    expect(() => plain.keptTokenIds()).toThrow("expected a TokenCounter made with { keepIds: true }, got one that does not keep token ids");
  });
});
