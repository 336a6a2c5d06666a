import type * as WorkerThreads from "node:worker_threads";
import { describe, expect, it, vi } from "vitest";

// A runtime that cannot start worker threads: every Worker constructor throws
// the error Node gives when it cannot initialize a worker.
const attempts = vi.hoisted(() => ({ count: 0 }));
vi.mock("node:worker_threads", async (importOriginal) => {
  const original = await importOriginal<typeof WorkerThreads>();
  class Worker {
    constructor() {
      attempts.count++;
      throw Object.assign(new Error("Worker initialization failure"), { code: "ERR_WORKER_INIT_FAILED" });
    }
  }
  return { ...original, Worker };
});

const { TokenCounter, TokenTextEncoder } = await import("../../index");
const { countInBackground, countTexts, encodeTexts } = await import("../index");

describe("where worker threads are unavailable", () => {
  const texts = ["the cat sat", "on the mat", "a cat", "the end"];

  it("countTexts, encodeTexts and countInBackground do the work in the calling thread, same results", async () => {
    const expected = new TokenCounter();
    for (const text of texts) expected.addText(text);

    const counter = new TokenCounter();
    expect(await countTexts(counter, texts, { workers: 2 })).toBe(expected.totalCount);
    expect([...counter.entries()]).toEqual([...expected.entries()]);

    const background = new TokenCounter();
    const counting = countInBackground(background);
    for (const text of texts) counting.addText(text);
    await counting.finish();
    expect([...background.entries()]).toEqual([...expected.entries()]);

    const encoder = new TokenTextEncoder(["the", "cat"]);
    const all = await encodeTexts(encoder, texts, { workers: 3 });
    expect(all.map((ids) => [...ids])).toEqual(texts.map((t) => [...encoder.encode(t)]));
    expect(attempts.count).toBe(3); // one failed start per call, then the calling thread
  });
});
