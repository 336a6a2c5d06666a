import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { shuffle, skip, splitAt, take } from "../index";

describe("shuffle", () => {
  it("is a deterministic permutation for a seed and leaves its input alone (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer(), { maxLength: 50 }), fc.integer(), (items, seed) => {
        const before = [...items];
        const a = shuffle(items, seed);
        expect(items).toEqual(before);
        expect(shuffle(items, seed)).toEqual(a);
        expect([...a].sort((x, y) => x - y)).toEqual([...items].sort((x, y) => x - y));
      }),
    );
  });

  it("gives different orders for different seeds and spreads items evenly", () => {
    const items = Array.from({ length: 100 }, (_, i) => i);
    expect(shuffle(items, 1)).not.toEqual(shuffle(items, 2));
    // Item 0 lands in each of 10 position groups about 1/10 of the time over 2,000 seeds.
    const groups = new Array<number>(10).fill(0);
    for (let seed = 0; seed < 2000; seed++) {
      const at = shuffle(items, seed).indexOf(0);
      groups[Math.floor(at / 10)] = (groups[Math.floor(at / 10)] as number) + 1;
    }
    for (const g of groups) expect(Math.abs(g - 200)).toBeLessThan(70); // > 5 standard deviations
  });

  it("rejects a seed that is not a safe integer", () => {
    expect(() => shuffle([1], 1.5)).toThrow("expected seed to be a safe integer, got 1.5");
  });
});

describe("take / skip / splitAt", () => {
  it("splits like the chapter: shuffle, take test, then split train and validation", () => {
    const items = Array.from({ length: 10 }, (_, i) => i);
    const shuffled = shuffle(items, 7);
    const test = take(shuffled, 5);
    const [train, valid] = splitAt(skip(shuffled, 5), 3);
    expect(test.length + train.length + valid.length).toBe(10);
    expect([...test, ...train, ...valid]).toEqual(shuffled);
  });

  it("refuses to take more than there is", () => {
    expect(() => take([1, 2], 3)).toThrow("expected n <= 2 (the number of items), got 3");
    expect(() => skip([1, 2], -1)).toThrow("expected n to be an integer >= 0, got -1");
  });
});
