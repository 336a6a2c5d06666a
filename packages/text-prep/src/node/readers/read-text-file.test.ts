import { existsSync } from "node:fs";
import { mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasSpecialFiles, makeFifo } from "../../__fixtures__/special-files";
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

  it("gives an empty file as \"\", white space as it is, a lone BOM as \"\" with stripBom, and a 64 MB single line whole", async () => {
    const cases: [string, string, object, string][] = [
      ["empty.txt", "", {}, ""],
      ["blank.txt", " \n\t\r\n", {}, " \n\t\n"],
      ["bom.txt", "\ufeff", { stripBom: true }, ""],
      ["cr.txt", "\r", {}, "\n"],
    ];
    for (const [name, content, options, expected] of cases) {
      const file = join(dir, name);
      await writeFile(file, content);
      expect(await readTextFile(file, options)).toBe(expected);
    }
    const line = join(dir, "line.txt");
    const text = "é".repeat(2 ** 25); // 32 M characters, 64 MB of UTF-8, no line break
    await writeFile(line, text);
    const read = await readTextFile(line);
    expect(read.length).toBe(text.length);
    expect(read === text).toBe(true);
  });

  it.runIf(hasSpecialFiles)("INVALID_ARGUMENT for a FIFO or a device, refused before reading (it would block, or never end)", async () => {
    const fifo = join(dir, "pipe.txt");
    makeFifo(fifo);
    await expect(readTextFile(fifo)).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
      file: fifo,
      message: `${fifo}: expected a regular file, got a FIFO (named pipe)`,
    });
    for (const device of ["/dev/zero", "/dev/null"]) {
      await expect(readTextFile(device)).rejects.toMatchObject({ code: "INVALID_ARGUMENT", message: `${device}: expected a regular file, got a character device` });
    }
  }, 10_000);

  it("FILE_TOO_LARGE over 2 GiB (from the size, nothing read) and for more text than one string holds", async () => {
    // Sparse files: no disk space used.
    const huge = join(dir, "huge.txt");
    await writeFile(huge, "");
    await truncate(huge, 3 * 2 ** 30);
    await expect(readTextFile(huge)).rejects.toMatchObject({
      code: "FILE_TOO_LARGE",
      message: `${huge}: expected a file of at most 2 GiB (what Node reads into memory at once), got 3.00 GiB (3221225472 bytes)`,
    });
    await rm(huge);
    // One byte over V8's longest string (2^29 - 24 code units) of NUL characters: read (about 512 MB), then refused.
    const long = join(dir, "long.txt");
    await writeFile(long, "");
    await truncate(long, 0x1fffffe8 + 1);
    await expect(readTextFile(long)).rejects.toMatchObject({
      code: "FILE_TOO_LARGE",
      message: `${long}: expected text that fits in one JavaScript string (at most 536870888 UTF-16 code units), got 536870889 bytes of UTF-8 that do not`,
    });
    await rm(long);
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
