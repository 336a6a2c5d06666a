import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { TextPrepError, TokenCounter, type TokenizeOptions } from "../index";
import { liveWorkers } from "../parallel/run-parallel";

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

describe("TokenCounter.addTexts", () => {
  it("gives exactly the counts and first-seen order of addText on each text, with 0 to 3 workers (property)", async () => {
    // Few runs: each starts workers (booted through tsx from the sources in tests).
    await fc.assert(
      fc.asyncProperty(corpus, optionsArb, fc.integer({ min: 0, max: 3 }), async (texts, options, workers) => {
        const counter = new TokenCounter(options);
        const n = await counter.addTexts(texts, { workers });
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
    await counter.addTexts(["a b", "c z", "d"], { workers: 2 });
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
    await expect(counter.addTexts(["a", null as never])).rejects.toThrow(new TypeError("expected texts[1] to be a string, got null"));
    await expect(counter.addTexts(["a"], { workers: -2 })).rejects.toThrow(RangeError);
    expect(counter.distinctCount).toBe(0);
  });
});

describe("TokenCounter.countInBackground", () => {
  // About 3.5 million characters: several batches go to the worker.
  const big = Array.from({ length: 3500 }, (_, i) => `review ${i % 97} ${"word".repeat(i % 13)} ${"x".repeat(950)} é${i}`);

  it("gives exactly the counts of addText in order, batches shared between the worker and this thread", async () => {
    for (const options of [{}, { lowercase: true, reservedTokens: ["<unk>"] }] as TokenizeOptions[]) {
      const counter = new TokenCounter(options);
      counter.addText("x review"); // counts already there come first
      const counting = counter.countInBackground();
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
      const counting = background.countInBackground();
      for (const text of big) counting.addText(text);
      await counting.finish();
      const parallel = new TokenCounter({ ...options, keepIds: true });
      parallel.addText("x review");
      await parallel.addTexts(big, { workers: 2 });
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
        const counting = counter.countInBackground({ workers });
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
    const counting = counter.countInBackground();
    counting.addText("a b c");
    await counting.cancel();
    expect(counter.distinctCount).toBe(0);
    await noWorkersLeft();
    expect(() => counting.addText("d")).toThrow(TextPrepError);
    const again = counter.countInBackground({ workers: 0 });
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
    const throwing = counter.countInBackground();
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

    const dying = counter.countInBackground();
    await (dying as unknown as Internals).worker.terminate();
    expect(() => dying.addText("c")).toThrow(/the background count's worker exited with code \d+ before it finished/);
    await expect(dying.finish()).rejects.toMatchObject({ code: "WORKER_FAILED" });
    expect(counter.distinctCount).toBe(0);
    await noWorkersLeft();
  });

  it("checks its arguments", () => {
    const counter = new TokenCounter();
    expect(() => counter.countInBackground({ workers: 2 })).toThrow(new RangeError("expected workers to be 0 or 1, got 2"));
    const counting = counter.countInBackground({ workers: 0 });
    expect(() => counting.addText(5 as never)).toThrow(new TypeError("expected text to be a string, got number"));
  });
});
