import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { readTextInputs } from "./text-input";

const stdin = (bytes: Uint8Array | string) => Readable.from([Buffer.from(bytes)]);
const none = Readable.from([]);

describe("readTextInputs", () => {
  it("takes the arguments, or else the non-blank lines of standard input", async () => {
    expect(await readTextInputs(["A fine film.", "Dull."], none)).toStrictEqual(["A fine film.", "Dull."]);
    expect(await readTextInputs([], stdin("first review\r\n\n  \nsecond\tone\n"))).toStrictEqual(["first review", "second\tone"]);
  });

  it("refuses empty and blank arguments, and input with nothing in it", async () => {
    await expect(readTextInputs(["ok", ""], none)).rejects.toMatchObject({ code: "EMPTY_INPUT", message: "expected a text in argument 2, got an empty string" });
    await expect(readTextInputs([" \t "], none)).rejects.toMatchObject({ code: "EMPTY_INPUT", message: "expected a text in argument 1, got only white space" });
    await expect(readTextInputs([], stdin(""))).rejects.toMatchObject({ code: "EMPTY_INPUT", message: "expected texts as arguments or lines on standard input, got nothing" });
    await expect(readTextInputs([], stdin("\n \n\t\n"))).rejects.toMatchObject({ message: expect.stringContaining("got only white space") });
  });

  it("flags input that is not text: invalid UTF-8, NUL and other control characters", async () => {
    // 200 kB of bytes that are not UTF-8 (a PNG-like header, then every byte value)
    const binary = new Uint8Array(200_000).map((_, i) => (i * 151 + 7) % 256);
    await expect(readTextInputs([], stdin(binary))).rejects.toMatchObject({ code: "INPUT_NOT_TEXT", message: "standard input is not UTF-8 text (200000 bytes; binary data?)" });
    await expect(readTextInputs([], stdin("line one\nab\u0000cd"))).rejects.toMatchObject({
      code: "INPUT_NOT_TEXT",
      message: "standard input does not look like text: control character U+0000 at line 2, column 3 (binary data?)",
    });
    await expect(readTextInputs(["fine", "esc\u001b[31m"], none)).rejects.toMatchObject({ message: expect.stringContaining("argument 2 does not look like text: control character U+001B") });
  });
});
