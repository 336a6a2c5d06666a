import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasSpecialFiles, makeFifo } from "../../__fixtures__/special-files";
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
      { text: "Great, really great.<br />Yes", label: 1, row: 1, line: 2 },
      { text: 'He said "no"\nthen left', label: 0, row: 2, line: 3 },
      { text: "plain", label: 1, row: 3, line: 5 },
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

  it("MALFORMED_FILE naming the row and the line it starts on: a bad label, too few or too many fields, broken quoting, a column twice", async () => {
    const cases: [string, string][] = [
      ["review,sentiment\ngood,maybe\n", 'expected "sentiment" to be 1/0, positive/negative or pos/neg, got "maybe" in row 1 (line 2)'],
      ["review,sentiment\ngood,constructor\n", 'expected "sentiment" to be 1/0, positive/negative or pos/neg, got "constructor" in row 1 (line 2)'],
      ["review,sentiment\ngood,__proto__\n", 'expected "sentiment" to be 1/0, positive/negative or pos/neg, got "__proto__" in row 1 (line 2)'],
      ["review,sentiment\ngood,\n", 'expected "sentiment" to be 1/0, positive/negative or pos/neg, got "" in row 1 (line 2)'],
      ['review,sentiment\n"a\nb\nc",1\n"d",2\n', 'expected "sentiment" to be 1/0, positive/negative or pos/neg, got "2" in row 2 (line 5)'], // quoted line breaks: row 2 starts on line 5
      ['review,sentiment\r\n"a\r\nb",1\r\n\r\nx,0\r\ny,7\r\n', 'expected "sentiment" to be 1/0, positive/negative or pos/neg, got "7" in row 3 (line 6)'], // CRLF, one empty line
      ["review,sentiment\ngood,1\nbad\n", "expected 2 fields in every row, as in the header, got 1 in row 2 (line 3)"],
      ["review,sentiment\ngood,1\n\nbad,0,extra\n", "expected 2 fields in every row, as in the header, got 3 in row 2 (line 4)"],
      ["review,sentiment\nx,1\n   \ny,0\n", "expected 2 fields in every row, as in the header, got 1 in row 2 (line 3)"], // a line of spaces is not an empty line
      ['review,sentiment\nx,1\n"unterminated,1\n', "expected a closing quote for the quoted field of row 2 (line 3), got the end of the file"],
      ['review,sentiment\ngood "film",1\n', "expected valid CSV, got Invalid Opening Quote: a quote is found on field 0, value is \"good \" in row 1 (line 2)"],
      ["review,review,sentiment\na,b,1\n", 'expected the column "review" once in the header, got it 2 times in ["review","review","sentiment"]'],
    ];
    for (const [content, message] of cases) {
      const file = join(dir, "bad.csv");
      await writeFile(file, content);
      const e = await failure(file);
      expect(e.code).toBe("MALFORMED_FILE");
      expect(e.file).toBe(file);
      expect(e.message).toBe(`${file}: ${message}`);
    }
  });

  it("EMPTY_DATASET for a header and no rows (BOM, CRLF, no final newline or empty lines after it), MISSING_COLUMNS for no header", async () => {
    for (const content of ["review,sentiment\n", "review,sentiment", "\ufeffreview,sentiment\r\n", "review,sentiment\n\n\r\n"]) {
      const file = join(dir, "header-only.csv");
      await writeFile(file, content);
      const e = await failure(file);
      expect(e.code).toBe("EMPTY_DATASET");
      expect(e.message).toBe(`${file}: expected rows of reviews after the header ["review","sentiment"], got none (the file has a header only)`);
    }
    for (const content of ["", "\ufeff", "\n\n\r\n"]) {
      const file = join(dir, "no-header.csv");
      await writeFile(file, content);
      const e = await failure(file);
      expect(e.code).toBe("MISSING_COLUMNS");
      expect(e.message).toBe(`${file}: expected a header with columns "review" and "sentiment", got an empty file`);
    }
  });

  it("reads LF, CRLF, CR and mixed line endings alike, keeps quoted line breaks as they are, and NUL characters", async () => {
    const cases: [string, [string, number, number][]][] = [
      ["review,sentiment\nx,1\ny,0\n", [["x", 1, 2], ["y", 0, 3]]],
      ['review,sentiment\r\n"a\r\nb",1\r\nx,0\r\n', [["a\r\nb", 1, 2], ["x", 0, 4]]],
      ['review,sentiment\r"a\rb",1\rx,0', [["a\rb", 1, 2], ["x", 0, 4]]],
      ["review,sentiment\nx,1\r\ny,0\rz,1\n", [["x", 1, 2], ["y", 0, 3], ["z", 1, 4]]],
      ["review,sentiment\nx\u0000y, 1 \n", [["x\u0000y", 1, 2]]],
    ];
    for (const [content, rows] of cases) {
      const file = join(dir, "endings.csv");
      await writeFile(file, content);
      expect((await collect(file)).map((r) => [r.text, r.label, r.line])).toEqual(rows);
    }
  });

  it("rejects bad options at once: the same column twice, a non-string", () => {
    expect(() => readImdbCsv("x.csv", { textColumn: "sentiment" })).toThrow(
      new TypeError('expected textColumn and labelColumn to be two different columns, got "sentiment" for both'),
    );
    expect(() => readImdbCsv("x.csv", { labelColumn: 3 as never })).toThrow(new TypeError("expected labelColumn to be a non-empty string, got 3"));
  });

  it.runIf(hasSpecialFiles)("INVALID_ARGUMENT for a FIFO or a device, without blocking on it", async () => {
    const fifo = join(dir, "pipe.csv");
    makeFifo(fifo);
    const e = await failure(fifo);
    expect(e.code).toBe("INVALID_ARGUMENT");
    expect(e.message).toBe(`${fifo}: expected a regular file, got a FIFO (named pipe)`);
    expect((await failure("/dev/zero")).message).toBe("/dev/zero: expected a regular file, got a character device");
  }, 10_000);

  it("FILE_NOT_FOUND for a missing file", async () => {
    expect((await failure(join(dir, "missing.csv"))).code).toBe("FILE_NOT_FOUND");
  });
});
