import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTar, type FixtureEntry } from "../../__fixtures__/make-archive";
import { TextPrepError } from "../../index";
import { readImdb, readImdbCsv, type ImdbCsvRow, type ImdbReview } from "../index";

// Arbitrary bytes in, the rows / reviews or a TextPrepError naming the file out: never another exception,
// never a hang (each case races a timer). The whole file runs in a few seconds.

const CASE_TIMEOUT_MS = 5_000;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "text-prep-fuzz-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `read()`'s result, or the TextPrepError it threw (naming `file`); anything else, or no answer in time, fails. */
async function outcome<T>(file: string, read: () => Promise<T>): Promise<T | TextPrepError> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${file}: no result after ${CASE_TIMEOUT_MS} ms (a hang)`)), CASE_TIMEOUT_MS);
  });
  try {
    const result = await Promise.race([read(), hang]);
    results++;
    return result;
  } catch (error) {
    if (!(error instanceof TextPrepError)) throw error;
    expect(error.file).toBe(file);
    expect(error.message.startsWith(`${file}: `)).toBe(true);
    return error;
  } finally {
    clearTimeout(timer);
  }
}

/** How many cases of the property being run gave a result rather than an error (so a property is not all errors). */
let results = 0;

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** Rows as readImdbCsv promises them: labels 0/1, non-blank texts, rows 1, 2, ..., lines increasing from 2. */
function checkRows(rows: ImdbCsvRow[]): void {
  expect(rows.length).toBeGreaterThan(0);
  rows.forEach((r, i) => {
    expect(r.label === 0 || r.label === 1).toBe(true);
    expect(/\S/.test(r.text)).toBe(true);
    expect(r.row).toBe(i + 1);
    expect(r.line).toBeGreaterThan(i === 0 ? 1 : (rows[i - 1] as ImdbCsvRow).line);
  });
}

/** Reviews as readImdb promises them. */
function checkReviews(reviews: ImdbReview[]): void {
  expect(reviews.length).toBeGreaterThan(0);
  for (const r of reviews) {
    expect(r.label === 0 || r.label === 1).toBe(true);
    expect(r.split === "train" || r.split === "test").toBe(true);
    expect(Number.isSafeInteger(r.id) && r.rating >= 1 && r.rating <= 10).toBe(true);
    expect(/\S/.test(r.text)).toBe(true);
  }
}

const encoder = new TextEncoder();
const junk = fc.oneof(
  fc.constantFrom(",", '"', "\n", "\r", "\r\n", " ", "\ufeff"),
  fc.string({ maxLength: 3 }),
  fc.constantFrom(Uint8Array.of(0xff), Uint8Array.of(0xc3), Uint8Array.of(0xe2, 0x82), Uint8Array.of(0xed, 0xa0, 0x80)),
);
/** A review field: plain, quoted (any text, quotes doubled), or junk that may break the quoting. */
const field = fc.oneof(
  { arbitrary: fc.stringMatching(/^[a-z][a-z .!]{0,12}$/), weight: 6 },
  { arbitrary: fc.string({ unit: "grapheme", maxLength: 12 }).map((t) => `"${t.replaceAll('"', '""')}"`), weight: 3 },
  { arbitrary: junk, weight: 1 },
);
const label = fc.oneof({ arbitrary: fc.constantFrom("1", "0", "pos", "neg", "Positive", " 1 "), weight: 9 }, { arbitrary: junk, weight: 1 });
const lineEnd = fc.oneof({ arbitrary: fc.constantFrom("\n", "\r\n", "\r", "\n\n"), weight: 9 }, { arbitrary: fc.constantFrom("", " "), weight: 1 });
/** CSV-ish bytes: a header (or none), then rows that are mostly well formed, so that the parser gets far. */
const csvish = fc
  .tuple(
    fc.constantFrom("review,sentiment\n", "\ufeffreview,sentiment\r\n", "sentiment,review\n", ""),
    fc.array(fc.tuple(field, fc.oneof({ arbitrary: fc.constant(","), weight: 19 }, { arbitrary: fc.constant(";"), weight: 1 }), label, lineEnd), {
      maxLength: 6,
    }),
  )
  .map(([head, rows]) =>
    Buffer.concat([encoder.encode(head), ...rows.flat().map((p) => (typeof p === "string" ? encoder.encode(p) : p))]),
  );

describe("fuzz: readImdbCsv", () => {
  it("arbitrary bytes, and CSV-ish bytes, give rows or a TextPrepError", async () => {
    const file = join(dir, "fuzz.csv");
    results = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 300 }), csvish), async (bytes) => {
        await writeFile(file, bytes);
        const result = await outcome(file, () => all(readImdbCsv(file)));
        if (!(result instanceof TextPrepError)) checkRows(result);
      }),
      { numRuns: 500 },
    );
    expect(results).toBeGreaterThan(0); // some cases got through to rows
  });

  it("well-formed CSVs (quoted texts with any characters and line breaks, every line ending, empty lines) are read exactly", async () => {
    const labelValues: Record<string, 0 | 1> = { "1": 1, "0": 0, pos: 1, neg: 0, Positive: 1, " 1 ": 1 };
    const row = fc.record({
      text: fc.oneof(
        fc.stringMatching(/^[a-z][a-z .!]{0,12}$/).map((t) => ({ text: t, written: t })),
        fc
          .string({ unit: "grapheme", minLength: 1, maxLength: 16 })
          .filter((t) => /\S/.test(t))
          .map((t) => ({ text: t, written: `"${t.replaceAll('"', '""')}"` })),
      ),
      label: fc.constantFrom(...Object.keys(labelValues)),
      end: fc.constantFrom("\n", "\r\n", "\r"),
      blank: fc.boolean(),
    });
    const file = join(dir, "well-formed.csv");
    results = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 8 }), async (rows) => {
        let content = "review,sentiment\n";
        let line = 2;
        const expected: ImdbCsvRow[] = [];
        rows.forEach(({ text, label, end, blank }, i) => {
          content += `${text.written},${label}${end}${blank ? end : ""}`;
          expected.push({ text: text.text, label: labelValues[label] as 0 | 1, row: i + 1, line });
          line += (text.text.match(/\r\n|\r|\n/g)?.length ?? 0) + 1 + (blank ? 1 : 0);
        });
        await writeFile(file, content);
        expect(await outcome(file, () => all(readImdbCsv(file)))).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it("a valid CSV with a piece inserted anywhere gives rows or a TextPrepError", async () => {
    const valid = Buffer.from('review,sentiment\n"Great, ""really"".\nYes",1\nDull film,0\r\nfine,pos\n');
    const file = join(dir, "mutated.csv");
    results = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: valid.length }),
        fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 4 }), fc.constantFrom('"', ",", "\n", "\r", ",1", "\n\n").map((s) => Buffer.from(s))),
        async (at, piece) => {
          await writeFile(file, Buffer.concat([valid.subarray(0, at), piece, valid.subarray(at)]));
          const result = await outcome(file, () => all(readImdbCsv(file)));
          if (!(result instanceof TextPrepError)) checkRows(result);
        },
      ),
      { numRuns: 400 },
    );
    expect(results).toBeGreaterThan(0);
  });
});

// A small archive in the official layout: three reviews, a file that is not one, an empty entry, a folder.
const entries: FixtureEntry[] = [
  { name: "aclImdb/", type: "directory" },
  { name: "aclImdb/README", data: "Large Movie Review Dataset" },
  { name: "aclImdb/train/pos/10_9.txt", data: "Great film.<br />Loved it." },
  { name: "aclImdb/train/neg/3_1.txt", data: "Dreadful, café-level acting." },
  { name: "aclImdb/imdb.vocab", data: "" },
  { name: "aclImdb/test/pos/5_7.txt", data: "Fine 😀" },
];

describe("fuzz: readImdb on archives", () => {
  let tar: Buffer;
  let gz: Buffer;
  let expected: ImdbReview[];
  beforeAll(async () => {
    tar = await makeTar(entries);
    gz = gzipSync(tar);
    const file = join(dir, "valid.tar");
    await writeFile(file, tar);
    expected = await all(readImdb(file));
    expect(expected.length).toBe(3);
    expect(tar.subarray(-1024).every((b) => b === 0)).toBe(true); // ends in the two end-of-archive blocks
  });

  it("arbitrary bytes as a .tar, a .tar.gz and gzipped in a .tar.gz give reviews or a TextPrepError", async () => {
    results = 0;
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), fc.constantFrom("raw.tar", "raw.tar.gz", "gzipped.tar.gz"), async (bytes, name) => {
        const file = join(dir, name);
        await writeFile(file, name === "gzipped.tar.gz" ? gzipSync(bytes) : bytes);
        const result = await outcome(file, () => all(readImdb(file)));
        if (!(result instanceof TextPrepError)) checkReviews(result);
      }),
      { numRuns: 500 },
    );
  });

  it("a tar cut at any offset is refused, unless the cut keeps one whole end-of-archive block", async () => {
    const file = join(dir, "cut.tar");
    results = 0;
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: tar.length - 1 }), async (cut) => {
        await writeFile(file, tar.subarray(0, cut));
        const result = await outcome(file, () => all(readImdb(file)));
        if (cut % 512 === 0 && cut >= tar.length - 512) expect(result).toEqual(expected);
        else expect(result).toBeInstanceOf(TextPrepError);
      }),
      { numRuns: 400, examples: [[0], [511], [512], [tar.length - 1024], [tar.length - 512], [tar.length - 1]] },
    );
    expect(results).toBeGreaterThan(0); // the cuts that keep an end block
  });

  it("a .tar.gz cut at any offset is always refused", async () => {
    const file = join(dir, "cut.tar.gz");
    results = 0;
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: gz.length - 1 }), async (cut) => {
        await writeFile(file, gz.subarray(0, cut));
        expect(await outcome(file, () => all(readImdb(file)))).toBeInstanceOf(TextPrepError);
      }),
      { numRuns: 400, examples: [[0], [1], [2], [10], [gz.length - 8], [gz.length - 1]] },
    );
    expect(results).toBe(0);
  });

  it("a byte flipped in a .tar gives a TextPrepError, or the same reviews with at most one text changed", async () => {
    const file = join(dir, "flipped.tar");
    results = 0;
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: tar.length - 1 }), fc.integer({ min: 1, max: 255 }), async (at, mask) => {
        const bytes = Buffer.from(tar);
        bytes[at] = (bytes[at] as number) ^ mask;
        await writeFile(file, bytes);
        const result = await outcome(file, () => all(readImdb(file)));
        if (result instanceof TextPrepError) return;
        expect(result.map(({ text: _, ...rest }) => rest)).toEqual(expected.map(({ text: _, ...rest }) => rest));
        expect(result.filter((r, i) => r.text !== expected[i]?.text).length).toBeLessThanOrEqual(1);
      }),
      { numRuns: 500 },
    );
    expect(results).toBeGreaterThan(0); // flips in padding or text
  });

  it("a byte flipped in a .tar.gz gives a TextPrepError or exactly the same reviews (gzip's CRC-32 guards the rest)", async () => {
    const file = join(dir, "flipped.tar.gz");
    results = 0;
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: gz.length - 1 }), fc.integer({ min: 1, max: 255 }), async (at, mask) => {
        const bytes = Buffer.from(gz);
        bytes[at] = (bytes[at] as number) ^ mask;
        await writeFile(file, bytes);
        const result = await outcome(file, () => all(readImdb(file)));
        if (!(result instanceof TextPrepError)) expect(result).toEqual(expected); // e.g. a flip in the header's MTIME
      }),
      { numRuns: 500 },
    );
    expect(results).toBeGreaterThan(0); // flips in the gzip header's MTIME, XFL, OS
  });
});
