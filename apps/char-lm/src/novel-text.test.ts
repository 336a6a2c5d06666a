import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CharEncoder } from "@recurrent/text-prep";
import { describe, expect, it } from "vitest";
import { holdOut, readNovel, sharedNovel, sliceNovel } from "./novel-text";

describe("the chapter's text", () => {
  it("normalises CRLF and slices between the markers", async () => {
    const dir = await mkdtemp(join(tmpdir(), "char-lm-"));
    try {
      const file = join(dir, "book.txt");
      await writeFile(file, "\uFEFFlicense\r\nTHE MYSTERIOUS ISLAND\r\nchapter one\r\nEnd of the Project Gutenberg\r\nmore");
      expect(await readNovel(file)).toBe("THE MYSTERIOUS ISLAND\nchapter one\n");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("names a missing marker", () => {
    expect(() => sliceNovel("no markers here", "x.txt")).toThrow('x.txt: expected the marker "THE MYSTERIOUS ISLAND", not found');
  });

  it("holds out the last fraction", () => {
    const { train, heldOut } = holdOut(Int32Array.from({ length: 100 }, (_, i) => i), 0.05);
    expect(train.length).toBe(95);
    expect(Array.from(heldOut)).toStrictEqual([95, 96, 97, 98, 99]);
    expect(() => holdOut(new Int32Array(3), 1)).toThrow("expected a held-out fraction in (0, 1), got 1");
  });

  const novel = sharedNovel(process.cwd());
  if (novel === null) console.warn("skipping the real-text check: ../shared/data/mysterious-island.txt does not exist");
  it.runIf(novel !== null && existsSync(novel))("gives the chapter's 1,112,350 characters and 80 distinct ones on the real file", async () => {
    const text = await readNovel(novel!);
    expect(text.length).toBe(1_112_350);
    expect(CharEncoder.fromText(text).size).toBe(80);
  });
});
