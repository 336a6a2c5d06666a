import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TextPrepError } from "../../index";
import { readImdbCsv, type ImdbCsvRow } from "../index";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "text-prep-csv-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function collect(file: string, options = {}): Promise<ImdbCsvRow[]> {
  const rows: ImdbCsvRow[] = [];
  for await (const row of readImdbCsv(file, options)) rows.push(row);
  return rows;
}

async function failure(file: string, options = {}): Promise<TextPrepError> {
  try {
    await collect(file, options);
  } catch (error) {
    expect(error).toBeInstanceOf(TextPrepError);
    return error as TextPrepError;
  }
  throw new Error("expected the iteration to fail");
}

describe("readImdbCsv", () => {
  it("reads the chapter's review,sentiment CSV with quoting, commas, newlines and a BOM", async () => {
    const file = join(dir, "movie_data.csv");
    await writeFile(file, '\ufeffreview,sentiment\n"Great, really great.<br />Yes",1\n"He said ""no""\nthen left",0\nplain,1\n');
    expect(await collect(file)).toEqual([
      { text: "Great, really great.<br />Yes", label: 1, row: 1 },
      { text: 'He said "no"\nthen left', label: 0, row: 2 },
      { text: "plain", label: 1, row: 3 },
    ]);
  });

  it("accepts other column names, column orders and word labels", async () => {
    const file = join(dir, "other.csv");
    await writeFile(file, "label,extra,text\npositive,a,good\nNEG,b,bad\n");
    expect((await collect(file, { textColumn: "text", labelColumn: "label" })).map((r) => [r.text, r.label])).toEqual([
      ["good", 1],
      ["bad", 0],
    ]);
  });

  it("decodes UTF-8 split across read chunks", async () => {
    const file = join(dir, "big.csv");
    const line = "héllo wörld 😀 café,1\n";
    await writeFile(file, `review,sentiment\n${line.repeat(60_000)}`); // > 1 MiB: several chunks
    const rows = await collect(file);
    expect(rows.length).toBe(60_000);
    expect(rows.every((r) => r.text === "héllo wörld 😀 café")).toBe(true);
  });

  it("MISSING_COLUMNS naming the header and the missing column; also for an empty file", async () => {
    const file = join(dir, "cols.csv");
    await writeFile(file, "text,label\nx,1\n");
    const e = await failure(file);
    expect(e.code).toBe("MISSING_COLUMNS");
    expect(e.message).toBe(`${file}: expected columns "review" and "sentiment", got header ["text","label"] (missing "review", "sentiment")`);
    const empty = join(dir, "empty.csv");
    await writeFile(empty, "");
    expect((await failure(empty)).code).toBe("MISSING_COLUMNS");
  });

  it("INVALID_UTF8 with the byte offset, even after the first chunk", async () => {
    const file = join(dir, "latin1.csv");
    const head = Buffer.from(`review,sentiment\n${"ok,1\n".repeat(300_000)}`);
    await writeFile(file, Buffer.concat([head, Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x2c, 0x31, 0x0a])]));
    const e = await failure(file);
    expect(e.code).toBe("INVALID_UTF8");
    expect(e.message).toContain(`at byte ${head.length + 3}`);
  });

  it("INVALID_UTF8 offsets are right when the previous chunk ends in multi-byte characters", async () => {
    const file = join(dir, "euro.csv");
    const head = Buffer.from(`review,sentiment\n${"€".repeat(400_000)},1\n`); // 3-byte characters across every chunk boundary
    await writeFile(file, Buffer.concat([head, Buffer.from([0xc3, 0x28])]));
    const e = await failure(file);
    expect(e.code).toBe("INVALID_UTF8");
    expect(e.message).toContain(`at byte ${head.length}`);
  });

  it("EMPTY_TEXT for an empty review, naming the row", async () => {
    const file = join(dir, "blank.csv");
    await writeFile(file, 'review,sentiment\ngood,1\n"  ",0\n');
    const e = await failure(file);
    expect(e.code).toBe("EMPTY_TEXT");
    expect(e.message).toContain("row 2");
  });

  it("MALFORMED_FILE for a bad label, a short record or broken quoting", async () => {
    const cases: [string, string][] = [
      ["review,sentiment\ngood,maybe\n", 'got "maybe" in row 1'],
      ["review,sentiment\ngood\n", "expected valid CSV"],
      ['review,sentiment\n"unterminated,1\n', "expected valid CSV"],
    ];
    for (const [content, message] of cases) {
      const file = join(dir, "bad.csv");
      await writeFile(file, content);
      const e = await failure(file);
      expect(e.code).toBe("MALFORMED_FILE");
      expect(e.message).toContain(message);
    }
  });

  it("FILE_NOT_FOUND for a missing file", async () => {
    expect((await failure(join(dir, "missing.csv"))).code).toBe("FILE_NOT_FOUND");
  });
});
