import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeArchive, makeTar, type FixtureEntry } from "../../__fixtures__/make-archive";
import { TextPrepError } from "../../index";
import { readImdb, type ImdbReview, type ImdbUnlabeledReview } from "../index";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "text-prep-imdb-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// The official aclImdb_v1.tar.gz layout, in miniature: reviews, unsup, and
// files that are not reviews.
const official: FixtureEntry[] = [
  { name: "aclImdb/", type: "directory" },
  { name: "aclImdb/README", data: "Large Movie Review Dataset v1.0" },
  { name: "aclImdb/imdb.vocab", data: "the\nand\n" },
  { name: "aclImdb/train/labeledBow.feat", data: "0 9:1" },
  { name: "aclImdb/train/pos/", type: "directory" },
  { name: "aclImdb/train/pos/10_9.txt", data: "Great film.<br /><br />Loved it." },
  { name: "aclImdb/train/neg/3_1.txt", data: "Dreadful, café-level acting." },
  { name: "aclImdb/train/unsup/77_0.txt", data: "No label here." },
  { name: "aclImdb/test/pos/5_7.txt", data: "Fine 😀" },
  { name: "aclImdb/test/neg/0_4.txt", data: "Meh." },
  { name: "aclImdb/train/urls_pos.txt", data: "http://www.imdb.com/title/tt0453418/usercomments" },
];

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function failure(it: AsyncIterable<unknown>): Promise<TextPrepError> {
  try {
    await collect(it);
  } catch (error) {
    expect(error).toBeInstanceOf(TextPrepError);
    return error as TextPrepError;
  }
  throw new Error("expected the iteration to fail");
}

describe("readImdb on archives", () => {
  it("reads the official layout: labels, split, id and rating from the path; unsup skipped", async () => {
    const file = join(dir, "aclImdb_v1.tar.gz");
    await writeArchive(file, official);
    const reviews = await collect(readImdb(file));
    expect(reviews).toEqual<ImdbReview[]>([
      { text: "Great film.<br /><br />Loved it.", label: 1, split: "train", id: 10, rating: 9, path: "aclImdb/train/pos/10_9.txt" },
      { text: "Dreadful, café-level acting.", label: 0, split: "train", id: 3, rating: 1, path: "aclImdb/train/neg/3_1.txt" },
      { text: "Fine 😀", label: 1, split: "test", id: 5, rating: 7, path: "aclImdb/test/pos/5_7.txt" },
      { text: "Meh.", label: 0, split: "test", id: 0, rating: 4, path: "aclImdb/test/neg/0_4.txt" },
    ]);
  });

  it("yields unsup on request and filters splits", async () => {
    const file = join(dir, "official-unsup.tar.gz");
    await writeArchive(file, official);
    const train: (ImdbReview | ImdbUnlabeledReview)[] = await collect(readImdb(file, { splits: ["train"], includeUnsup: true }));
    expect(train.map((r) => [r.path, r.label])).toEqual([
      ["aclImdb/train/pos/10_9.txt", 1],
      ["aclImdb/train/neg/3_1.txt", 0],
      ["aclImdb/train/unsup/77_0.txt", null],
    ]);
  });

  it("reads an uncompressed tar too", async () => {
    const file = join(dir, "plain.tar");
    await writeArchive(file, official, false);
    expect((await collect(readImdb(file))).length).toBe(4);
  });

  it("stops cleanly when the consumer breaks out early", async () => {
    const file = join(dir, "many.tar.gz");
    const many = Array.from({ length: 300 }, (_, i): FixtureEntry => ({ name: `aclImdb/train/neg/${i}_2.txt`, data: `review ${i} `.repeat(50) }));
    await writeArchive(file, many);
    let seen = 0;
    for await (const review of readImdb(file)) {
      expect(review.id).toBe(seen);
      if (++seen === 5) break;
    }
    expect(seen).toBe(5);
    // And a full read afterwards still sees everything (backpressure does not lose entries).
    expect((await collect(readImdb(file))).map((r) => r.id)).toEqual(many.map((_, i) => i));
  });

  it("FILE_NOT_FOUND for a missing path", async () => {
    const e = await failure(readImdb(join(dir, "nope.tar.gz")));
    expect(e.code).toBe("FILE_NOT_FOUND");
    expect(e.message).toContain("nope.tar.gz: no such file or folder");
  });

  it("NOT_GZIP for a .gz file that is not gzip", async () => {
    const file = join(dir, "fake.tar.gz");
    await writeFile(file, "just some text, not gzip");
    const e = await failure(readImdb(file));
    expect(e.code).toBe("NOT_GZIP");
    expect(e.file).toBe(file);
    expect(e.message).toContain("expected gzip data (magic bytes 1f 8b), got 6a 75");
  });

  it("NOT_TAR for gzip data that is not a tar, and for a file that is neither", async () => {
    const gz = join(dir, "notar.tar.gz");
    await writeFile(gz, gzipSync(Buffer.alloc(2048, 0x41)));
    const e = await failure(readImdb(gz));
    expect(e.code).toBe("NOT_TAR");
    expect(e.message).toContain("expected a tar archive inside the gzip data");
    const plain = join(dir, "notar.bin");
    await writeFile(plain, "tiny");
    expect((await failure(readImdb(plain))).code).toBe("NOT_TAR");
  });

  it("TRUNCATED_ARCHIVE for a cut gzip stream, a tar cut inside an entry, and a tar without its end block", async () => {
    const bytes = await writeArchive(join(dir, "whole.tar.gz"), official);
    const cutGz = join(dir, "cut.tar.gz");
    await writeFile(cutGz, bytes.subarray(0, bytes.length - 40));
    const e1 = await failure(readImdb(cutGz));
    expect(e1.code).toBe("TRUNCATED_ARCHIVE");
    expect(e1.message).toContain("cut.tar.gz");

    const tar = await makeTar([{ name: "aclImdb/train/pos/1_8.txt", data: "x".repeat(3000) }]);
    const cutInside = join(dir, "cut-inside.tar");
    await writeFile(cutInside, tar.subarray(0, 512 + 1000));
    expect((await failure(readImdb(cutInside))).code).toBe("TRUNCATED_ARCHIVE");

    const cutAtBoundary = join(dir, "cut-boundary.tar");
    await writeFile(cutAtBoundary, tar.subarray(0, 512 + 3072)); // header + padded data, no end blocks
    const e3 = await failure(readImdb(cutAtBoundary));
    expect(e3.code).toBe("TRUNCATED_ARCHIVE");
    expect(e3.message).toContain("no end-of-archive block");
  });

  it("MALFORMED_FILE for gzip data whose checksum does not match", async () => {
    const bytes = Buffer.from(await writeArchive(join(dir, "crc-ok.tar.gz"), official));
    bytes[bytes.length - 8] = (bytes[bytes.length - 8] as number) ^ 0xff; // first byte of the CRC-32 trailer
    const file = join(dir, "crc-bad.tar.gz");
    await writeFile(file, bytes);
    const e = await failure(readImdb(file));
    expect(e.code).toBe("MALFORMED_FILE");
    expect(e.message).toContain("corrupt gzip data (incorrect data check)");
  });

  it("UNSAFE_PATH for entries with .. or an absolute path", async () => {
    for (const name of ["aclImdb/../../etc/train/pos/1_8.txt", "/aclImdb/train/pos/1_8.txt", "aclImdb/train/pos/../../../x"]) {
      const file = join(dir, "unsafe.tar.gz");
      await writeArchive(file, [{ name, data: "evil" }]);
      const e = await failure(readImdb(file));
      expect(e.code).toBe("UNSAFE_PATH");
      expect(e.message).toContain(`archive entry "${name}" escapes the archive root`);
    }
  });

  it("INVALID_UTF8 naming the entry and byte offset", async () => {
    const file = join(dir, "latin1.tar.gz");
    await writeArchive(file, [{ name: "aclImdb/test/neg/2_3.txt", data: Uint8Array.of(0x63, 0x61, 0x66, 0xe9, 0x21) }]);
    const e = await failure(readImdb(file));
    expect(e.code).toBe("INVALID_UTF8");
    expect(e.message).toBe(`${file}: entry "aclImdb/test/neg/2_3.txt": expected UTF-8 text, got an invalid byte sequence at byte 3`);
  });

  it("EMPTY_TEXT for an empty or blank review", async () => {
    for (const data of ["", "  \n "]) {
      const file = join(dir, "empty.tar.gz");
      await writeArchive(file, [{ name: "aclImdb/train/neg/4_2.txt", data }]);
      const e = await failure(readImdb(file));
      expect(e.code).toBe("EMPTY_TEXT");
      expect(e.message).toContain('"aclImdb/train/neg/4_2.txt"');
    }
  });

  it("MALFORMED_FILE for a badly named review, a rating outside its folder's range, a link entry, or no reviews", async () => {
    const cases: [FixtureEntry[], string][] = [
      [[{ name: "aclImdb/train/pos/notes.txt", data: "x" }], "expected review files named <id>_<rating>.txt"],
      [[{ name: "aclImdb/train/pos/3_2.txt", data: "x" }], "expected a rating of 7..10 in train/pos/, got 2"],
      [[{ name: "aclImdb/train/pos/3_8.txt", type: "symlink" }], "is a symlink entry"],
      [[{ name: "aclImdb/README", data: "x" }], "found none"],
    ];
    for (const [entries, message] of cases) {
      const file = join(dir, "malformed.tar.gz");
      await writeArchive(file, entries);
      const e = await failure(readImdb(file));
      expect(e.code).toBe("MALFORMED_FILE");
      expect(e.message).toContain(message);
    }
  });

  it("rejects bad arguments at once", () => {
    expect(() => readImdb("")).toThrow("expected source to be a path to an archive or folder, got \"\"");
    expect(() => readImdb("x", { splits: ["dev" as "train"] })).toThrow('expected splits to be a non-empty array of "train" / "test", got ["dev"]');
  });
});

describe("readImdb on an extracted folder", () => {
  async function makeFolder(root: string, files: Record<string, string | Uint8Array>): Promise<void> {
    for (const [path, data] of Object.entries(files)) {
      const full = join(root, path);
      await mkdir(join(full, ".."), { recursive: true });
      await writeFile(full, data);
    }
  }

  it("reads aclImdb/ or its parent, sorted by id, with the same fields", async () => {
    const parent = join(dir, "folder-ok");
    await makeFolder(parent, {
      "aclImdb/train/pos/10_9.txt": "ten",
      "aclImdb/train/pos/2_8.txt": "two",
      "aclImdb/train/neg/1_1.txt": "one",
      "aclImdb/test/pos/0_10.txt": "zero",
      "aclImdb/test/neg/5_2.txt": "five",
      "aclImdb/train/unsup/9_0.txt": "unlabeled",
      "aclImdb/train/pos/.DS_Store": "junk",
    });
    const fromParent = await collect(readImdb(parent));
    expect(fromParent.map((r) => [r.split, r.label, r.id, r.rating, r.text])).toEqual([
      ["train", 0, 1, 1, "one"],
      ["train", 1, 2, 8, "two"],
      ["train", 1, 10, 9, "ten"],
      ["test", 0, 5, 2, "five"],
      ["test", 1, 0, 10, "zero"],
    ]);
    const fromRoot = await collect(readImdb(join(parent, "aclImdb"), { includeUnsup: true, splits: ["train"] }));
    expect(fromRoot.map((r) => r.text)).toEqual(["one", "two", "ten", "unlabeled"]);
  });

  it("names the file for invalid UTF-8, empty reviews, bad names and a wrong folder", async () => {
    const bad = join(dir, "folder-bad");
    await makeFolder(bad, { "train/pos/1_8.txt": Uint8Array.of(0xff), "train/neg/1_1.txt": "x", "test/pos/1_9.txt": "x", "test/neg/1_1.txt": "x" });
    const e1 = await failure(readImdb(bad));
    expect(e1.code).toBe("INVALID_UTF8");
    expect(e1.file).toBe(join(bad, "train/pos/1_8.txt"));

    const empty = join(dir, "folder-empty");
    await makeFolder(empty, { "train/neg/1_1.txt": "", "train/pos/1_8.txt": "x" });
    expect((await failure(readImdb(empty, { splits: ["train"] }))).code).toBe("EMPTY_TEXT");

    const named = join(dir, "folder-named");
    await makeFolder(named, { "train/neg/review.txt": "x", "train/pos/1_8.txt": "x" });
    expect((await failure(readImdb(named, { splits: ["train"] }))).code).toBe("MALFORMED_FILE");

    const missing = join(dir, "folder-missing");
    await makeFolder(missing, { "train/neg/1_1.txt": "x" });
    const e4 = await failure(readImdb(missing, { splits: ["train"] }));
    expect(e4.code).toBe("FILE_NOT_FOUND");
    expect(e4.file).toBe(join(missing, "train", "pos"));

    const wrong = join(dir, "folder-wrong");
    await makeFolder(wrong, { "something.txt": "x" });
    expect((await failure(readImdb(wrong))).code).toBe("INVALID_ARGUMENT");
  });
});
