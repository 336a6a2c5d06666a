import { readFile, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { describe } from "../../check-args";
import { decodeUtf8, fsError } from "./io-errors";
import { readArchiveEntries } from "./read-archive-entries";
import { TextPrepError } from "../../text-prep-error";

/** The two halves of the IMDb dataset. */
export type ImdbSplit = "train" | "test";

/** One labeled IMDb review. */
export interface ImdbReview {
  /** The review text, exactly as in the file (HTML `<br />` tags included). */
  text: string;
  /** 1 = positive (`pos/`, rating 7..10), 0 = negative (`neg/`, rating 1..4). */
  label: 0 | 1;
  /** Which half it comes from. */
  split: ImdbSplit;
  /** The review id, from the file name `<id>_<rating>.txt` (unique within a split and folder). */
  id: number;
  /** The star rating 1..10, from the file name. */
  rating: number;
  /** The file's path inside the archive or folder, e.g. `aclImdb/train/pos/10_9.txt`. */
  path: string;
}

/** One unlabeled review from `train/unsup` (only with `includeUnsup: true`). */
export interface ImdbUnlabeledReview extends Omit<ImdbReview, "label"> {
  /** Unlabeled. */
  label: null;
}

/** Options of {@link readImdb}. */
export interface ReadImdbOptions {
  /**
   * Which halves to read.
   * @default ["train", "test"]
   */
  splits?: readonly ImdbSplit[];
  /**
   * Also yield the 50,000 unlabeled reviews of `train/unsup` (official archive only), with `label: null`.
   * @default false
   */
  includeUnsup?: boolean;
}

const REVIEW_DIR = /(?:^|\/)(train|test)\/(pos|neg|unsup)\/([^/]*)$/;
const REVIEW_FILE = /^(\d+)_(\d+)\.txt$/;
const LABEL_FOLDERS = ["neg", "pos", "unsup"] as const;
// Stops at the first non-space character: no copy of the review, unlike trim().
const NON_SPACE = /\S/;

interface ReviewPlace {
  split: ImdbSplit;
  folder: "pos" | "neg" | "unsup";
  id: number;
  rating: number;
}

function parseName(file: string, path: string, split: string, folder: string, base: string): ReviewPlace {
  const match = REVIEW_FILE.exec(base);
  if (match === null) {
    throw new TextPrepError(
      "MALFORMED_FILE",
      `${file}: expected review files named <id>_<rating>.txt in ${split}/${folder}/, got "${path}"`,
      { file },
    );
  }
  const rating = Number(match[2]);
  const valid = folder === "pos" ? rating >= 7 && rating <= 10 : folder === "neg" ? rating >= 1 && rating <= 4 : rating === 0;
  if (!valid) {
    throw new TextPrepError(
      "MALFORMED_FILE",
      `${file}: expected a rating of ${folder === "pos" ? "7..10" : folder === "neg" ? "1..4" : "0"} in ${split}/${folder}/, got ${rating} in "${path}"`,
      { file },
    );
  }
  return { split: split as ImdbSplit, folder: folder as ReviewPlace["folder"], id: Number(match[1]), rating };
}

function toReview(file: string, path: string, place: ReviewPlace, data: Uint8Array): ImdbReview | ImdbUnlabeledReview {
  const text = decodeUtf8(data, file, file === path ? undefined : path);
  if (!NON_SPACE.test(text)) {
    const what = file === path ? "" : ` "${path}"`;
    throw new TextPrepError("EMPTY_TEXT", `${file}: expected review text, got an empty review${what}`, { file });
  }
  // One object literal (no spread): 50,000 of these per IMDb read.
  const label = place.folder === "unsup" ? null : place.folder === "pos" ? 1 : 0;
  return { text, split: place.split, id: place.id, rating: place.rating, path, label } as ImdbReview | ImdbUnlabeledReview;
}

function checkOptions(options: ReadImdbOptions): { splits: Set<ImdbSplit>; includeUnsup: boolean } {
  if (options === null || typeof options !== "object") throw new TypeError(`expected options to be an object, got ${describe(options)}`);
  const splits = options.splits ?? ["train", "test"];
  if (!Array.isArray(splits) || splits.length === 0 || !splits.every((s) => s === "train" || s === "test")) {
    throw new TypeError(`expected splits to be a non-empty array of "train" / "test", got ${JSON.stringify(splits)}`);
  }
  const includeUnsup = options.includeUnsup ?? false;
  if (typeof includeUnsup !== "boolean") throw new TypeError(`expected includeUnsup to be a boolean, got ${describe(includeUnsup)}`);
  return { splits: new Set(splits), includeUnsup };
}

async function* fromArchive(
  file: string,
  splits: Set<ImdbSplit>,
  includeUnsup: boolean,
): AsyncGenerator<ImdbReview | ImdbUnlabeledReview> {
  let reviews = 0;
  for await (const entry of readArchiveEntries(file)) {
    const where = REVIEW_DIR.exec(entry.name);
    if (where === null) continue; // README, imdb.vocab, *.feat, urls_*.txt: not reviews
    const [, split, folder, base] = where as unknown as [string, string, string, string];
    const place = parseName(file, entry.name, split, folder, base);
    if (!splits.has(place.split) || (place.folder === "unsup" && !includeUnsup)) continue;
    reviews++;
    yield toReview(file, entry.name, place, entry.data);
  }
  if (reviews === 0) {
    throw new TextPrepError(
      "MALFORMED_FILE",
      `${file}: expected IMDb reviews (entries like aclImdb/train/pos/<id>_<rating>.txt), found none for splits ${[...splits].join(", ")}`,
      { file },
    );
  }
}

async function resolveRoot(folder: string): Promise<string> {
  for (const candidate of [folder, join(folder, "aclImdb")]) {
    const entries = await readdir(candidate).catch(() => [] as string[]);
    if (entries.includes("train") || entries.includes("test")) return candidate;
  }
  throw new TextPrepError(
    "INVALID_ARGUMENT",
    `${folder}: expected the IMDb folder (with train/ and test/ inside, or aclImdb/ holding them), got a folder without them`,
    { file: folder },
  );
}

async function* fromFolder(
  folder: string,
  splits: Set<ImdbSplit>,
  includeUnsup: boolean,
): AsyncGenerator<ImdbReview | ImdbUnlabeledReview> {
  const root = await resolveRoot(folder);
  for (const split of ["train", "test"] as const) {
    if (!splits.has(split)) continue;
    for (const label of LABEL_FOLDERS) {
      if (label === "unsup" && (!includeUnsup || split === "test")) continue;
      const dir = join(root, split, label);
      let names: string[];
      try {
        names = await readdir(dir);
      } catch (error) {
        if (label === "unsup") {
          throw new TextPrepError("FILE_NOT_FOUND", `${dir}: includeUnsup is set but the folder is missing`, { file: dir, cause: error });
        }
        throw fsError(dir, error);
      }
      const places = names
        .filter((name) => !name.startsWith("."))
        .map((name) => ({ name, place: parseName(dir, join(dir, name), split, label, name) }))
        .sort((a, b) => a.place.id - b.place.id || a.place.rating - b.place.rating);
      // Read a few files ahead to hide file-system latency, yield in order.
      const ahead = 16;
      const pending: Promise<Buffer>[] = [];
      const read = (k: number): Promise<Buffer> => {
        const path = join(dir, (places[k] as { name: string }).name);
        return readFile(path).catch((error: unknown) => Promise.reject(fsError(path, error)));
      };
      for (let k = 0; k < Math.min(ahead, places.length); k++) pending.push(read(k));
      try {
        for (let k = 0; k < places.length; k++) {
          const data = await (pending[k] as Promise<Buffer>);
          if (k + ahead < places.length) pending.push(read(k + ahead));
          const { name, place } = places[k] as (typeof places)[number];
          const path = join(dir, name);
          yield toReview(path, path, place, data);
        }
      } finally {
        // Settle reads still in flight so none rejects unhandled.
        await Promise.allSettled(pending);
      }
    }
  }
}

/**
 * Reads the IMDb Large Movie Review Dataset, streamed: from the official
 * `aclImdb_v1.tar.gz`, from a labeled-only archive in the same layout
 * (`aclImdb-labeled.tar.gz`), from an uncompressed `.tar`, or from the
 * extracted folder (`aclImdb/` or the folder holding it). Archives are read
 * through gzip and tar streams in memory: nothing is extracted to disk.
 *
 * Reviews come one at a time, in archive order (folders: train then test,
 * neg then pos, by id); shuffle them yourself. Labels come from the folder
 * (`pos` = 1, `neg` = 0), id and rating from the file name. Entries outside
 * `train/` and `test/` review folders (README, `imdb.vocab`, `*.feat`) are not
 * reviews and are passed over; `train/unsup` is passed over unless `includeUnsup`.
 *
 * A problem stops the iteration with a {@link TextPrepError} naming the file:
 * `FILE_NOT_FOUND`, `NOT_GZIP`, `NOT_TAR`, `TRUNCATED_ARCHIVE`, `UNSAFE_PATH`
 * (an entry with `..` or an absolute path), `INVALID_UTF8`, `EMPTY_TEXT`,
 * `MALFORMED_FILE` (a badly named review file, or no reviews at all). A
 * truncated archive is only detected when its end is reached, so do not use
 * the reviews until the iteration has finished without error.
 *
 * @param source - Path to an archive or a folder.
 * @param options - `splits`, `includeUnsup`.
 * @returns An async iterable of reviews.
 * @throws {TypeError} On bad options (thrown at once).
 *
 * @example
 * const reviews = [];
 * for await (const review of readImdb("../shared/data/aclImdb-labeled.tar.gz")) reviews.push(review);
 * reviews.length; // 49,996
 *
 * @example
 * for await (const { text, label } of readImdb("aclImdb_v1.tar.gz", { splits: ["train"] })) { ... }
 */
export function readImdb(source: string, options?: ReadImdbOptions & { includeUnsup?: false }): AsyncIterable<ImdbReview>;
export function readImdb(
  source: string,
  options: ReadImdbOptions & { includeUnsup: true },
): AsyncIterable<ImdbReview | ImdbUnlabeledReview>;
export function readImdb(source: string, options?: ReadImdbOptions): AsyncIterable<ImdbReview | ImdbUnlabeledReview>;
export function readImdb(source: string, options: ReadImdbOptions = {}): AsyncIterable<ImdbReview | ImdbUnlabeledReview> {
  if (typeof source !== "string" || source.length === 0) {
    throw new TypeError(`expected source to be a path to an archive or folder, got ${describe(source)}`);
  }
  const { splits, includeUnsup } = checkOptions(options);
  return (async function* () {
    let isFolder: boolean;
    try {
      isFolder = (await stat(source)).isDirectory();
    } catch (error) {
      throw fsError(source, error);
    }
    yield* isFolder ? fromFolder(source, splits, includeUnsup) : fromArchive(source, splits, includeUnsup);
  })();
}
