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
});
