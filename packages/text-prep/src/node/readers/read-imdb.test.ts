import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeArchive, makeTar, type FixtureEntry } from "../../__fixtures__/make-archive";
import { hasSpecialFiles, makeFifo, makeSocket, withEntrySize } from "../../__fixtures__/special-files";
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

  it("MALFORMED_FILE for a badly named review, a rating outside its folder's range, a link entry, or an id twice", async () => {
    const cases: [FixtureEntry[], string][] = [
      [[{ name: "aclImdb/train/pos/notes.txt", data: "x" }], "expected review files named <id>_<rating>.txt"],
      [[{ name: "aclImdb/train/pos/3_2.txt", data: "x" }], "expected a rating of 7..10 in train/pos/, got 2"],
      [[{ name: "aclImdb/train/pos/3_8.txt", type: "symlink" }], "is a symlink entry"],
      [[{ name: "aclImdb/train/pos/123456789012345678901_8.txt", data: "x" }], "expected a review id of at most 9007199254740991"],
      [
        [
          { name: "aclImdb/train/pos/3_8.txt", data: "a" },
          { name: "aclImdb/train/pos/3_8.txt", data: "b" },
        ],
        'expected each review id once in train/pos/, got id 3 twice ("aclImdb/train/pos/3_8.txt" and "aclImdb/train/pos/3_8.txt")',
      ],
      [
        [
          { name: "aclImdb/test/neg/3_1.txt", data: "a" },
          { name: "aclImdb/test/neg/3_2.txt", data: "b" },
        ],
        "got id 3 twice",
      ],
    ];
    for (const [entries, message] of cases) {
      const file = join(dir, "malformed.tar.gz");
      await writeArchive(file, entries);
      const e = await failure(readImdb(file));
      expect(e.code).toBe("MALFORMED_FILE");
      expect(e.message).toContain(message);
    }
  });

  it("EMPTY_DATASET for an archive without reviews, or none for the splits asked for", async () => {
    const cases: [FixtureEntry[], object, string][] = [
      [[{ name: "aclImdb/README", data: "x" }], {}, "found none for splits train, test"],
      [[], {}, "found none for splits train, test"], // only the two end-of-archive blocks
      [[{ name: "aclImdb/test/pos/1_8.txt", data: "x" }], { splits: ["train"] }, "found none for split train"],
      [[{ name: "aclImdb/train/unsup/1_0.txt", data: "x" }], {}, "found none"],
    ];
    for (const [entries, options, message] of cases) {
      const file = join(dir, "none.tar");
      await writeArchive(file, entries, false);
      const e = await failure(readImdb(file, options));
      expect(e.code).toBe("EMPTY_DATASET");
      expect(e.file).toBe(file);
      expect(e.message).toContain(message);
    }
  });

  it("reads past empty entries that are not reviews, and reads a 32 MB single-line review whole", async () => {
    const file = join(dir, "big.tar");
    const big = "word ".repeat(32 * 2 ** 20 / 5);
    await writeArchive(file, [{ name: "aclImdb/README", data: "" }, { name: "aclImdb/train/pos/1_8.txt", data: big }], false);
    const reviews = await collect(readImdb(file));
    expect(reviews.length).toBe(1);
    expect(reviews[0]?.text.length).toBe(big.length);
    expect(reviews[0]?.text === big).toBe(true);
  });

  it("FILE_TOO_LARGE for an entry whose header claims more text than a string holds, before reading it", async () => {
    // 2 GiB claimed, 10 bytes there: refused from the header, not after buffering (a gzip bomb would not fit).
    const tar = withEntrySize(await makeTar([{ name: "aclImdb/train/pos/1_8.txt", data: "small text" }]), 2 ** 31);
    const file = join(dir, "claims-2GiB.tar.gz");
    await writeFile(file, gzipSync(tar));
    const e = await failure(readImdb(file));
    expect(e.code).toBe("FILE_TOO_LARGE");
    expect(e.message).toBe(
      `${file}: archive entry "aclImdb/train/pos/1_8.txt" is 2.00 GiB (2147483648 bytes), expected at most 1.50 GiB (1610612664 bytes) (more UTF-8 cannot fit in one JavaScript string)`,
    );
  });

  it.runIf(hasSpecialFiles)("INVALID_ARGUMENT for a FIFO or a device as the archive, without blocking on it", async () => {
    const fifo = join(dir, "pipe.tar.gz");
    makeFifo(fifo);
    const e = await failure(readImdb(fifo));
    expect(e.code).toBe("INVALID_ARGUMENT");
    expect(e.message).toBe(`${fifo}: expected a regular file, got a FIFO (named pipe)`);
    const zero = await failure(readImdb("/dev/zero"));
    expect(zero.message).toBe("/dev/zero: expected a regular file, got a character device");
  }, 10_000);

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

  const labeled = {
    "aclImdb/train/pos/1_8.txt": "good",
    "aclImdb/train/neg/2_1.txt": "bad",
    "aclImdb/test/pos/3_9.txt": "fine",
    "aclImdb/test/neg/4_2.txt": "meh",
  };

  it("UNSAFE_PATH for a link that leaves the dataset: a review file, a label folder, a split folder", async () => {
    const outside = join(dir, "outside");
    await makeFolder(outside, { "secret.txt": "not a review", "pos/9_9.txt": "elsewhere" });

    const file = join(dir, "link-file");
    await makeFolder(file, labeled);
    const link = join(file, "aclImdb/train/pos/5_9.txt");
    await symlink(join(outside, "secret.txt"), link);
    const e1 = await failure(readImdb(file));
    expect(e1.code).toBe("UNSAFE_PATH");
    expect(e1.file).toBe(link);
    expect(e1.message).toContain(`${link}: a symbolic link to "${join(outside, "secret.txt")}"`);
    expect(e1.message).toContain("outside the dataset folder");

    const folder = join(dir, "link-folder");
    await makeFolder(folder, labeled);
    await rm(join(folder, "aclImdb/test/pos"), { recursive: true });
    await symlink(join(outside, "pos"), join(folder, "aclImdb/test/pos"));
    const e2 = await failure(readImdb(folder));
    expect(e2.code).toBe("UNSAFE_PATH");
    expect(e2.file).toBe(join(folder, "aclImdb/test/pos"));

    const split = join(dir, "link-split");
    await makeFolder(split, { "aclImdb/test/pos/3_9.txt": "fine", "aclImdb/test/neg/4_2.txt": "meh" });
    await makeFolder(outside, { "train/pos/1_8.txt": "x", "train/neg/2_1.txt": "y" });
    await symlink(join(outside, "train"), join(split, "aclImdb/train"));
    expect((await failure(readImdb(split))).code).toBe("UNSAFE_PATH");
    // The split that was asked for is read; the other is not even looked at.
    expect((await collect(readImdb(split, { splits: ["test"] }))).map((r) => r.text)).toEqual(["meh", "fine"]);
  });

  it("follows links that stay inside the dataset, and a link on the way to the dataset folder itself", async () => {
    const root = join(dir, "link-inside");
    await makeFolder(root, labeled);
    await symlink("../neg/2_1.txt", join(root, "aclImdb/train/pos/7_7.txt"));
    expect((await collect(readImdb(root))).map((r) => [r.path.slice(root.length + 1), r.text])).toEqual([
      ["aclImdb/train/neg/2_1.txt", "bad"],
      ["aclImdb/train/pos/1_8.txt", "good"],
      ["aclImdb/train/pos/7_7.txt", "bad"],
      ["aclImdb/test/neg/4_2.txt", "meh"],
      ["aclImdb/test/pos/3_9.txt", "fine"],
    ]);
    const parent = join(dir, "link-parent");
    await mkdir(parent);
    await symlink(join(root, "aclImdb"), join(parent, "aclImdb")); // data/aclImdb -> /somewhere/aclImdb
    expect((await collect(readImdb(parent))).length).toBe(5);
  });

  it("FILE_NOT_FOUND for a link that leads nowhere, even while later files are read ahead", async () => {
    const root = join(dir, "link-dangling");
    const files: Record<string, string> = { "train/neg/1_1.txt": "x", "test/pos/1_8.txt": "x", "test/neg/1_1.txt": "x" };
    for (let i = 0; i < 20; i++) files[`train/pos/${i}_8.txt`] = `review ${i}`;
    await makeFolder(root, files);
    // id 19 is read ahead (16 files ahead) while id 0 is awaited: its failure must wait its turn, not crash the process.
    await symlink("nowhere.txt", join(root, "train/pos/19_9.txt"));
    await rm(join(root, "train/pos/19_8.txt"));
    const seen: string[] = [];
    let error: unknown;
    try {
      for await (const review of readImdb(root, { splits: ["train"] })) seen.push(review.text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TextPrepError);
    expect(error).toMatchObject({ code: "FILE_NOT_FOUND", file: join(root, "train/pos/19_9.txt") });
    expect((error as Error).message).toContain('a symbolic link to "nowhere.txt", which does not exist');
    expect(seen.length).toBe(1 + 19); // train/neg, then pos 0..18 in order
  });

  it.runIf(hasSpecialFiles)("INVALID_ARGUMENT for a FIFO, a socket, a link to a FIFO or a folder among the reviews, without opening them", async () => {
    const cases: [string, (path: string) => Promise<(() => Promise<void>) | void>, string][] = [
      ["fifo", async (path) => makeFifo(path), "a FIFO (named pipe)"],
      ["socket", (path) => makeSocket(path), "a socket"],
      [
        "link-to-fifo",
        async (path) => {
          makeFifo(join(path, "../.pipe"));
          await symlink(".pipe", path);
        },
        "a symbolic link to a FIFO (named pipe)",
      ],
      ["folder", async (path) => mkdir(path).then(() => undefined), "a folder"],
    ];
    for (const [name, make, kind] of cases) {
      const root = join(dir, `special-${name}`);
      await makeFolder(root, labeled);
      const path = join(root, "aclImdb/train/pos/7_7.txt");
      const close = await make(path);
      try {
        const e = await failure(readImdb(root));
        expect(e.code).toBe("INVALID_ARGUMENT");
        expect(e.file).toBe(path);
        expect(e.message).toContain(`${path}: expected a regular file, got ${kind}`);
      } finally {
        await close?.();
      }
    }
    // A hidden FIFO is passed over without being opened.
    const hidden = join(dir, "special-hidden");
    await makeFolder(hidden, labeled);
    makeFifo(join(hidden, "aclImdb/train/pos/.pipe"));
    expect((await collect(readImdb(hidden))).length).toBe(4);
  }, 20_000);

  it("INVALID_ARGUMENT for a file where a split folder should be; EMPTY_DATASET for empty folders; MALFORMED_FILE for an id twice", async () => {
    const file = join(dir, "split-file");
    await makeFolder(file, { train: "not a folder", "test/pos/1_8.txt": "x", "test/neg/1_1.txt": "x" });
    const e1 = await failure(readImdb(file));
    expect(e1.code).toBe("INVALID_ARGUMENT");
    expect(e1.message).toBe(`${join(file, "train")}: expected a folder, got a file`);

    const empty = join(dir, "empty-folders");
    for (const folder of ["train/pos", "train/neg", "test/pos", "test/neg"]) await mkdir(join(empty, folder), { recursive: true });
    const e2 = await failure(readImdb(empty));
    expect(e2.code).toBe("EMPTY_DATASET");
    expect(e2.message).toBe(`${empty}: expected IMDb reviews (files like train/pos/<id>_<rating>.txt), found none for splits train, test`);

    const twice = join(dir, "id-twice");
    await makeFolder(twice, { ...labeled, "aclImdb/train/pos/1_9.txt": "again" });
    const e3 = await failure(readImdb(twice));
    expect(e3.code).toBe("MALFORMED_FILE");
    expect(e3.message).toContain("expected each review id once in train/pos/, got id 1 twice");
  });

  it.runIf(hasSpecialFiles)("INVALID_ARGUMENT for a FIFO given as the source", async () => {
    const fifo = join(dir, "source-pipe");
    makeFifo(fifo);
    expect(await failure(readImdb(fifo))).toMatchObject({ code: "INVALID_ARGUMENT", file: fifo });
  }, 10_000);
});
