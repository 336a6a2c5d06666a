import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { corpus, encoderFor, expectSameIds, optionsArb, vocabularyArb } from "../__fixtures__/encode-counted-cases";
import { TextPrepError, TokenCounter, TokenTextEncoder, Vocabulary } from "../index";

// Saving to and loading from files: src/node/encoder-files.test.ts; encoding
// in worker threads: src/node/parallel/encode-texts.test.ts.

describe("TokenTextEncoder", () => {
  const encoder = new TokenTextEncoder(["the", "cat", "sat"]);

  it("uses the tfds id scheme: 0 padding, 1..n vocabulary, n+1 out of vocabulary", () => {
    expect(encoder.vocabSize).toBe(5);
    expect(encoder.oovId).toBe(4);
    expect([...encoder.encode("The cat sat, the cat!")]).toEqual([4, 2, 3, 1, 2]);
    expect(encoder.idOf("the")).toBe(1);
    expect(encoder.idOf("dog")).toBe(4);
    expect([...encoder.encodeTokens(["sat", "dog"])]).toEqual([3, 4]);
  });

  it("decodes, skipping padding wherever it is and printing the oov token", () => {
    expect(encoder.decode([0, 1, 0, 2, 4, 0])).toBe("the cat UNK");
    expect(encoder.decodeTokens(Int32Array.of(3, 0))).toEqual(["sat"]);
    expect(new TokenTextEncoder(["a"], { oovToken: "<unk>" }).decode([2])).toBe("<unk>");
  });

  it("rejects ids outside [0, vocabSize) naming the index", () => {
    expect(() => encoder.decode([1, 5])).toThrow("expected ids[1] to be an integer in [0, 5), got 5");
    expect(() => encoder.decode([-1])).toThrow("expected ids[0] to be an integer in [0, 5), got -1");
    expect(() => encoder.decode([1.5])).toThrow(RangeError);
  });

  it("encodes with its tokenizer options", () => {
    const e = new TokenTextEncoder(["great", "film", "<unk>"], { lowercase: true, stripHtml: true, reservedTokens: ["<unk>"] });
    expect([...e.encode("GREAT<br />Film <unk> br")]).toEqual([1, 2, 3, 4]);
  });

  it("accepts a Vocabulary and rejects duplicate or empty tokens", () => {
    expect(new TokenTextEncoder(new Vocabulary(["x", "y"])).encode("y x").join(",")).toBe("2,1");
    expect(() => new TokenTextEncoder(["a", "a"])).toThrow('expected distinct tokens, got "a" at 0 and 1');
    expect(() => new TokenTextEncoder([""])).toThrow('expected tokens[0] to be a non-empty string, got ""');
  });

  it("round-trips through toJSON / fromJSON", () => {
    const e = new TokenTextEncoder(["a", "b"], { lowercase: true, oovToken: "?" });
    const copy = TokenTextEncoder.fromJSON(JSON.parse(JSON.stringify(e)));
    expect(copy.toJSON()).toEqual(e.toJSON());
    expect([...copy.encode("B a c")]).toEqual([2, 1, 3]);
    expect(copy.decode([3])).toBe("?");
  });

  it("rejects malformed and wrong-version objects with a clear error", () => {
    const good = new TokenTextEncoder(["a"]).toJSON();
    const cases: [unknown, string, string][] = [
      [null, "MALFORMED_FILE", "expected a saved @recurrent/text-prep:TokenTextEncoder object, got null"],
      [{ ...good, format: "other" }, "MALFORMED_FILE", 'expected format "@recurrent/text-prep:TokenTextEncoder", got "other"'],
      [{ ...good, version: 2 }, "UNSUPPORTED_VERSION", "expected @recurrent/text-prep:TokenTextEncoder version 1, got 2"],
      [{ ...good, vocabulary: "a" }, "MALFORMED_FILE", 'expected vocabulary to be an array of non-empty strings, got "a"'],
      [{ ...good, vocabulary: ["a", "a"] }, "MALFORMED_FILE", "expected vocabulary to be distinct tokens"],
      [{ ...good, lowercase: 1 }, "MALFORMED_FILE", "expected lowercase to be a boolean, got 1"],
    ];
    for (const [json, code, message] of cases) {
      let error: unknown;
      try {
        TokenTextEncoder.fromJSON(json, "enc.json");
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(TextPrepError);
      expect((error as TextPrepError).code).toBe(code);
      expect((error as TextPrepError).message).toContain(`enc.json: ${message}`);
    }
  });

  it("decode(encode(text)) gives the tokens joined by spaces, unknown ones as UNK (property)", () => {
    const word = fc.string({ unit: fc.constantFrom("a", "b", "c", "é", "_", "7"), minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(fc.array(word, { maxLength: 15 }), fc.array(word, { maxLength: 15 }), fc.constantFrom(" ", ", ", "<br />", "!?"), (known, text, sep) => {
        const counter = new TokenCounter();
        counter.addTokens(known);
        const e = new TokenTextEncoder(counter.toVocabulary());
        const ids = e.encode(text.join(sep === "<br />" ? " " : sep));
        expect(ids.every((id) => id >= 1 && id < e.vocabSize)).toBe(true);
        const expected = text.map((t) => (known.includes(t) ? t : "UNK"));
        expect(e.decode(ids)).toBe(expected.join(" "));
        // Padding anywhere is ignored.
        const padded = Int32Array.from([0, ...ids, 0, 0]);
        expect(e.decode(padded)).toBe(expected.join(" "));
      }),
      { numRuns: 300 },
    );
  });

  describe("encodeCounted", () => {
    /** The `code` of the TextPrepError `fn` throws. */
    function codeOf(fn: () => unknown): string {
      try {
        fn();
      } catch (error) {
        if (error instanceof TextPrepError) return error.code;
        throw error;
      }
      throw new Error("expected a TextPrepError, got no error");
    }

    it("equals encode on every text counted with addText, for any vocabulary and tokenizer options (property)", () => {
      fc.assert(
        fc.property(corpus, optionsArb, vocabularyArb, fc.nat(40), (texts, options, choice, split) => {
          const counter = new TokenCounter({ ...options, keepIds: true });
          // Encoded in two goes: kept ids of texts counted after a first encodeCounted are kept too.
          const first = texts.slice(0, split);
          for (const text of first) counter.addText(text);
          const early = encoderFor(counter, choice, options);
          expectSameIds(early.encodeCounted(counter), first, early);
          for (const text of texts.slice(split)) counter.addText(text);
          expect(counter.keptTextCount).toBe(texts.length);
          const e = encoderFor(counter, choice, options);
          expectSameIds(e.encodeCounted(counter), texts, e);
        }),
        { numRuns: 400 },
      );
    });

    it("encodes an addTokens call like encodeTokens, and returns views into one buffer", () => {
      const counter = new TokenCounter({ keepIds: true });
      counter.addText("the cat, the hat");
      counter.addTokens(["a b", "cat", "dog"]);
      counter.addText("");
      const e = new TokenTextEncoder(["hat", "cat", "the", "a b"]);
      const all = e.encodeCounted(counter);
      expect(all.map((ids) => [...ids])).toEqual([[3, 2, 3, 1], [4, 2, 5], []]);
      expect([...(all[1] as Int32Array)]).toEqual([...e.encodeTokens(["a b", "cat", "dog"])]);
      expect(all[0]?.buffer).toBe(all[1]?.buffer);
      // The counter's own ids: positions in its first-seen order.
      expect(counter.keptTokenIds().map((ids) => [...ids])).toEqual([[0, 1, 0, 2], [3, 1, 4], []]);
      expect([...counter.entries()].map(([token]) => token)).toEqual(["the", "cat", "hat", "a b", "dog"]);
    });

    it("refuses a counter that keeps no ids, or one with other tokenizer options, naming both", () => {
      const plain = new TokenCounter();
      plain.addText("a b");
      const e = new TokenTextEncoder(plain.toVocabulary());
      expect(() => e.encodeCounted(plain)).toThrow(TextPrepError);
      expect(() => e.encodeCounted(plain)).toThrow(/expected a TokenCounter made with \{ keepIds: true \}.*got one that does not keep token ids/);
      expect(codeOf(() => plain.keptTokenIds())).toBe("INVALID_ARGUMENT");
      expect(codeOf(() => e.encodeCounted(plain))).toBe("INVALID_ARGUMENT");
      expect(plain.keepsIds).toBe(false);
      expect(plain.keptTextCount).toBe(0);

      const lower = new TokenCounter({ lowercase: true, reservedTokens: ["<unk>"], keepIds: true });
      lower.addText("A <unk> b");
      let error: unknown;
      try {
        e.encodeCounted(lower);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(TextPrepError);
      expect((error as TextPrepError).code).toBe("TOKENIZER_MISMATCH");
      expect((error as TextPrepError).message).toContain(
        'expected the counter\'s tokenizer options to equal the encoder\'s { lowercase: false, stripHtml: false, reservedTokens: [] }, ' +
          'got { lowercase: true, stripHtml: false, reservedTokens: ["<unk>"] }',
      );
      const other = new TokenTextEncoder(["a"], { lowercase: true, reservedTokens: ["<unk>", "<pad>"] });
      expect(codeOf(() => other.encodeCounted(lower))).toBe("TOKENIZER_MISMATCH");
      expect(() => e.encodeCounted({} as never)).toThrow(new TypeError("expected counter to be a TokenCounter, got an object"));
      expect(() => new TokenCounter({ keepIds: "yes" as never })).toThrow(new TypeError('expected options.keepIds to be a boolean, got "yes"'));
    });
  });
});
