import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { TextPrepError, TokenCounter, TokenTextEncoder, Vocabulary } from "../index";
import { liveWorkers } from "../parallel/run-parallel";

// Workers are terminated without waiting for them to exit: all must be gone shortly after.
async function noWorkersLeft(): Promise<void> {
  await vi.waitFor(() => expect(liveWorkers()).toBe(0), { timeout: 5000, interval: 5 });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "text-prep-encoder-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

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

  it("round-trips through toJSON / fromJSON and save / load", async () => {
    const e = new TokenTextEncoder(["a", "b"], { lowercase: true, oovToken: "?" });
    const copy = TokenTextEncoder.fromJSON(JSON.parse(JSON.stringify(e)));
    expect(copy.toJSON()).toEqual(e.toJSON());
    const file = join(dir, "encoder.json");
    await e.save(file);
    const loaded = await TokenTextEncoder.load(file);
    expect([...loaded.encode("B a c")]).toEqual([2, 1, 3]);
    expect(loaded.decode([3])).toBe("?");
  });

  it("rejects malformed and wrong-version files with a clear error", async () => {
    const good = new TokenTextEncoder(["a"]).toJSON();
    const cases: [unknown, string, string][] = [
      [null, "MALFORMED_FILE", "expected a saved @recurrent/text-prep:TokenTextEncoder object, got null"],
      [{ ...good, format: "other" }, "MALFORMED_FILE", 'expected format "@recurrent/text-prep:TokenTextEncoder", got "other"'],
      [{ ...good, version: 2 }, "UNSUPPORTED_VERSION", "expected @recurrent/text-prep:TokenTextEncoder version 1, got 2"],
      [{ ...good, vocabulary: "a" }, "MALFORMED_FILE", 'expected vocabulary to be an array of non-empty strings, got "a"'],
      [{ ...good, vocabulary: ["a", "a"] }, "MALFORMED_FILE", "expected vocabulary to be distinct tokens"],
      [{ ...good, lowercase: 1 }, "MALFORMED_FILE", "expected lowercase to be a boolean, got number"],
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
    const bad = join(dir, "bad.json");
    await writeFile(bad, "{not json");
    await expect(TokenTextEncoder.load(bad)).rejects.toMatchObject({ code: "MALFORMED_FILE", file: bad });
    await expect(TokenTextEncoder.load(join(dir, "missing.json"))).rejects.toMatchObject({ code: "FILE_NOT_FOUND" });
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

  describe("encodeAll", () => {
    const unit = fc.constantFrom("a", "b", "B", "_", "7", " ", ".", "é", "ж", "İ", "\u0301", "𝒳", "\ud800", "<br />", "<unk>");
    const corpus = fc.array(fc.string({ unit, maxLength: 30 }), { minLength: 1, maxLength: 40 });
    const optionsArb = fc.record(
      { lowercase: fc.boolean(), stripHtml: fc.boolean(), reservedTokens: fc.constantFrom([], ["<unk>"]) },
      { requiredKeys: [] },
    );

    it("equals encode on every text, with 0 to 3 workers, unknown tokens included (property)", async () => {
      // Few runs: each starts workers (booted through tsx from the sources in tests).
      await fc.assert(
        fc.asyncProperty(corpus, optionsArb, fc.integer({ min: 0, max: 3 }), async (texts, options, workers) => {
          const counter = new TokenCounter(options);
          for (const text of texts.slice(0, texts.length >> 1)) counter.addText(text); // the rest has unknown tokens
          const e = new TokenTextEncoder(counter.toVocabulary(), options);
          const all = await e.encodeAll(texts, { workers });
          expect(all.length).toBe(texts.length);
          all.forEach((ids, j) => {
            expect(ids).toBeInstanceOf(Int32Array);
            expect([...ids]).toEqual([...e.encode(texts[j] as string)]);
          });
          await noWorkersLeft();
        }),
        { numRuns: 8 },
      );
    });

    it("returns views into one buffer per slice, in input order", async () => {
      const e = new TokenTextEncoder(["a", "b"]);
      const all = await e.encodeAll(["a b", "", "b c a", "a"], { workers: 1 });
      expect(all.map((ids) => [...ids])).toEqual([[1, 2], [], [2, 3, 1], [1]]);
      expect(all[0]?.buffer).toBe(all[1]?.buffer);
      await noWorkersLeft();
    });

    it("checks its arguments before any work starts", async () => {
      await expect(encoder.encodeAll("the cat" as never)).rejects.toThrow(new TypeError('expected texts to be an array of strings, got "the cat"'));
      await expect(encoder.encodeAll(["a", 1 as never])).rejects.toThrow("expected texts[1] to be a string, got 1");
      await expect(encoder.encodeAll(["a"], { workers: "2" as never })).rejects.toThrow('expected workers to be an integer >= 0, got "2"');
    });
  });

  describe("encodeCounted", () => {
    // The scanner's hard cases (astral letters, a lone surrogate, U+0301, "İ"
    // which lower-cases to two code units, HTML tags, reserved tokens) and
    // texts without any token.
    const unit = fc.constantFrom("a", "b", "B", "_", "7", " ", ".", "é", "ж", "İ", "\u0301", "𝒳", "😀", "\ud800", "<br />", "<unk>", "<", "C++");
    const corpus = fc.array(fc.string({ unit, maxLength: 30 }), { minLength: 0, maxLength: 40 });
    const optionsArb = fc.record(
      { lowercase: fc.boolean(), stripHtml: fc.boolean(), reservedTokens: fc.constantFrom([], ["<unk>"], ["<", "a"], ["C++", "<unk>"]) },
      { requiredKeys: [] },
    );
    type Options = { lowercase?: boolean; stripHtml?: boolean; reservedTokens?: readonly string[] };
    // The encoder's vocabulary: from the counter with any order / minCount / maxSize,
    // or any list of tokens (some the counter never saw, some it did, in any order).
    const vocabularyArb = fc.oneof(
      fc.record({
        kind: fc.constant("counter" as const),
        order: fc.constantFrom("first-seen" as const, "frequency" as const),
        minCount: fc.integer({ min: 1, max: 3 }),
        maxSize: fc.oneof(fc.integer({ min: 0, max: 12 }), fc.constant(Number.POSITIVE_INFINITY)),
      }),
      fc.record({
        kind: fc.constant("list" as const),
        tokens: fc.uniqueArray(fc.constantFrom("a", "b", "B", "bb", "_", "7", "é", "ж", "i̇", "İ", "𝒳", "<unk>", "C++", "zz"), { maxLength: 10 }),
      }),
    );
    type VocabularyChoice = { kind: "counter"; order: "first-seen" | "frequency"; minCount: number; maxSize: number } | { kind: "list"; tokens: string[] };

    function encoderFor(counter: TokenCounter, choice: VocabularyChoice, options: Options): TokenTextEncoder {
      // The encoder's options as an equal set in another order: order must not matter.
      const same = { ...options, reservedTokens: [...(options.reservedTokens ?? [])].reverse() };
      if (choice.kind === "list") return new TokenTextEncoder(choice.tokens, same);
      const { order, minCount, maxSize } = choice;
      return new TokenTextEncoder(counter.toVocabulary({ order, minCount, maxSize }), same);
    }

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

    function expectSameIds(actual: Int32Array[], texts: readonly string[], e: TokenTextEncoder): void {
      expect(actual.length).toBe(texts.length);
      actual.forEach((ids, j) => {
        expect(ids).toBeInstanceOf(Int32Array);
        const expected = e.encode(texts[j] as string);
        if (ids.length !== expected.length || ids.some((id, i) => id !== expected[i])) {
          throw new Error(`text ${j} ${JSON.stringify(texts[j])}: encodeCounted gave [${[...ids]}], encode [${[...expected]}]`);
        }
      });
    }

    it("equals encode on every text counted with addText, addTexts or a background count in this thread (property)", async () => {
      const how = fc.constantFrom("addText", "addTexts", "background", "mixed");
      await fc.assert(
        fc.asyncProperty(corpus, optionsArb, vocabularyArb, how, async (texts, options, choice, way) => {
          const counter = new TokenCounter({ ...options, keepIds: true });
          if (way === "addText") for (const text of texts) counter.addText(text);
          else if (way === "addTexts") await counter.addTexts(texts, { workers: 0 });
          else if (way === "background") {
            const counting = counter.countInBackground({ workers: 0 });
            for (const text of texts) counting.addText(text);
            await counting.finish();
          } else {
            // A third each way, one after the other: merges into a counter that already holds ids.
            const a = Math.floor(texts.length / 3);
            const b = Math.floor((2 * texts.length) / 3);
            for (const text of texts.slice(0, a)) counter.addText(text);
            const counting = counter.countInBackground({ workers: 0 });
            for (const text of texts.slice(a, b)) counting.addText(text);
            await counting.finish();
            await counter.addTexts(texts.slice(b), { workers: 0 });
          }
          expect(counter.keptTextCount).toBe(texts.length);
          const e = encoderFor(counter, choice as VocabularyChoice, options);
          expectSameIds(e.encodeCounted(counter), texts, e);
        }),
        { numRuns: 400 },
      );
    });

    it("equals encode on every text counted in worker threads (addTexts, countInBackground) (property)", async () => {
      // Few runs: each starts workers (booted through tsx from the sources in tests).
      const how = fc.constantFrom("addTexts", "background");
      await fc.assert(
        fc.asyncProperty(corpus, optionsArb, vocabularyArb, how, fc.integer({ min: 1, max: 3 }), async (texts, options, choice, way, workers) => {
          const counter = new TokenCounter({ ...options, keepIds: true });
          counter.addText("a B é"); // merged into a counter that already holds ids
          const all = ["a B é", ...texts];
          if (way === "addTexts") await counter.addTexts(texts, { workers });
          else {
            const counting = counter.countInBackground({ workers: 1 });
            for (const text of texts) counting.addText(text);
            await counting.finish();
          }
          const e = encoderFor(counter, choice as VocabularyChoice, options);
          expectSameIds(e.encodeCounted(counter), all, e);
          await noWorkersLeft();
        }),
        { numRuns: 8 },
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
      expect(() => e.encodeCounted({} as never)).toThrow(new TypeError("expected counter to be a TokenCounter, got object"));
    });

    it("refuses to encode while a background count of the counter runs (its texts are not there yet)", async () => {
      const counter = new TokenCounter({ keepIds: true });
      counter.addText("a b");
      const e = new TokenTextEncoder(["a", "b", "c"]);
      const counting = counter.countInBackground({ workers: 0 });
      counting.addText("c a");
      expect(codeOf(() => e.encodeCounted(counter))).toBe("INVALID_ARGUMENT");
      expect(() => counter.keptTokenIds()).toThrow(
        "expected keptTokenIds after every background count of the counter has finished, got 1 still running (await finish() or cancel() first)",
      );
      await counting.finish();
      expect(e.encodeCounted(counter).map((ids) => [...ids])).toEqual([[1, 2], [3, 1]]);
      const cancelled = counter.countInBackground({ workers: 0 });
      cancelled.addText("b");
      await cancelled.cancel();
      expect(e.encodeCounted(counter).map((ids) => [...ids])).toEqual([[1, 2], [3, 1]]);
      expect(() => new TokenCounter({ keepIds: "yes" as never })).toThrow(new TypeError("expected options.keepIds to be a boolean, got string"));
    });
  });
});
