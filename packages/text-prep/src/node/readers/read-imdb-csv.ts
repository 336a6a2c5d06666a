import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { parse } from "csv-parse";
import { describe } from "../../check-args";
import { firstInvalidUtf8Offset, fsError } from "./io-errors";
import { TextPrepError } from "../../text-prep-error";

/** One row of the chapter's IMDb CSV. */
export interface ImdbCsvRow {
  /** The review text. */
  text: string;
  /** 1 = positive, 0 = negative. */
  label: 0 | 1;
  /** 1-based record number, the header not counted. */
  row: number;
}

/** Options of {@link readImdbCsv}. */
export interface ReadImdbCsvOptions {
  /**
   * Column holding the review text.
   * @default "review"
   */
  textColumn?: string;
  /**
   * Column holding the label: `1`/`0`, `positive`/`negative` or `pos`/`neg` (any case).
   * @default "sentiment"
   */
  labelColumn?: string;
}

const LABELS: Record<string, 0 | 1> = { "1": 1, "0": 0, positive: 1, negative: 0, pos: 1, neg: 0 };

/**
 * Reads the chapter's IMDb CSV (`review,sentiment` columns, as written by
 * its `movie_data.csv` step) through `csv-parse`, streamed. The file must be
 * UTF-8 (checked strictly); a byte-order mark is accepted.
 *
 * @param file - Path to the CSV file.
 * @param options - Column names.
 * @returns An async iterable of `{ text, label, row }`.
 * @throws {TextPrepError} While iterating: `FILE_NOT_FOUND`, `MISSING_COLUMNS` (header lacks a column, or no header),
 *   `INVALID_UTF8`, `EMPTY_TEXT` (an empty review, naming the row), `MALFORMED_FILE` (bad label, wrong number of fields, broken quoting).
 * @throws {TypeError} On bad options (thrown at once).
 *
 * @example
 * for await (const { text, label } of readImdbCsv("movie_data.csv")) { ... }
 */
export function readImdbCsv(file: string, options: ReadImdbCsvOptions = {}): AsyncIterable<ImdbCsvRow> {
  if (typeof file !== "string" || file.length === 0) throw new TypeError(`expected file to be a path, got ${describe(file)}`);
  if (options === null || typeof options !== "object") throw new TypeError(`expected options to be an object, got ${describe(options)}`);
  const textColumn = options.textColumn ?? "review";
  const labelColumn = options.labelColumn ?? "sentiment";
  for (const [name, value] of [["textColumn", textColumn], ["labelColumn", labelColumn]] as const) {
    if (typeof value !== "string" || value.length === 0) throw new TypeError(`expected ${name} to be a non-empty string, got ${describe(value)}`);
  }
  return (async function* () {
    try {
      if ((await stat(file)).isDirectory()) throw Object.assign(new Error("is a directory"), { code: "EISDIR" });
    } catch (error) {
      throw fsError(file, error);
    }
    const decoder = new TextDecoder("utf-8", { fatal: true });
    let offset = 0;
    let carry: Uint8Array = new Uint8Array(0);
    // Decode strictly ourselves (csv-parse would decode leniently), then parse.
    const decode = async function* (): AsyncGenerator<string> {
      const input = createReadStream(file, { highWaterMark: 1 << 20 });
      try {
        for await (const chunk of input as AsyncIterable<Buffer>) {
          try {
            yield decoder.decode(chunk, { stream: true });
          } catch (error) {
            throw invalid(error, Buffer.concat([carry, chunk]), offset - carry.length);
          }
          carry = chunk.subarray(Math.max(0, chunk.length - 3));
          offset += chunk.length;
        }
        try {
          yield decoder.decode();
        } catch (error) {
          throw invalid(error, carry, offset - carry.length);
        }
      } catch (error) {
        throw error instanceof TextPrepError ? error : fsError(file, error);
      }
    };
    const invalid = (error: unknown, bytes: Uint8Array, base: number): TextPrepError => {
      // `bytes` starts with up to 3 bytes of the previous chunk; continuation
      // bytes at its start belong to a character that was already complete.
      let skip = 0;
      while (skip < 3 && skip < bytes.length && ((bytes[skip] as number) & 0xc0) === 0x80) skip++;
      const at = base + skip + firstInvalidUtf8Offset(bytes.subarray(skip));
      return new TextPrepError("INVALID_UTF8", `${file}: expected UTF-8 text, got an invalid byte sequence at byte ${at}`, {
        file,
        cause: error,
      });
    };

    const parser = parse({ bom: true, relax_column_count: false, skip_empty_lines: true });
    const feeding = (async () => {
      try {
        for await (const text of decode()) {
          if (parser.destroyed) break;
          if (!parser.write(text)) {
            // Wait for room, or for the consumer to stop (destroy emits "close", never "drain").
            await new Promise<void>((resolve) => {
              const done = (): void => {
                parser.off("drain", done);
                parser.off("close", done);
                resolve();
              };
              parser.once("drain", done);
              parser.once("close", done);
            });
          }
        }
        if (!parser.destroyed) parser.end();
      } catch (error) {
        parser.destroy(error as Error);
      }
    })();

    let textIndex = -1;
    let labelIndex = -1;
    let row = 0;
    try {
      for await (const record of parser as AsyncIterable<string[]>) {
        if (textIndex < 0) {
          const header = record.map((h) => h.trim());
          textIndex = header.indexOf(textColumn);
          labelIndex = header.indexOf(labelColumn);
          const missing = [textColumn, labelColumn].filter((c, k) => (k === 0 ? textIndex : labelIndex) < 0);
          if (missing.length > 0) {
            throw new TextPrepError(
              "MISSING_COLUMNS",
              `${file}: expected columns ${JSON.stringify(textColumn)} and ${JSON.stringify(labelColumn)}, got header ${JSON.stringify(header)} (missing ${missing.map((m) => JSON.stringify(m)).join(", ")})`,
              { file },
            );
          }
          continue;
        }
        row++;
        const text = record[textIndex] as string;
        if (!/\S/.test(text)) {
          throw new TextPrepError("EMPTY_TEXT", `${file}: expected review text, got an empty review in row ${row}`, { file });
        }
        const rawLabel = (record[labelIndex] as string).trim();
        const label = LABELS[rawLabel.toLowerCase()];
        if (label === undefined) {
          throw new TextPrepError(
            "MALFORMED_FILE",
            `${file}: expected ${JSON.stringify(labelColumn)} to be 1/0, positive/negative or pos/neg, got ${JSON.stringify(rawLabel)} in row ${row}`,
            { file },
          );
        }
        yield { text, label, row };
      }
    } catch (error) {
      if (error instanceof TextPrepError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      throw new TextPrepError("MALFORMED_FILE", `${file}: expected valid CSV, got ${message}`, { file, cause: error });
    } finally {
      parser.destroy();
      await feeding;
    }
    if (textIndex < 0) {
      throw new TextPrepError(
        "MISSING_COLUMNS",
        `${file}: expected a header with columns ${JSON.stringify(textColumn)} and ${JSON.stringify(labelColumn)}, got an empty file`,
        { file },
      );
    }
  })();
}
