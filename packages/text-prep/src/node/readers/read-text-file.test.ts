import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CharEncoder } from "../../index";
import { readTextFile } from "../index";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "text-prep-text-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("readTextFile", () => {
  it("turns CRLF and CR into LF like Python's text mode, keeps the BOM unless asked", async () => {
    const file = join(dir, "crlf.txt");
    await writeFile(file, "\ufeffa\r\nb\rc\n");
    expect(await readTextFile(file)).toBe("\ufeffa\nb\nc\n");
    expect(await readTextFile(file, { stripBom: true, newlines: "keep" })).toBe("a\r\nb\rc\n");
  });

  it("rejects invalid UTF-8 naming the byte, a folder, and a missing file", async () => {
    const file = join(dir, "bad.txt");
    await writeFile(file, Buffer.from([0x61, 0x62, 0xc3, 0x28]));
    await expect(readTextFile(file)).rejects.toMatchObject({
      code: "INVALID_UTF8",
      file,
      message: `${file}: expected UTF-8 text, got an invalid byte sequence at byte 2`,
    });
    await expect(readTextFile(dir)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(readTextFile(join(dir, "missing.txt"))).rejects.toMatchObject({ code: "FILE_NOT_FOUND" });
    await expect(readTextFile(file, { newlines: "crlf" as "keep" })).rejects.toThrow('expected newlines to be "universal" or "keep", got "crlf"');
  });
});

// Integration test on the real novel (../shared/data); figures from its README,
// computed there with Python's text mode.
const novel = resolve(__dirname, "../../../../../../shared/data/mysterious-island.txt");
// In CI the real data must be there: a missing file fails here instead of skipping the tests below.
it.runIf(Boolean(process.env.CI))("finds the real data in CI (../shared/data/mysterious-island.txt)", () => {
  expect(existsSync(novel)).toBe(true);
});

describe.skipIf(!existsSync(novel))("The Mysterious Island (real data)", () => {
  it("gives the chapter's slice: 1,112,350 characters, 80 distinct", async () => {
    const text = await readTextFile(novel);
    const start = text.indexOf("THE MYSTERIOUS ISLAND");
    const end = text.indexOf("End of the Project Gutenberg");
    expect([start, end]).toEqual([567, 1_112_917]);
    const book = text.slice(start, end);
    expect(book.length).toBe(1_112_350);
    const encoder = CharEncoder.fromText(book);
    expect(encoder.size).toBe(80);
    expect(encoder.decode(encoder.encode(book))).toBe(book);
  });
});
if (!existsSync(novel)) console.warn(`skipping the novel integration test: ${novel} is absent`);
