import { describe, expect, it } from "vitest";
import { charChunkBatches, charChunks } from "../index";

describe("charChunks", () => {
  it("cuts chunks of seqLength + 1 into inputs and targets shifted by one", () => {
    const ids = Int32Array.from({ length: 10 }, (_, i) => i);
    const c = charChunks(ids, 2);
    expect(c.shape).toEqual([3, 2]);
    expect([...c.inputs]).toEqual([0, 1, 3, 4, 6, 7]);
    expect([...c.targets]).toEqual([1, 2, 4, 5, 7, 8]);
    expect(c.droppedTail).toBe(1);
  });

  it("rejects a bad seqLength", () => {
    expect(() => charChunks([1, 2], 0)).toThrow("expected seqLength to be an integer > 0, got 0");
  });

  it("batches chunks, dropping the remainder by default, shuffled with a seed", () => {
    const c = charChunks(Int32Array.from({ length: 30 }, (_, i) => i), 2); // 10 chunks
    const batches = [...charChunkBatches(c, { batchSize: 4 })];
    expect(batches.map((b) => b.shape)).toEqual([[4, 2], [4, 2]]);
    expect([...(batches[1]?.inputs ?? [])]).toEqual([12, 13, 15, 16, 18, 19, 21, 22]);
    const all = [...charChunkBatches(c, { batchSize: 4, dropRemainder: false, seed: 3 })];
    expect(all.map((b) => b.shape[0])).toEqual([4, 4, 2]);
    const rows = all.flatMap((b) => [...b.indices]).sort((a, b) => a - b);
    expect(rows).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const b of all) {
      b.indices.forEach((chunk, r) => {
        expect(b.inputs[r * 2]).toBe(chunk * 3);
        expect(b.targets[r * 2 + 1]).toBe(chunk * 3 + 2);
      });
    }
  });
});
