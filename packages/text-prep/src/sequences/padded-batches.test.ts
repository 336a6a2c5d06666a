import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bucketedBatches, charChunkBatches, charChunks, paddedBatches, type SequenceBatch, type TrainingBatch } from "../index";

const seqs = [Int32Array.of(1, 2, 3), Int32Array.of(4), Int32Array.of(5, 6), Int32Array.of(7, 8, 9, 10), Int32Array.of(11)];

describe("paddedBatches", () => {
  it("pads each batch to its own longest member, like padded_batch", () => {
    const batches = paddedBatches(seqs, { batchSize: 2, labels: [1, 0, 1, 0, 1] });
    expect(batches.length).toBe(3);
    const all = [...batches];
    expect(all[0]?.shape).toEqual([2, 3]);
    expect([...(all[0]?.inputs ?? [])]).toEqual([1, 2, 3, 4, 0, 0]);
    expect([...(all[0]?.lengths ?? [])]).toEqual([3, 1]);
    expect([...(all[0]?.targets ?? [])]).toEqual([1, 0]);
    expect(all[1]?.shape).toEqual([2, 4]);
    expect(all[2]?.shape).toEqual([1, 1]);
    expect([...(all[2]?.indices ?? [])]).toEqual([4]);
    // 11 ids in 6 + 8 + 1 = 15 cells.
    expect(batches.tokenCount).toBe(11);
    expect(batches.cellCount).toBe(15);
    expect(batches.paddingFraction).toBeCloseTo(4 / 15, 12);
  });

  it("drops the remainder and pads in front on request", () => {
    const batches = paddedBatches(seqs, { batchSize: 2, dropRemainder: true, padding: "pre", padValue: -1 });
    expect(batches.length).toBe(2);
    expect([...(batches.batch(0).inputs)]).toEqual([1, 2, 3, -1, -1, 4]);
    expect(() => batches.batch(2)).toThrow("expected a batch index in [0, 2), got 2");
  });

  it("rejects bad arguments", () => {
    expect(() => paddedBatches(seqs, { batchSize: 0 })).toThrow("expected batchSize to be an integer > 0, got 0");
    expect(() => paddedBatches(seqs, { batchSize: 2, labels: [1] })).toThrow("expected one label per sequence (5), got 1 labels");
    expect(() => paddedBatches(seqs, { batchSize: 2, labels: [1, 0, NaN, 0, 1] })).toThrow("expected labels[2] to be a finite number, got NaN");
  });
});

describe("bucketedBatches", () => {
  it("sorts by length without boundaries and cuts padding", () => {
    const plain = paddedBatches(seqs, { batchSize: 2 });
    const bucketed = bucketedBatches(seqs, { batchSize: 2 });
    expect(bucketed.paddingFraction).toBeLessThan(plain.paddingFraction);
    expect([...bucketed].map((b) => [...b.indices])).toEqual([[1, 4], [2, 0], [3]]);
  });

  it("uses tf.data-style boundaries", () => {
    const b = bucketedBatches(seqs, { batchSize: 4, boundaries: [2, 4] });
    // Buckets: length < 2 -> [1, 4]; 2..3 -> [0, 2]; >= 4 -> [3].
    expect([...b].map((x) => [...x.indices])).toEqual([[1, 4], [0, 2], [3]]);
    expect(() => bucketedBatches(seqs, { batchSize: 2, boundaries: [3, 3] })).toThrow(
      "expected boundaries to be strictly increasing integers > 0, got 3 at index 1",
    );
  });

  it("is deterministic for a seed and differs between seeds", () => {
    const many = Array.from({ length: 200 }, (_, i) => new Int32Array(1 + (i % 17)));
    const order = (seed: number) => [...bucketedBatches(many, { batchSize: 8, seed }).order];
    expect(order(1)).toEqual(order(1));
    expect(order(1)).not.toEqual(order(2));
  });

  it("puts every row in exactly one batch, data matching its sequence (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 9 }), { maxLength: 30 }),
        fc.integer({ min: 1, max: 7 }),
        fc.option(fc.integer({ min: 0, max: 1000 }), { nil: undefined }),
        fc.boolean(),
        (input, batchSize, seed, useBoundaries) => {
          const options = {
            batchSize,
            labels: input.map((_, i) => i),
            ...(seed === undefined ? {} : { seed }),
            ...(useBoundaries ? { boundaries: [2, 5] } : {}),
          };
          const batches = bucketedBatches(input, options);
          const seen: number[] = [];
          let cells = 0;
          for (const b of batches) {
            const [rows, time] = b.shape;
            expect(rows).toBeGreaterThan(0);
            expect(rows).toBeLessThanOrEqual(batchSize);
            expect(b.inputs.length).toBe(rows * time);
            cells += rows * time;
            for (let r = 0; r < rows; r++) {
              const i = b.indices[r] as number;
              seen.push(i);
              const s = input[i] as number[];
              expect(b.lengths[r]).toBe(s.length);
              expect(b.targets[r]).toBe(i);
              expect([...b.inputs.subarray(r * time, (r + 1) * time)]).toEqual([...s, ...new Array<number>(time - s.length).fill(0)]);
            }
          }
          expect(seen.sort((a, b) => a - b)).toEqual(input.map((_, i) => i));
          expect(batches.cellCount).toBe(cells);
          expect(batches.paddingFraction).toBeGreaterThanOrEqual(0);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("the batch type at the seam", () => {
  it("every batcher yields SequenceBatch / TrainingBatch (the type @recurrent/models trains on)", () => {
    const sequences = [Int32Array.of(1, 2, 3), Int32Array.of(4), Int32Array.of(5, 6)];
    const labeled: TrainingBatch[] = [
      ...paddedBatches(sequences, { batchSize: 2, labels: [1, 0, 1] }),
      ...bucketedBatches(sequences, { batchSize: 2, labels: [1, 0, 1], seed: 3 }),
      ...charChunkBatches(charChunks(Int32Array.of(1, 2, 3, 4, 5, 6), 2), { batchSize: 1 }),
    ];
    for (const b of labeled) {
      expect(b.inputs).toBeInstanceOf(Int32Array);
      expect(b.inputs.length).toBe(b.shape[0] * b.shape[1]);
      expect(b.targets.length === b.shape[0] || b.targets.length === b.shape[0] * b.shape[1]).toBe(true);
    }
    const unlabeled: SequenceBatch[] = [...paddedBatches(sequences, { batchSize: 2 })];
    expect(unlabeled.map((b) => b.targets)).toEqual([undefined, undefined]);
  });
});
