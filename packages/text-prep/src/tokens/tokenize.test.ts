import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { tokenize } from "../index";

// Reference: the same split with a regular expression. `[\p{L}\p{N}_]` equals
// Python's `\w` (re.UNICODE) on every code point Unicode 14 assigns (checked
// against Python 3.11 code point by code point; see tokenize.ts).
const reference = (text: string): string[] => text.split(/[^\p{L}\p{N}_]+/u).filter((t) => t.length > 0);

describe("tokenize", () => {
  it("splits like Python's re.split(r'\\W+') with empty strings dropped", () => {
    expect(tokenize("Don't panic: café 3.14 foo_bar <br />x")).toEqual([
      "Don", "t", "panic", "café", "3", "14", "foo_bar", "br", "x",
    ]);
  });

  it("matches Python on marks, numbers of every kind, CJK, astral letters and emoji", () => {
    // Produced with Python 3.11: [t for t in re.split(r'\W+', s) if t] for this s.
    const s =
      "Cafe\u0301 na\u00efve x\u00b2 \u00bd \u216b \u0663\u0664 \u4e2d\u6587 \ud835\udc00\ud835\udc01 " +
      "\ud83d\ude00ok A\u200dB \u00aaordinal \u02b0mod \u0903x";
    expect(tokenize(s)).toEqual([
      "Cafe", "na\u00efve", "x\u00b2", "\u00bd", "\u216b", "\u0663\u0664", "\u4e2d\u6587",
      "\ud835\udc00\ud835\udc01", "ok", "A", "B", "\u00aaordinal", "\u02b0mod", "x",
    ]);
  });

  it("treats lone surrogates as separators", () => {
    expect(tokenize("ab\ud800cd\udc00ef\ud800")).toEqual(["ab", "cd", "ef"]);
  });

  it("returns no tokens for text without word characters", () => {
    expect(tokenize(" ... !! ")).toEqual([]);
    expect(tokenize("")).toEqual([]);
  });

  it("lower-cases on request", () => {
    expect(tokenize("The Island", { lowercase: true })).toEqual(["the", "island"]);
  });

  it("strips HTML tags on request", () => {
    expect(tokenize("Great<br /><br />FILM <i>really</i>", { stripHtml: true })).toEqual(["Great", "FILM", "really"]);
    expect(tokenize("a<br />b")).toEqual(["a", "br", "b"]);
  });

  it("keeps reserved tokens whole, longest first, and leaves them un-lowercased", () => {
    expect(tokenize("Hi <UNK> C++ and C", { reservedTokens: ["<UNK>", "C++", "C"], lowercase: true })).toEqual([
      "hi", "<UNK>", "C++", "and", "C",
    ]);
    expect(tokenize("<pad><pad>x", { reservedTokens: ["<pad>"], stripHtml: true })).toEqual(["<pad>", "<pad>", "x"]);
  });

  it("rejects a non-string with the type it got", () => {
    expect(() => tokenize(42 as unknown as string)).toThrow("expected text to be a string, got 42");
  });

  it("rejects bad options with what it expected and got", () => {
    expect(() => tokenize("a", { lowercase: "yes" as unknown as boolean })).toThrow(
      'expected options.lowercase to be a boolean, got "yes"',
    );
    expect(() => tokenize("a", { reservedTokens: [""] })).toThrow('expected options.reservedTokens[0] to be a non-empty string, got ""');
  });

  it("agrees with the regular-expression split on arbitrary text (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), (text) => {
        expect(tokenize(text)).toEqual(reference(text));
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom("a", "Z", "_", "9", " ", "\u0301", "é", "\ud835\udc00", "😀", "\ud800", "-"), maxLength: 60 }), (text) => {
        expect(tokenize(text)).toEqual(reference(text));
      }),
      { numRuns: 500 },
    );
  });

  it("yields tokens that contain only word characters and cover all of them in order (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 100 }), (text) => {
        const tokens = tokenize(text);
        for (const t of tokens) expect(t).toMatch(/^[\p{L}\p{N}_]+$/u);
        expect(tokens.join("")).toBe(text.replace(/[^\p{L}\p{N}_]+/gu, ""));
      }),
      { numRuns: 300 },
    );
  });
});
