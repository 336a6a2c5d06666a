import type { Dirent } from "node:fs";
import { lstat, readdir, readlink, realpath, stat } from "node:fs/promises";
import { join, sep } from "node:path";
import { checkOptions, describe, type OptionKeys } from "../../check-args";
import { decodeUtf8, fsError } from "./io-errors";
import { fileKind, notRegularFile, readRegularFile } from "./open-regular-file";
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

const IMDB_KEYS = { splits: true, includeUnsup: true } as const satisfies OptionKeys<ReadImdbOptions>;

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
  const id = Number(match[1]);
  if (!Number.isSafeInteger(id)) {
    throw new TextPrepError(
      "MALFORMED_FILE",
      `${file}: expected a review id of at most ${Number.MAX_SAFE_INTEGER} in the file name <id>_<rating>.txt, got "${path}"`,
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
  return { split: split as ImdbSplit, folder: folder as ReviewPlace["folder"], id, rating };
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

function checkImdbOptions(options: ReadImdbOptions): { splits: Set<ImdbSplit>; includeUnsup: boolean } {
  checkOptions(options, IMDB_KEYS, "readImdb");
  const splits = options.splits ?? ["train", "test"];
  if (!Array.isArray(splits) || splits.length === 0 || !splits.every((s) => s === "train" || s === "test")) {
    throw new TypeError(`expected splits to be a non-empty array of "train" / "test", got ${JSON.stringify(splits)}`);
  }
  const includeUnsup = options.includeUnsup ?? false;
  if (typeof includeUnsup !== "boolean") throw new TypeError(`expected includeUnsup to be a boolean, got ${describe(includeUnsup)}`);
  return { splits: new Set(splits), includeUnsup };
}

/** `EMPTY_DATASET`: no review at all for the splits asked for. */
function noReviews(source: string, splits: Set<ImdbSplit>, what: string): TextPrepError {
  return new TextPrepError(
    "EMPTY_DATASET",
    `${source}: expected IMDb reviews (${what}), found none for split${splits.size > 1 ? "s" : ""} ${[...splits].join(", ")}`,
    { file: source },
  );
}

/** `MALFORMED_FILE` for two reviews with one id in one split and folder (the id is what tells reviews apart). */
function duplicateId(file: string, place: ReviewPlace, first: string, second: string): TextPrepError {
  return new TextPrepError(
    "MALFORMED_FILE",
    `${file}: expected each review id once in ${place.split}/${place.folder}/, got id ${place.id} twice ("${first}" and "${second}")`,
    { file },
  );
}

async function* fromArchive(
  file: string,
  splits: Set<ImdbSplit>,
  includeUnsup: boolean,
): AsyncGenerator<ImdbReview | ImdbUnlabeledReview> {
  let reviews = 0;
  // Review folder -> id -> entry path: each id once per split and folder.
  const seen = new Map<string, Map<number, string>>();
  // Entries outside the review folders (README, imdb.vocab, *.feat, urls_*.txt) are read past, not held.
  for await (const entry of readArchiveEntries(file, (name) => REVIEW_DIR.test(name))) {
    const [, split, folder, base] = REVIEW_DIR.exec(entry.name) as unknown as [string, string, string, string];
    const place = parseName(file, entry.name, split, folder, base);
    const key = `${place.split}/${place.folder}`;
    let ids = seen.get(key);
    if (ids === undefined) seen.set(key, (ids = new Map()));
    const first = ids.get(place.id);
    if (first !== undefined) throw duplicateId(file, place, first, entry.name);
    ids.set(place.id, entry.name);
    if (!splits.has(place.split) || (place.folder === "unsup" && !includeUnsup)) continue;
    reviews++;
    yield toReview(file, entry.name, place, entry.data);
  }
  if (reviews === 0) throw noReviews(file, splits, "entries like aclImdb/train/pos/<id>_<rating>.txt");
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

/** The dataset folder (the one holding train/ and test/), as given and with every link resolved. */
interface DatasetRoot {
  readonly path: string;
  readonly real: string;
}

function isInside(real: string, root: DatasetRoot): boolean {
  return real === root.real || real.startsWith(root.real.endsWith(sep) ? root.real : root.real + sep);
}

/**
 * Where the symbolic link `path` leads, if that is inside the dataset folder.
 * @throws {TextPrepError} `UNSAFE_PATH` naming the link and its target if it leads out of the dataset
 *   folder; `FILE_NOT_FOUND` if it leads nowhere.
 */
async function followLink(path: string, root: DatasetRoot): Promise<string> {
  let target: string;
  let real: string;
  try {
    target = await readlink(path);
  } catch (error) {
    throw fsError(path, error);
  }
  try {
    real = await realpath(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException | null)?.code === "ENOENT") {
      throw new TextPrepError("FILE_NOT_FOUND", `${path}: a symbolic link to "${target}", which does not exist`, { file: path, cause: error });
    }
    throw fsError(path, error);
  }
  if (!isInside(real, root)) {
    throw new TextPrepError(
      "UNSAFE_PATH",
      `${path}: a symbolic link to "${target}" (${real}), outside the dataset folder ${root.real}: links that leave the dataset are not followed`,
      { file: path },
    );
  }
  return real;
}

/** Checks that `path` is a folder of the dataset (a link to one inside it will do). */
async function checkFolder(path: string, root: DatasetRoot): Promise<void> {
  let stats;
  try {
    stats = await lstat(path);
    if (stats.isSymbolicLink()) stats = await stat(await followLink(path, root));
  } catch (error) {
    throw error instanceof TextPrepError ? error : fsError(path, error);
  }
  if (!stats.isDirectory()) {
    throw new TextPrepError("INVALID_ARGUMENT", `${path}: expected a folder, got ${fileKind(stats)}`, { file: path });
  }
}

/**
 * Reads one review file of a dataset folder: a regular file, or a link to one
 * inside the dataset. Anything else is refused by its directory entry, before
 * it is opened (a FIFO would block, a device never end).
 */
async function readReviewFile(path: string, entry: Dirent, root: DatasetRoot): Promise<Buffer> {
  if (entry.isFile()) return readRegularFile(path, true);
  if (!entry.isSymbolicLink()) throw notRegularFile(path, fileKind(entry));
  const real = await followLink(path, root);
  let stats;
  try {
    stats = await stat(real);
  } catch (error) {
    throw fsError(path, error);
  }
  if (!stats.isFile()) throw notRegularFile(path, `a symbolic link to ${fileKind(stats)} (${real})`);
  return readRegularFile(real, true);
}

async function* fromFolder(
  folder: string,
  splits: Set<ImdbSplit>,
  includeUnsup: boolean,
): AsyncGenerator<ImdbReview | ImdbUnlabeledReview> {
  const path = await resolveRoot(folder);
  let real: string;
  try {
    real = await realpath(path);
  } catch (error) {
    throw fsError(path, error);
  }
  const root: DatasetRoot = { path, real };
  let reviews = 0;
  for (const split of ["train", "test"] as const) {
    if (!splits.has(split)) continue;
    await checkFolder(join(path, split), root);
    for (const label of LABEL_FOLDERS) {
      if (label === "unsup" && (!includeUnsup || split === "test")) continue;
      const dir = join(path, split, label);
      let entries: Dirent[];
      try {
        await checkFolder(dir, root);
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        const failure = error instanceof TextPrepError ? error : fsError(dir, error);
        if (label === "unsup" && failure.code === "FILE_NOT_FOUND") {
          throw new TextPrepError("FILE_NOT_FOUND", `${dir}: includeUnsup is set but the folder is missing`, { file: dir, cause: error });
        }
        throw failure;
      }
      const places = entries
        .filter((entry) => !entry.name.startsWith(".")) // .DS_Store and the like: never opened
        .map((entry) => ({ entry, path: join(dir, entry.name), place: parseName(dir, join(dir, entry.name), split, label, entry.name) }))
        .sort((a, b) => a.place.id - b.place.id || a.place.rating - b.place.rating);
      for (let k = 1; k < places.length; k++) {
        const [a, b] = [places[k - 1], places[k]] as [(typeof places)[number], (typeof places)[number]];
        if (a.place.id === b.place.id) throw duplicateId(dir, b.place, a.path, b.path);
      }
      // Read a few files ahead to hide file-system latency, yield in order.
      const ahead = 16;
      const pending: Promise<Buffer>[] = [];
      const read = (k: number): Promise<Buffer> => {
        const { path: file, entry } = places[k] as (typeof places)[number];
        const reading = readReviewFile(file, entry, root);
        reading.catch(() => {}); // handled when its turn comes; a failure ahead must not be an unhandled rejection
        return reading;
      };
      for (let k = 0; k < Math.min(ahead, places.length); k++) pending.push(read(k));
      try {
        for (let k = 0; k < places.length; k++) {
          const data = await (pending[k] as Promise<Buffer>);
          if (k + ahead < places.length) pending.push(read(k + ahead));
          const { path: file, place } = places[k] as (typeof places)[number];
          reviews++;
          yield toReview(file, file, place, data);
        }
      } finally {
        // Settle reads still in flight.
        await Promise.allSettled(pending);
      }
    }
  }
  if (reviews === 0) throw noReviews(folder, splits, "files like train/pos/<id>_<rating>.txt");
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
 * In an extracted folder, only regular files are read: a FIFO, socket or
 * device in a review folder is refused by its directory entry before it is
 * opened (it could block or never end), and a symbolic link (a review file,
 * a `pos/` or `train/` folder) is followed only when it leads to a place
 * inside the dataset folder, the one holding `train/` and `test/` (links on
 * the way to that folder itself, such as `data/aclImdb -> /mnt/aclImdb`, are
 * the caller's choice and are followed). Hidden files are never opened.
 *
 * A problem stops the iteration with a {@link TextPrepError} naming the file:
 * `FILE_NOT_FOUND`, `INVALID_ARGUMENT` (a FIFO, socket, device or folder where a
 * file was expected, or a file where a folder was), `NOT_GZIP`, `NOT_TAR`,
 * `TRUNCATED_ARCHIVE`, `UNSAFE_PATH` (an archive entry with `..` or an absolute
 * path; a link that leaves the dataset folder, naming the link and its target),
 * `INVALID_UTF8`, `EMPTY_TEXT`, `FILE_TOO_LARGE` (a review longer than one
 * JavaScript string can hold), `MALFORMED_FILE` (a badly named review file, one
 * id twice in a folder, a link or device entry in an archive), `EMPTY_DATASET`
 * (no reviews at all for the splits asked for). A truncated archive is only
 * detected when its end is reached, so do not use the reviews until the
 * iteration has finished without error.
 *
 * @param source - Path to an archive or a folder.
 * @param options - `splits`, `includeUnsup`.
 * @returns An async iterable of reviews.
 * @throws {TypeError} On bad options, or an unknown key in `options` (thrown at once).
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
  const { splits, includeUnsup } = checkImdbOptions(options);
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
