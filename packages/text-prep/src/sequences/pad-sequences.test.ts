import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { keepLast, padSequences } from "../index";

describe("padSequences", () => {
  // Expected rows below are what keras.preprocessing.sequence.pad_sequences
  // returns for the same arguments (its documented semantics).
  const seqs = [[1, 2, 3], [4, 5], [6]];

  it("pads and truncates at the front by default", () => {
    const { data, shape, lengths } = padSequences(seqs, { maxLen: 2 });
    expect(shape).toEqual([3, 2]);
    expect([...data]).toEqual([2, 3, 4, 5, 0, 6]);
    expect([...lengths]).toEqual([2, 2, 1]);
  });

  it("supports post padding, post truncation and a pad value", () => {
    const { data } = padSequences(seqs, { maxLen: 2, padding: "post", truncating: "post", value: -1 });
    expect([...data]).toEqual([1, 2, 4, 5, 6, -1]);
  });

  it("defaults maxLen to the longest sequence", () => {
    const { data, shape } = padSequences([Int32Array.of(7), [8, 9]]);
    expect(shape).toEqual([2, 2]);
    expect([...data]).toEqual([0, 7, 8, 9]);
    expect(padSequences([]).shape).toEqual([0, 0]);
  });

  it("rejects bad input with expected and got", () => {
    expect(() => padSequences(seqs, { maxLen: 0 })).toThrow("expected maxLen to be an integer > 0, got 0");
    expect(() => padSequences(seqs, { padding: "left" as "pre" })).toThrow('expected padding to be "pre" or "post", got "left"');
    expect(() => padSequences([[1, 2.5]])).toThrow("expected sequences[0][1] to be a 32-bit integer, got 2.5");
    expect(() => padSequences([[1]], { value: 2 ** 31 })).toThrow("expected value to be a 32-bit integer, got 2147483648");
  });

  it("keeps the invariants of Keras pad_sequences and never mutates its input (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer({ min: 1, max: 1000 }), { maxLength: 12 }), { maxLength: 8 }),
        fc.option(fc.integer({ min: 1, max: 15 }), { nil: undefined }),
        fc.constantFrom("pre" as const, "post" as const),
        fc.constantFrom("pre" as const, "post" as const),
        (input, maxLen, padding, truncating) => {
          const before = JSON.stringify(input);
          const options = maxLen === undefined ? { padding, truncating } : { maxLen, padding, truncating };
          const { data, shape, lengths } = padSequences(input, options);
          expect(JSON.stringify(input)).toBe(before);
          const time = maxLen ?? Math.max(0, ...input.map((s) => s.length));
          expect(shape).toEqual([input.length, time]);
          expect(data.length).toBe(input.length * time);
          input.forEach((s, r) => {
            const row = [...data.subarray(r * time, (r + 1) * time)];
            const kept = truncating === "pre" ? s.slice(Math.max(0, s.length - time)) : s.slice(0, time);
            expect(lengths[r]).toBe(kept.length);
            const pad = new Array<number>(time - kept.length).fill(0);
            expect(row).toEqual(padding === "pre" ? [...pad, ...kept] : [...kept, ...pad]);
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("keepLast", () => {
  it("keeps the last n ids or tokens as a copy", () => {
    const ids = Int32Array.of(1, 2, 3, 4);
    const last = keepLast(ids, 2);
    expect([...last]).toEqual([3, 4]);
    last[0] = 99;
    expect(ids[2]).toBe(3);
    expect(keepLast(["a", "b"], 100)).toEqual(["a", "b"]);
    expect(keepLast(["a", "b"], 0)).toEqual([]);
    expect(() => keepLast(ids, -1)).toThrow("expected n to be an integer >= 0, got -1");
  });
});
