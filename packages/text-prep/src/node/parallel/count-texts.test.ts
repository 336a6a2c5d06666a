import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { TextPrepError, TokenCounter, type TokenizeOptions } from "../../index";
import { countInBackground, countTexts } from "../index";
import { liveWorkers } from "./run-parallel";

// Workers are terminated without waiting for them to exit: all must be gone shortly after.
async function noWorkersLeft(): Promise<void> {
  await vi.waitFor(() => expect(liveWorkers()).toBe(0), { timeout: 5000, interval: 5 });
}

// Texts that exercise the scanner (astral letters, lone surrogates, characters
// above U+00FF, HTML tags for stripHtml, a reserved token) and the worker
// transport (the texts cross threads as Latin-1 or UTF-16 code units).
const unit = fc.constantFrom("a", "b", "B", "_", "7", " ", ".", "é", "ж", "İ", "\u0301", "𝒳", "😀", "\ud800", "<br />", "<unk>", "<");
const corpus = fc.array(fc.string({ unit, maxLength: 30 }), { minLength: 1, maxLength: 40 });
const optionsArb = fc.record(
  { lowercase: fc.boolean(), stripHtml: fc.boolean(), reservedTokens: fc.constantFrom([], ["<unk>"], ["<", "a"]) },
  { requiredKeys: [] },
);

function oneByOne(texts: readonly string[], options: TokenizeOptions): TokenCounter {
  const counter = new TokenCounter(options);
  for (const text of texts) counter.addText(text);
  return counter;
}

function expectSameCounts(actual: TokenCounter, expected: TokenCounter): void {
  expect([...actual.entries()]).toEqual([...expected.entries()]);
  expect(actual.totalCount).toBe(expected.totalCount);
}

describe("countTexts", () => {
  it("gives exactly the counts and first-seen order of addText on each text, with 0 to 3 workers (property)", async () => {
    // Few runs: each starts workers (booted through tsx from the sources in tests).
    await fc.assert(
      fc.asyncProperty(corpus, optionsArb, fc.integer({ min: 0, max: 3 }), async (texts, options, workers) => {
        const counter = new TokenCounter(options);
        const n = await countTexts(counter, texts, { workers });
        const expected = oneByOne(texts, options);
        expect(n).toBe(expected.totalCount);
        expectSameCounts(counter, expected);
        await noWorkersLeft();
      }),
      { numRuns: 8 },
    );
  });

  it("adds to what the counter already holds, keeping its first-seen order", async () => {
    const counter = new TokenCounter();
    counter.addText("z a");
    await countTexts(counter, ["a b", "c z", "d"], { workers: 2 });
    expect([...counter.entries()]).toEqual([
      ["z", 2],
      ["a", 2],
      ["b", 1],
      ["c", 1],
      ["d", 1],
    ]);
  });

  it("checks its arguments before any work starts", async () => {
    const counter = new TokenCounter();
    await expect(countTexts(counter, ["a", null as never])).rejects.toThrow(new TypeError("expected texts[1] to be a string, got null"));
    await expect(countTexts(counter, ["a"], { workers: -2 })).rejects.toThrow(RangeError);
    await expect(countTexts({} as never, ["a"])).rejects.toThrow(new TypeError("expected counter to be a TokenCounter, got an object"));
    expect(counter.distinctCount).toBe(0);
  });
});

describe("countInBackground", () => {
  // About 3.5 million characters: several batches go to the worker.
  const big = Array.from({ length: 3500 }, (_, i) => `review ${i % 97} ${"word".repeat(i % 13)} ${"x".repeat(950)} é${i}`);

  it("gives exactly the counts of addText in order, batches shared between the worker and this thread", async () => {
    for (const options of [{}, { lowercase: true, reservedTokens: ["<unk>"] }] as TokenizeOptions[]) {
      const counter = new TokenCounter(options);
      counter.addText("x review"); // counts already there come first
      const counting = countInBackground(counter);
      for (const text of big) counting.addText(text);
      const n = await counting.finish();
      const expected = new TokenCounter(options);
      expected.addText("x review");
      for (const text of big) expected.addText(text);
      expect(n).toBe(expected.totalCount - 2);
      expectSameCounts(counter, expected);
      await noWorkersLeft();
    }
  });

  it("with keepIds, keeps every text's token ids exactly, batches shared between the worker and this thread", async () => {
    for (const options of [{ stripHtml: true }, { lowercase: true, reservedTokens: ["<unk>"] }] as TokenizeOptions[]) {
      const expected = new TokenCounter({ ...options, keepIds: true });
      expected.addText("x review");
      for (const text of big) expected.addText(text);
      const background = new TokenCounter({ ...options, keepIds: true });
      background.addText("x review");
      const counting = countInBackground(background);
      for (const text of big) counting.addText(text);
      await counting.finish();
      const parallel = new TokenCounter({ ...options, keepIds: true });
      parallel.addText("x review");
      await countTexts(parallel, big, { workers: 2 });
      for (const counter of [background, parallel]) {
        expectSameCounts(counter, expected);
        expect(counter.keptTextCount).toBe(big.length + 1);
        const actual = counter.keptTokenIds();
        expected.keptTokenIds().forEach((ids, j) => {
          const got = actual[j] as Int32Array;
          if (got.length !== ids.length || got.some((id, i) => id !== ids[i])) throw new Error(`text ${j}: kept ids differ`);
        });
      }
      await noWorkersLeft();
    }
  });

  it("matches addText on small random corpora, with and without a worker (property)", async () => {
    await fc.assert(
      fc.asyncProperty(corpus, optionsArb, fc.constantFrom(0, 1), async (texts, options, workers) => {
        const counter = new TokenCounter(options);
        const counting = countInBackground(counter, { workers });
        for (const text of texts) counting.addText(text);
        await counting.finish();
        expectSameCounts(counter, oneByOne(texts, options));
        await noWorkersLeft();
      }),
      { numRuns: 6 },
    );
  });

  it("leaves the counter unchanged on cancel, and refuses texts after finish or cancel", async () => {
    const counter = new TokenCounter();
    const counting = countInBackground(counter);
    counting.addText("a b c");
    await counting.cancel();
    expect(counter.distinctCount).toBe(0);
    await noWorkersLeft();
    expect(() => counting.addText("d")).toThrow(TextPrepError);
    const again = countInBackground(counter, { workers: 0 });
    again.addText("d");
    await again.finish();
    expect(() => again.addText("e")).toThrow("expected addText before finish() or cancel(), got it after");
    await expect(again.finish()).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    expect([...counter.entries()]).toEqual([["d", 1]]);
  });

  it("surfaces a worker that throws or dies as WORKER_FAILED, and leaves the counter unchanged", async () => {
    // Internals, to make the worker fail: a malformed batch, then a worker killed from outside.
    type Internals = { post(message: unknown): void; worker: { terminate(): Promise<number> } };
    const counter = new TokenCounter();
    const throwing = countInBackground(counter);
    throwing.addText("a b");
    (throwing as unknown as Internals).post({ kind: "count-batch", texts: null });
    let error: unknown;
    try {
      await throwing.finish();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TextPrepError);
    expect((error as TextPrepError).code).toBe("WORKER_FAILED");
    expect((error as TextPrepError).message).toContain("the background count's worker failed");
    expect((error as TextPrepError).cause).toBeInstanceOf(Error);

    const dying = countInBackground(counter);
    await (dying as unknown as Internals).worker.terminate();
    expect(() => dying.addText("c")).toThrow(/the background count's worker exited with code \d+ before it finished/);
    await expect(dying.finish()).rejects.toMatchObject({ code: "WORKER_FAILED" });
    expect(counter.distinctCount).toBe(0);
    await noWorkersLeft();
  });

  it("checks its arguments", () => {
    const counter = new TokenCounter({ keepIds: true });
    expect(() => countInBackground(counter, { workers: 2 })).toThrow(new RangeError("expected workers to be 0 or 1, got 2"));
    expect(() => countInBackground(null as never)).toThrow(new TypeError("expected counter to be a TokenCounter, got null"));
    expect(() => countInBackground(counter, "fast" as never)).toThrow(new TypeError('expected the options of countInBackground to be an object, got "fast"'));
    // A refused start does not leave the counter marked as being counted.
    expect(counter.keptTokenIds()).toEqual([]);
    const counting = countInBackground(counter, { workers: 0 });
    expect(() => counting.addText(5 as never)).toThrow(new TypeError("expected text to be a string, got 5"));
  });
});
