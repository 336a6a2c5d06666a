import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TokenCounter, TokenTextEncoder, Vocabulary, buildVocabulary, tokenize } from "../index";

describe("Vocabulary", () => {
  it("keeps first-seen order by default, like tfds TokenTextEncoder given a Counter", () => {
    const vocab = buildVocabulary([["b", "a", "b"], ["c", "a", "a"]]);
    expect(vocab.tokens).toEqual(["b", "a", "c"]);
    expect(vocab.counts).toEqual([2, 3, 1]);
    expect(vocab.indexOf("c")).toBe(2);
    expect(vocab.indexOf("zzz")).toBe(-1);
    expect(vocab.countOf("a")).toBe(3);
    expect(vocab.has("b")).toBe(true);
    expect(vocab.totalCount).toBe(6);
  });

  it("orders by frequency with ties in first-seen order", () => {
    const vocab = buildVocabulary([["x", "y", "z", "y", "w", "z"]], { order: "frequency" });
    expect(vocab.tokens).toEqual(["y", "z", "x", "w"]);
  });

  it("applies minCount and maxSize (the most frequent kept, then ordered)", () => {
    const seqs = [["a", "b", "b", "c", "c", "c", "d", "d"]];
    expect(buildVocabulary(seqs, { minCount: 2 }).tokens).toEqual(["b", "c", "d"]);
    expect(buildVocabulary(seqs, { maxSize: 2 }).tokens).toEqual(["b", "c"]);
    expect(buildVocabulary(seqs, { maxSize: 2, order: "frequency" }).tokens).toEqual(["c", "b"]);
    expect(buildVocabulary(seqs, { maxSize: 0 }).tokens).toEqual([]);
  });

  it("accepts async iterables and returns a promise", async () => {
    async function* gen() {
      yield ["a", "b"];
      yield ["b"];
    }
    const vocab = await buildVocabulary(gen());
    expect(vocab.tokens).toEqual(["a", "b"]);
  });

  it("rejects bad options and bad tokens with expected and got", () => {
    expect(() => buildVocabulary([["a"]], { minCount: 0 })).toThrow("expected minCount to be an integer >= 1, got 0");
    expect(() => buildVocabulary([["a"]], { maxSize: -1 })).toThrow("expected maxSize to be an integer >= 0 or Infinity, got -1");
    expect(() => buildVocabulary([["a"]], { order: "alpha" as "frequency" })).toThrow('expected order to be "first-seen" or "frequency", got "alpha"');
    expect(() => buildVocabulary([["a", ""]])).toThrow('expected tokens to be non-empty strings, got ""');
    expect(() => new Vocabulary(["a", "a"])).toThrow('expected distinct tokens, got "a" at 0 and 1');
    expect(() => new Vocabulary(["a"], [1, 2])).toThrow("expected one count per token (1), got 2");
  });

  it("counts the same with the fast text path and with tokenize + addTokens (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: fc.constantFrom("a", "b", "é", " ", ".", "😀", "\u0301", "_", "1"), maxLength: 30 }), { maxLength: 20 }), (texts) => {
        const fast = new TokenCounter();
        const slow = new TokenCounter();
        let total = 0;
        for (const t of texts) {
          total += fast.addText(t);
          slow.addTokens(tokenize(t));
        }
        expect([...fast.entries()]).toEqual([...slow.entries()]);
        expect(fast.totalCount).toBe(total);
        expect(fast.distinctCount).toBe(slow.distinctCount);
      }),
      { numRuns: 300 },
    );
  });

  it("counts and encodes with any tokenizer options exactly as tokenize splits (property)", () => {
    const unit = fc.constantFrom("a", "B", "é", "İ", " ", "<", ">", "/", "😀", "_", "1", "<unk>");
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit, maxLength: 25 }), { maxLength: 8 }),
        fc.record({ lowercase: fc.boolean(), stripHtml: fc.boolean(), reservedTokens: fc.constantFrom([], ["<unk>"], ["<", "a"]) }),
        (texts, options) => {
          const fast = new TokenCounter(options);
          const slow = new TokenCounter();
          for (const t of texts) {
            expect(fast.addText(t)).toBe(slow.addTokens(tokenize(t, options)));
          }
          expect([...fast.entries()]).toEqual([...slow.entries()]);
          const encoder = new TokenTextEncoder(fast.toVocabulary({ maxSize: 5 }), options);
          for (const t of texts) expect([...encoder.encode(t)]).toEqual([...encoder.encodeTokens(tokenize(t, options))]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("TokenCounter tokenizes with its options", () => {
    const counter = new TokenCounter({ lowercase: true, stripHtml: true });
    expect(counter.addText("The the<br />THE end")).toBe(4);
    expect(counter.countOf("the")).toBe(3);
    expect(counter.countOf("br")).toBe(0);
    expect(counter.toVocabulary().tokens).toEqual(["the", "end"]);
  });

  it("TokenCounter grows its table past many distinct tokens", () => {
    const counter = new TokenCounter();
    const words = Array.from({ length: 5000 }, (_, i) => `w${i}`);
    counter.addText(words.join(" "));
    counter.addText(words.join(" "));
    expect(counter.distinctCount).toBe(5000);
    expect(counter.countOf("w4999")).toBe(2);
    expect(counter.toVocabulary().tokens.slice(0, 3)).toEqual(["w0", "w1", "w2"]);
  });
});
