import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { corpus as countedCorpus, encoderFor, expectSameIds, optionsArb as countedOptionsArb, vocabularyArb } from "../../__fixtures__/encode-counted-cases";
import { TextPrepError, TokenCounter, TokenTextEncoder } from "../../index";
import { countInBackground, countTexts, encodeTexts } from "../index";
import { liveWorkers } from "./run-parallel";

// Workers are terminated without waiting for them to exit: all must be gone shortly after.
async function noWorkersLeft(): Promise<void> {
  await vi.waitFor(() => expect(liveWorkers()).toBe(0), { timeout: 5000, interval: 5 });
}

describe("encodeTexts", () => {
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
        const all = await encodeTexts(e, texts, { workers });
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
    const all = await encodeTexts(e, ["a b", "", "b c a", "a"], { workers: 1 });
    expect(all.map((ids) => [...ids])).toEqual([[1, 2], [], [2, 3, 1], [1]]);
    expect(all[0]?.buffer).toBe(all[1]?.buffer);
    await noWorkersLeft();
  });

  it("checks its arguments before any work starts", async () => {
    const encoder = new TokenTextEncoder(["the", "cat", "sat"]);
    await expect(encodeTexts(encoder, "the cat" as never)).rejects.toThrow(new TypeError('expected texts to be an array of strings, got "the cat"'));
    await expect(encodeTexts(encoder, ["a", 1 as never])).rejects.toThrow("expected texts[1] to be a string, got 1");
    await expect(encodeTexts(encoder, ["a"], { workers: "2" as never })).rejects.toThrow('expected workers to be an integer >= 0, got "2"');
    await expect(encodeTexts(["the"] as never, ["a"])).rejects.toThrow(new TypeError("expected encoder to be a TokenTextEncoder, got an array"));
  });
});

// Counting with the node entry's functions, then encoding from the kept ids:
// exactly what encode gives (the one-thread cases are in src/encoders/token-text-encoder.test.ts).
describe("encodeCounted after countTexts / countInBackground", () => {
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

  it("equals encode on every text counted by countTexts, countInBackground or both in this thread (property)", async () => {
    const how = fc.constantFrom("countTexts", "background", "mixed");
    await fc.assert(
      fc.asyncProperty(countedCorpus, countedOptionsArb, vocabularyArb, how, async (texts, options, choice, way) => {
        const counter = new TokenCounter({ ...options, keepIds: true });
        if (way === "countTexts") await countTexts(counter, texts, { workers: 0 });
        else if (way === "background") {
          const counting = countInBackground(counter, { workers: 0 });
          for (const text of texts) counting.addText(text);
          await counting.finish();
        } else {
          // A third each way, one after the other: merges into a counter that already holds ids.
          const a = Math.floor(texts.length / 3);
          const b = Math.floor((2 * texts.length) / 3);
          for (const text of texts.slice(0, a)) counter.addText(text);
          const counting = countInBackground(counter, { workers: 0 });
          for (const text of texts.slice(a, b)) counting.addText(text);
          await counting.finish();
          await countTexts(counter, texts.slice(b), { workers: 0 });
        }
        expect(counter.keptTextCount).toBe(texts.length);
        const e = encoderFor(counter, choice, options);
        expectSameIds(e.encodeCounted(counter), texts, e);
      }),
      { numRuns: 300 },
    );
  });

  it("equals encode on every text counted in worker threads (countTexts, countInBackground) (property)", async () => {
    // Few runs: each starts workers (booted through tsx from the sources in tests).
    const how = fc.constantFrom("countTexts", "background");
    await fc.assert(
      fc.asyncProperty(countedCorpus, countedOptionsArb, vocabularyArb, how, fc.integer({ min: 1, max: 3 }), async (texts, options, choice, way, workers) => {
        const counter = new TokenCounter({ ...options, keepIds: true });
        counter.addText("a B é"); // merged into a counter that already holds ids
        const all = ["a B é", ...texts];
        if (way === "countTexts") await countTexts(counter, texts, { workers });
        else {
          const counting = countInBackground(counter, { workers: 1 });
          for (const text of texts) counting.addText(text);
          await counting.finish();
        }
        const e = encoderFor(counter, choice, options);
        expectSameIds(e.encodeCounted(counter), all, e);
        await noWorkersLeft();
      }),
      { numRuns: 8 },
    );
  });

  it("refuses to encode while a background count of the counter runs (its texts are not there yet)", async () => {
    const counter = new TokenCounter({ keepIds: true });
    counter.addText("a b");
    const e = new TokenTextEncoder(["a", "b", "c"]);
    const counting = countInBackground(counter, { workers: 0 });
    counting.addText("c a");
    expect(codeOf(() => e.encodeCounted(counter))).toBe("INVALID_ARGUMENT");
    expect(() => counter.keptTokenIds()).toThrow(
      "expected keptTokenIds after every background count of the counter has finished, got 1 still running (await finish() or cancel() first)",
    );
    await counting.finish();
    expect(e.encodeCounted(counter).map((ids) => [...ids])).toEqual([[1, 2], [3, 1]]);
    const cancelled = countInBackground(counter, { workers: 0 });
    cancelled.addText("b");
    await cancelled.cancel();
    expect(e.encodeCounted(counter).map((ids) => [...ids])).toEqual([[1, 2], [3, 1]]);
  });
});
