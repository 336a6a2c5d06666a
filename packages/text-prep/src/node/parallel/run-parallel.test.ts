import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { TextPrepError } from "../../text-prep-error";
import { forEachPackedText, liveWorkers, packTexts, planWorkers, runParallel, splitSlices } from "./run-parallel";
import { runTask } from "./run-task";

// Workers are terminated without waiting for them to exit: all must be gone shortly after.
async function noWorkersLeft(): Promise<void> {
  await vi.waitFor(() => expect(liveWorkers()).toBe(0), { timeout: 5000, interval: 5 });
}

describe("splitSlices", () => {
  it("cuts contiguous slices covering every text, each non-empty, the first weighted (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(50), { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 6 }), (lengths, workers) => {
        const texts = lengths.map((n) => "x".repeat(n));
        const chars = lengths.reduce((a, b) => a + b, 0);
        const bounds = splitSlices(texts, workers, chars);
        expect(bounds.length).toBe(workers + 2);
        expect(bounds[0]).toBe(0);
        expect(bounds[workers + 1]).toBe(texts.length);
        for (let k = 0; k <= workers; k++) {
          expect(bounds[k + 1]).toBeGreaterThanOrEqual(bounds[k] as number);
          if (texts.length > workers) expect(bounds[k + 1]).toBeGreaterThan(bounds[k] as number);
        }
      }),
    );
  });

  it("gives the calling thread its weighted share of the characters", () => {
    const texts = Array.from({ length: 1000 }, () => "abcd");
    // Weight 1.1 against 1: 1.1 / 2.1 of the texts, then the rest.
    expect(splitSlices(texts, 1, 4000)).toEqual([0, 524, 1000]);
    expect(splitSlices(texts, 2, 4000, 1)).toEqual([0, 334, 667, 1000]);
  });
});

describe("planWorkers", () => {
  it("checks the texts and the workers option", () => {
    expect(() => planWorkers("abc" as never, {}, "countTexts")).toThrow("expected texts to be an array of strings, got \"abc\"");
    expect(() => planWorkers(["a", 3 as never], {}, "countTexts")).toThrow(new TypeError("expected texts[1] to be a string, got 3"));
    expect(() => planWorkers(["a"], { workers: -1 }, "countTexts")).toThrow(new RangeError("expected workers to be an integer >= 0, got -1"));
    expect(() => planWorkers(["a"], { workers: 1.5 }, "countTexts")).toThrow("expected workers to be an integer >= 0, got 1.5");
  });

  it("works in the calling thread for small inputs, and never starts more workers than texts after the first", () => {
    expect(planWorkers(["a", "b"], {}, "countTexts").workers).toBe(0);
    expect(planWorkers(["a", "b"], { workers: 4 }, "countTexts").workers).toBe(1);
    expect(planWorkers(["a", "b", "c"], { workers: 2 }, "countTexts")).toEqual({ workers: 2, chars: 3 });
  });
});

describe("packTexts", () => {
  it("packs texts exactly, one-byte ones as Latin-1, lone surrogates included (property)", () => {
    const unit = fc.constantFrom("a", "é", "ÿ", "ж", "😀", "\ud800", "\udfff", " ", "\u0000");
    fc.assert(
      fc.property(fc.array(fc.string({ unit, maxLength: 12 }), { maxLength: 10 }), fc.nat(10), (texts, from) => {
        const start = Math.min(from, texts.length);
        const { packed, transfer } = packTexts(texts, start, texts.length);
        expect(transfer).toContain(packed.bytes.buffer);
        const oneByte = texts.slice(start).map((t) => (/[\u0100-\uffff]/.test(t) ? 0 : 1));
        expect([...packed.wide]).toEqual(oneByte.map((b) => 1 - b));
        const back: string[] = [];
        forEachPackedText(packed, (source, a, b) => back.push(source.slice(a, b)));
        expect(back).toEqual(texts.slice(start));
      }),
    );
  });
});

describe("runParallel", () => {
  it("runs tasks in workers beside the calling thread and stops every worker", async () => {
    const count = (texts: string[]) => () => {
      const { packed, transfer } = packTexts(texts, 0, texts.length);
      return { message: { kind: "count", texts: packed, options: {} }, transfer };
    };
    const { local, remote } = await runParallel([count(["a b", "b"]), count(["c a"])], () => "here", (m) => runTask(m) as never);
    expect(local).toBe("here");
    expect(remote.map((r) => (r as { tokens: number }).tokens)).toEqual([3, 2]);
    await noWorkersLeft();
  });

  it("turns an error thrown in a worker into WORKER_FAILED with the cause, and stops the other workers", async () => {
    const good = () => ({ message: { kind: "count", texts: packTexts(["a"], 0, 1).packed, options: {} }, transfer: [] });
    const bad = () => ({ message: { kind: "no such task" }, transfer: [] });
    let error: unknown;
    try {
      await runParallel([good, bad], () => null, (m) => runTask(m) as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TextPrepError);
    expect((error as TextPrepError).code).toBe("WORKER_FAILED");
    expect((error as TextPrepError).message).toContain(
      'worker 2 of 2 failed: expected a task of kind "count", "encode" or "count-begin/batch/end", got "no such task"',
    );
    expect(((error as TextPrepError).cause as Error).message).toContain("no such task");
    await noWorkersLeft();
  });

  it("stops the workers when the calling thread's share throws", async () => {
    const task = () => ({ message: { kind: "count", texts: packTexts(["a"], 0, 1).packed, options: {} }, transfer: [] });
    await expect(
      runParallel(
        [task],
        () => {
          throw new RangeError("local share failed");
        },
        (m) => runTask(m) as never,
      ),
    ).rejects.toThrow("local share failed");
    await noWorkersLeft();
  });
});
