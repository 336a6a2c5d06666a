import { existsSync, openAsBlob } from "node:fs";
import { resolve } from "node:path";
import { packTar } from "modern-tar";
import { describe, expect, it } from "vitest";
import { isGzip, readImdbArchive, readImdbFolder, reviewFromEntry } from "./imdb-archive";

const enc = (s: string) => new TextEncoder().encode(s);

/** A small archive in the official layout: reviews, unsup, README and vocabulary files. */
async function archive(entries: [string, Uint8Array | string][], gzip = true): Promise<Blob> {
  const tar = await packTar(entries.map(([name, body]) => ({ header: { name, size: (typeof body === "string" ? enc(body) : body).length }, body: typeof body === "string" ? enc(body) : body })));
  const blob = new Blob([tar]);
  return gzip ? new Response(blob.stream().pipeThrough(new CompressionStream("gzip"))).blob() : blob;
}

const LAYOUT: [string, string][] = [
  ["aclImdb/README", "not a review"],
  ["aclImdb/imdb.vocab", "the\nand\n"],
  ["aclImdb/train/labeledBow.feat", "0 0:1"],
  ["aclImdb/train/pos/10_9.txt", "A fine film."],
  ["aclImdb/train/neg/3_1.txt", "Dull.<br />Very dull."],
  ["aclImdb/train/unsup/7_0.txt", "no label"],
  ["aclImdb/train/urls_pos.txt", "http://example.org"],
  ["aclImdb/test/pos/2_7.txt", "\uFEFFGood, with a byte-order mark."],
  ["aclImdb/test/neg/5_4.txt", "Bad."],
];

describe("readImdbArchive", () => {
  it("yields the labelled reviews of a tar.gz in archive order, passing over unsup and files that are not reviews", async () => {
    const reviews = await readImdbArchive(await archive(LAYOUT), "small.tar.gz");
    expect(reviews).toStrictEqual([
      { text: "A fine film.", label: 1, path: "train/pos/10_9.txt" },
      { text: "Dull.<br />Very dull.", label: 0, path: "train/neg/3_1.txt" },
      { text: "\uFEFFGood, with a byte-order mark.", label: 1, path: "test/pos/2_7.txt" }, // kept byte for byte, as Python
      { text: "Bad.", label: 0, path: "test/neg/5_4.txt" },
    ]);
  });

  it("reads an uncompressed tar too (gzip is detected from the magic bytes) and reports progress up to the whole file", async () => {
    const tar = await archive(LAYOUT, false);
    expect(isGzip(new Uint8Array(await tar.slice(0, 2).arrayBuffer()))).toBe(false);
    const seen: number[] = [];
    const reviews = await readImdbArchive(tar, "small.tar", (p) => seen.push(p.bytesRead / p.bytesTotal));
    expect(reviews).toHaveLength(4);
    expect(seen.at(-1)).toBe(1);
  });

  it("names the entry when a review file is bad", async () => {
    await expect(readImdbArchive(await archive([["aclImdb/train/pos/x.txt", "hi"]]), "a.tar.gz")).rejects.toThrow(/a\.tar\.gz: expected review files named <id>_<rating>\.txt in train\/pos\/, got "aclImdb\/train\/pos\/x\.txt"/);
    await expect(readImdbArchive(await archive([["aclImdb/train/pos/1_3.txt", "hi"]]), "a.tar.gz")).rejects.toThrow(/expected a rating of 7\.\.10 in train\/pos\/, got 3/);
    await expect(readImdbArchive(await archive([["aclImdb/test/neg/1_2.txt", "  \n"]]), "a.tar.gz")).rejects.toThrow(/empty review "aclImdb\/test\/neg\/1_2\.txt"/);
    await expect(readImdbArchive(await archive([["aclImdb/test/neg/1_2.txt", Uint8Array.of(0x61, 0xff, 0x62)]]), "a.tar.gz")).rejects.toThrow(/entry "aclImdb\/test\/neg\/1_2\.txt": expected UTF-8 text/);
  });

  it("says what it expected when the file is no IMDb archive", async () => {
    await expect(readImdbArchive(await archive([["notes/readme.txt", "hello"]]), "other.tar.gz")).rejects.toThrow(/other\.tar\.gz: expected IMDb reviews .* found none in 1 entries/);
    await expect(readImdbArchive(new Blob([enc("just some text, not a tar archive at all ".repeat(40))]), "text.txt")).rejects.toThrow(/text\.txt: expected a tar or tar\.gz archive/);
  });

  const shared = resolve(import.meta.dirname, "../../../../../shared/data/aclImdb-labeled.tar.gz");
  it.skipIf(!existsSync(shared) && process.env.CI === undefined)("reads all 49,996 labelled reviews of the real archive, half of them positive", async () => {
    const reviews = await readImdbArchive(await openAsBlob(shared), "aclImdb-labeled.tar.gz");
    expect(reviews).toHaveLength(49_996); // the official 50,000 less the four our archive lacks (text-prep's README)
    expect(new Set(reviews.map((r) => r.path)).size).toBe(reviews.length);
    const positive = reviews.filter((r) => r.label === 1).length;
    expect(Math.abs(positive - reviews.length / 2)).toBeLessThanOrEqual(4);
  });
});

describe("readImdbFolder and reviewFromEntry", () => {
  it("reads an extracted folder by the files' relative paths, skipping hidden files", async () => {
    const files = [
      { path: "aclImdb/train/pos/1_8.txt", file: new Blob(["Great."]) },
      { path: "aclImdb/train/pos/.DS_Store", file: new Blob(["x"]) },
      { path: "aclImdb/README", file: new Blob(["readme"]) },
      { path: "aclImdb/test/neg/4_2.txt", file: new Blob(["Awful."]) },
    ];
    expect(await readImdbFolder(files)).toStrictEqual([
      { text: "Great.", label: 1, path: "train/pos/1_8.txt" },
      { text: "Awful.", label: 0, path: "test/neg/4_2.txt" },
    ]);
    await expect(readImdbFolder([files[2]!])).rejects.toThrow(/expected IMDb reviews/);
  });

  it("returns null for entries that are not labelled reviews", () => {
    expect(reviewFromEntry("s", "aclImdb/train/unsup/3_0.txt", enc("x"))).toBeNull();
    expect(reviewFromEntry("s", "aclImdb/train/pos/", enc(""))).toBeNull();
    expect(reviewFromEntry("s", "aclImdb/imdbEr.txt", enc("1.0"))).toBeNull();
    expect(() => reviewFromEntry("s", "aclImdb/train/unsup/3_5.txt", enc("x"))).toThrow(/expected a rating of 0/);
  });
});
