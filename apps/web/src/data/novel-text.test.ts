import { describe, expect, it } from "vitest";
import { END_MARKER, START_MARKER, holdOut, prepareText } from "./novel-text";

const enc = (s: string) => new TextEncoder().encode(s);

describe("prepareText (the char-lm CLI's readNovel)", () => {
  it("turns CRLF and lone CR into LF and keeps the slice between the chapter's markers", () => {
    const body = `${START_MARKER}\r\nThe balloon.\rIt fell.\r\n`;
    const { text, sliced } = prepareText(enc(`Gutenberg header\r\n${body}${END_MARKER} footer`), "novel.txt", 10);
    expect(sliced).toBe(true);
    expect(text).toBe(`${START_MARKER}\nThe balloon.\nIt fell.\n`);
  });

  it("uses any other text whole", () => {
    expect(prepareText(enc("Any UTF-8 text, long enough to train on."), "notes.txt", 10)).toStrictEqual({ text: "Any UTF-8 text, long enough to train on.", sliced: false });
  });

  it("rejects bytes that are not UTF-8, and texts too short, naming the file", () => {
    expect(() => prepareText(Uint8Array.of(0x61, 0xc3), "bad.txt")).toThrow("bad.txt: expected UTF-8 text");
    expect(() => prepareText(enc("short"), "tiny.txt", 100)).toThrow("tiny.txt: expected at least 100 characters of text, got 5");
  });
});

describe("holdOut", () => {
  it("holds out the last fraction", () => {
    const { train, heldOut } = holdOut(Int32Array.from({ length: 100 }, (_, i) => i), 0.05);
    expect([train.length, heldOut.length, heldOut[0]]).toStrictEqual([95, 5, 95]);
    expect(() => holdOut(new Int32Array(3), 1)).toThrow("expected a held-out fraction in (0, 1), got 1");
  });
});
