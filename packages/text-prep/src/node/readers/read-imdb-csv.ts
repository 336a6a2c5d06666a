import { CsvError, parse, type Options } from "csv-parse";
import { checkOptions, describe, type OptionKeys } from "../../check-args";
import { firstInvalidUtf8Offset, fsError } from "./io-errors";
import { openRegularFile } from "./open-regular-file";
import { TextPrepError } from "../../text-prep-error";

/** One row of the chapter's IMDb CSV. */
export interface ImdbCsvRow {
  /** The review text. */
  text: string;
  /** 1 = positive, 0 = negative. */
  label: 0 | 1;
  /** 1-based record number, the header not counted. */
  row: number;
  /** 1-based line of the file where the row starts (a quoted review with line breaks spans several lines). */
  line: number;
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

// A Map, not an object literal: a label "constructor" or "__proto__" must not find Object.prototype's.
const LABELS = new Map<string, 0 | 1>([
  ["1", 1],
  ["0", 0],
  ["positive", 1],
  ["negative", 0],
  ["pos", 1],
  ["neg", 0],
]);
const CSV_KEYS = { textColumn: true, labelColumn: true } as const satisfies OptionKeys<ReadImdbCsvOptions>;
// Any of the three line endings, mixed as they come (as Python's csv module reads them).
const RECORD_DELIMITERS = ["\r\n", "\n", "\r"];
const LINE_BREAK = /\r\n|\r|\n/g;

/** A parsed record and the line it starts on. */
interface LocatedRecord {
  fields: string[];
  line: number;
}

/** Line breaks inside the fields of a record (only quoted fields hold them). */
function lineBreaks(fields: readonly string[]): number {
  let n = 0;
  for (const field of fields) {
    if (field.includes("\n") || field.includes("\r")) n += field.match(LINE_BREAK)?.length ?? 0;
  }
  return n;
}

/**
 * Reads the chapter's IMDb CSV (`review,sentiment` columns, as written by
 * its `movie_data.csv` step) through `csv-parse`, streamed. The file must be
 * UTF-8 (checked strictly); a byte-order mark is accepted. Lines may end in
 * `\n`, `\r\n` or `\r`, mixed; a quoted review may hold commas, quotes (doubled)
 * and line breaks. Empty lines are passed over; every other line must have
 * as many fields as the header.
 *
 * Errors name the file and, for a row, its number and the line it starts on.
 *
 * @param file - Path to the CSV file (a regular file: a FIFO, socket or device is refused before it is read).
 * @param options - Column names.
 * @returns An async iterable of `{ text, label, row, line }`.
 * @throws {TextPrepError} While iterating: `FILE_NOT_FOUND`; `INVALID_ARGUMENT` (a folder, FIFO, socket or
 *   device); `MISSING_COLUMNS` (the header lacks a column, or there is no header: an empty file);
 *   `EMPTY_DATASET` (a header and no rows); `INVALID_UTF8`; `EMPTY_TEXT` (an empty review);
 *   `MALFORMED_FILE` (a label other than 1/0, positive/negative, pos/neg; a row with too many or too few
 *   fields; broken quoting; a column named twice in the header); `FILE_TOO_LARGE` (a field longer than
 *   one JavaScript string can be).
 * @throws {TypeError} On bad options (thrown at once): not strings, the same column twice, an unknown key.
 *
 * @example
 * for await (const { text, label } of readImdbCsv("movie_data.csv")) { ... }
 */
export function readImdbCsv(file: string, options: ReadImdbCsvOptions = {}): AsyncIterable<ImdbCsvRow> {
  if (typeof file !== "string" || file.length === 0) throw new TypeError(`expected file to be a path, got ${describe(file)}`);
  checkOptions(options, CSV_KEYS, "readImdbCsv");
  const textColumn = options.textColumn ?? "review";
  const labelColumn = options.labelColumn ?? "sentiment";
  for (const [name, value] of [["textColumn", textColumn], ["labelColumn", labelColumn]] as const) {
    if (typeof value !== "string" || value.length === 0) throw new TypeError(`expected ${name} to be a non-empty string, got ${describe(value)}`);
  }
  if (textColumn === labelColumn) {
    throw new TypeError(`expected textColumn and labelColumn to be two different columns, got ${describe(textColumn)} for both`);
  }
  return (async function* () {
    // A FIFO, socket or device is refused here, before a byte is read.
    const { handle } = await openRegularFile(file);
    const decoder = new TextDecoder("utf-8", { fatal: true });
    let offset = 0;
    let carry: Uint8Array = new Uint8Array(0);
    // Decode strictly ourselves (csv-parse would decode leniently), then parse.
    const decode = async function* (): AsyncGenerator<string> {
      const input = handle.createReadStream({ start: 0, highWaterMark: 1 << 20 });
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
      } finally {
        input.destroy(); // closes the file
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

    // Where each record starts, counted here: csv-parse's own line count
    // counts a \r\n twice. Start of a record = end of the one before + 1, plus
    // the empty lines passed over in between.
    let nextLine = 1;
    let emptyLines = 0;
    // The header as the parser saw it: on an error, records it had parsed may not have reached the loop below.
    let parsedHeader: string[] | null = null;
    const startLine = (empty: number): number => nextLine + (empty - emptyLines);
    const parserOptions: Options<LocatedRecord, string[]> = {
      bom: true,
      relax_column_count: false,
      skip_empty_lines: true,
      record_delimiter: RECORD_DELIMITERS,
      on_record: (fields, info) => {
        const line = startLine(info.empty_lines);
        emptyLines = info.empty_lines;
        nextLine = line + lineBreaks(fields) + 1;
        parsedHeader ??= fields;
        return { fields, line };
      },
    };
    const parser = parse(parserOptions as unknown as Options); // its overloads type records as string[]: ours are LocatedRecord
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

    let header: string[] | null = null;
    let textIndex = -1;
    let labelIndex = -1;
    let row = 0;
    const where = (r: number, line: number): string => (r === 0 ? `the header (line ${line})` : `row ${r} (line ${line})`);
    try {
      for await (const { fields, line } of parser as AsyncIterable<LocatedRecord>) {
        if (header === null) {
          header = fields.map((h) => h.trim());
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
          for (const column of [textColumn, labelColumn]) {
            const count = header.filter((h) => h === column).length;
            if (count > 1) {
              throw new TextPrepError(
                "MALFORMED_FILE",
                `${file}: expected the column ${JSON.stringify(column)} once in the header, got it ${count} times in ${JSON.stringify(header)}`,
                { file },
              );
            }
          }
          continue;
        }
        row++;
        const text = fields[textIndex] as string;
        if (!/\S/.test(text)) {
          throw new TextPrepError("EMPTY_TEXT", `${file}: expected review text, got an empty review in ${where(row, line)}`, { file });
        }
        const rawLabel = (fields[labelIndex] as string).trim();
        const label = LABELS.get(rawLabel.toLowerCase());
        if (label === undefined) {
          throw new TextPrepError(
            "MALFORMED_FILE",
            `${file}: expected ${JSON.stringify(labelColumn)} to be 1/0, positive/negative or pos/neg, got ${describe(rawLabel)} in ${where(row, line)}`,
            { file },
          );
        }
        yield { text, label, row, line };
      }
    } catch (error) {
      if (error instanceof TextPrepError) throw error;
      throw csvFailure(file, error, parsedHeader, startLine);
    } finally {
      parser.destroy();
      await feeding;
    }
    if (header === null) {
      throw new TextPrepError(
        "MISSING_COLUMNS",
        `${file}: expected a header with columns ${JSON.stringify(textColumn)} and ${JSON.stringify(labelColumn)}, got an empty file`,
        { file },
      );
    }
    if (row === 0) {
      throw new TextPrepError(
        "EMPTY_DATASET",
        `${file}: expected rows of reviews after the header ${JSON.stringify(header)}, got none (the file has a header only)`,
        { file },
      );
    }
  })();
}

/**
 * A `csv-parse` error as a {@link TextPrepError} naming the file, the row and
 * the line it starts on (`startLine` gives it from the parser's count of
 * empty lines). `header` is null while the header itself is being parsed.
 */
function csvFailure(file: string, error: unknown, header: readonly string[] | null, startLine: (empty: number) => number): TextPrepError {
  if (!(error instanceof CsvError)) {
    const code = (error as NodeJS.ErrnoException | null)?.code;
    if (code === "ERR_STRING_TOO_LONG") {
      return new TextPrepError("FILE_TOO_LARGE", `${file}: expected CSV fields that fit in one JavaScript string, got a longer one`, { file, cause: error });
    }
    const message = error instanceof Error ? error.message : String(error);
    return new TextPrepError("MALFORMED_FILE", `${file}: expected valid CSV, got ${message}`, { file, cause: error });
  }
  // csv-parse's context: `records` parsed so far (header included), `empty_lines` passed over.
  const records = typeof error["records"] === "number" ? error["records"] : 0;
  const empty = typeof error["empty_lines"] === "number" ? error["empty_lines"] : 0;
  const line = startLine(empty);
  const where = header === null || records === 0 ? `the header (line ${line})` : `row ${records} (line ${line})`;
  switch (error.code) {
    case "CSV_RECORD_INCONSISTENT_FIELDS_LENGTH": {
      const got = Array.isArray(error["record"]) ? (error["record"] as unknown[]).length : undefined;
      return new TextPrepError(
        "MALFORMED_FILE",
        `${file}: expected ${header?.length ?? "the header's number of"} fields in every row, as in the header, got ${got ?? "another number"} in ${where}`,
        { file, cause: error },
      );
    }
    case "CSV_QUOTE_NOT_CLOSED":
      return new TextPrepError(
        "MALFORMED_FILE",
        `${file}: expected a closing quote for the quoted field of ${where}, got the end of the file`,
        { file, cause: error },
      );
    default:
      // Their message counts lines their own way (a \r\n twice): ours replaces it.
      return new TextPrepError(
        "MALFORMED_FILE",
        `${file}: expected valid CSV, got ${error.message.replace(/,? (?:at|on) line \d+/, "")} in ${where}`,
        { file, cause: error },
      );
  }
}
