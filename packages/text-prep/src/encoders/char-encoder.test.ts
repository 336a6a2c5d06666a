import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CharEncoder, TextPrepError } from "../index";

// Saving to and loading from files: src/node/encoder-files.test.ts.

describe("CharEncoder", () => {
  it("uses the sorted set of characters, by code point like Python's sorted(set(text))", () => {
    // Python: sorted(set("banana\n😀\uffff")) == ['\n', 'a', 'b', 'n', '\uffff', '😀']
    const e = CharEncoder.fromText("banana\n😀\uffff");
    expect(e.chars).toEqual(["\n", "a", "b", "n", "\uffff", "😀"]);
    expect(e.size).toBe(6);
    expect([...e.encode("nab😀")]).toEqual([3, 1, 2, 5]);
    expect(e.decode([2, 1, 3, 5])).toBe("ban😀");
  });

  it("names an unknown character and its position", () => {
    const e = CharEncoder.fromText("abc");
    expect(() => e.encode("abz")).toThrow(`expected characters of the encoder's 3-character alphabet, got "z" (U+007A) at character 2`);
    expect(() => e.decode([0, 3])).toThrow("expected ids[1] to be an integer in [0, 3), got 3");
  });

  it("rejects repeated or multi-character entries", () => {
    expect(() => new CharEncoder(["a", "a"])).toThrow('expected distinct characters, got "a" (U+0061) at 0 and 1');
    expect(() => new CharEncoder(["ab"])).toThrow('expected chars[0] to be one character, got "ab"');
  });

  it("round-trips through toJSON / fromJSON; rejects a wrong version or shape", () => {
    const e = CharEncoder.fromText("hello world");
    const copy = CharEncoder.fromJSON(JSON.parse(JSON.stringify(e)));
    expect(copy.chars).toEqual(e.chars);
    expect(() => CharEncoder.fromJSON({ ...e.toJSON(), version: 9 })).toThrow(TextPrepError);
    expect(() => CharEncoder.fromJSON({ ...e.toJSON(), chars: ["ab"] }, "c.json")).toThrow(
      "c.json: expected chars to be an array of single characters, got an array",
    );
  });

  it("decode(encode(text)) === text for any text, astral characters included (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), (text) => {
        const e = CharEncoder.fromText(text);
        const ids = e.encode(text);
        expect(ids.length).toBe([...text].length);
        expect(e.decode(ids)).toBe(text);
        for (const id of ids) expect(id >= 0 && id < e.size).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
