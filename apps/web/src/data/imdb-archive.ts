import type { LabeledReview } from "app-kit/imdb";
import { createTarDecoder } from "modern-tar";

// One labelled IMDb review as the CLI reads it (`readImdb` of `@recurrent/text-prep/node`).
export type { LabeledReview } from "app-kit/imdb";

/** How far reading has got. */
export interface ReadProgress {
  /** Bytes of the picked file consumed so far (compressed bytes for a `.tar.gz`). */
  bytesRead: number;
  /** Size of the picked file(s). */
  bytesTotal: number;
  /** Labelled reviews found so far. */
  reviews: number;
}

// The same rules as text-prep's readImdb: reviews are <split>/<pos|neg>/<id>_<rating>.txt, pos rated 7..10,
// neg 1..4; train/unsup (official archive) and non-review files (README, imdb.vocab, *.feat, urls_*.txt) are
// passed over; anything else in a review folder is an error.
const REVIEW_DIR = /(?:^|\/)(train|test)\/(pos|neg|unsup)\/([^/]*)$/;
const REVIEW_FILE = /^(\d+)_(\d+)\.txt$/;
const NON_SPACE = /\S/;
// Byte for byte, as Python's decode("utf-8"): a byte-order mark stays.
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Turns one archive or folder entry into a labelled review, or `null` when the entry is not a labelled review.
 *
 * @param source the picked file's name, for messages.
 * @throws {Error} naming the entry when a file in a review folder has a bad name or rating, is not UTF-8, or is empty.
 */
export function reviewFromEntry(source: string, name: string, bytes: Uint8Array): LabeledReview | null {
  const where = REVIEW_DIR.exec(name);
  if (where === null) return null;
  const [, split, folder, base] = where as unknown as [string, string, string, string];
  if (base === "" || base.startsWith(".")) return null; // the folder itself; .DS_Store and friends
  const match = REVIEW_FILE.exec(base);
  if (match === null) throw new Error(`${source}: expected review files named <id>_<rating>.txt in ${split}/${folder}/, got "${name}"`);
  const rating = Number(match[2]);
  const valid = folder === "pos" ? rating >= 7 && rating <= 10 : folder === "neg" ? rating >= 1 && rating <= 4 : rating === 0;
  if (!valid) {
    const range = folder === "pos" ? "7..10" : folder === "neg" ? "1..4" : "0";
    throw new Error(`${source}: expected a rating of ${range} in ${split}/${folder}/, got ${rating} in "${name}"`);
  }
  if (folder === "unsup") return null;
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch (error) {
    throw new Error(`${source}: entry "${name}": expected UTF-8 text, got an invalid byte sequence`, { cause: error });
  }
  if (!NON_SPACE.test(text)) throw new Error(`${source}: expected review text, got an empty review "${name}"`);
  return { text, label: folder === "pos" ? 1 : 0, path: `${split}/${folder}/${base}` };
}

/** Reads one tar entry's body completely (one allocation when the size is known, as it is in tar). */
async function readBody(body: ReadableStream<Uint8Array>, size: number): Promise<Uint8Array> {
  const reader = body.getReader();
  const out = new Uint8Array(size);
  let filled = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (filled + value.length > size) throw new Error(`tar entry longer than its header's ${size} bytes`);
    out.set(value, filled);
    filled += value.length;
  }
  if (filled !== size) throw new Error(`tar entry of ${filled} bytes, its header says ${size} (truncated archive?)`);
  return out;
}

/** `true` when the bytes start with gzip's magic number. */
export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/**
 * Reads every labelled review of an IMDb archive, streamed in the browser: the official `aclImdb_v1.tar.gz`, our
 * `aclImdb-labeled.tar.gz`, or an uncompressed `.tar`. Gzip is detected from the magic bytes and undone with
 * `DecompressionStream("gzip")`; `modern-tar` parses the tar stream. Nothing is uploaded or written anywhere.
 *
 * @param source the file's name, for messages.
 * @param onProgress called after every entry (cheap; throttle what you do with it).
 * @throws {Error} when the file is not a tar / tar.gz, or holds no labelled review, or a review file is bad.
 */
export async function readImdbArchive(
  file: Blob,
  source: string,
  onProgress?: (progress: ReadProgress) => void,
): Promise<LabeledReview[]> {
  const head = new Uint8Array(await file.slice(0, 2).arrayBuffer());
  let bytesRead = 0;
  const counted = file.stream().pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        bytesRead += chunk.length;
        controller.enqueue(chunk);
      },
    }),
  );
  const tar = isGzip(head) ? counted.pipeThrough(new DecompressionStream("gzip") as unknown as ReadableWritablePair<Uint8Array, Uint8Array>) : counted;
  const reviews: LabeledReview[] = [];
  let entries = 0;
  try {
    for await (const entry of tar.pipeThrough(createTarDecoder({ strict: true }))) {
      entries++;
      const type = entry.header.type ?? "file";
      if (type !== "file" || REVIEW_DIR.exec(entry.header.name) === null) {
        await entry.body.cancel();
        continue;
      }
      const review = reviewFromEntry(source, entry.header.name, await readBody(entry.body, entry.header.size));
      if (review !== null) reviews.push(review);
      onProgress?.({ bytesRead, bytesTotal: file.size, reviews: reviews.length });
    }
  } catch (error) {
    if (error instanceof Error && error.message.startsWith(source)) throw error;
    throw new Error(`${source}: expected a tar or tar.gz archive, reading it failed after ${entries} entries: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  onProgress?.({ bytesRead: file.size, bytesTotal: file.size, reviews: reviews.length });
  if (reviews.length === 0) {
    throw new Error(`${source}: expected IMDb reviews (entries like aclImdb/train/pos/<id>_<rating>.txt), found none in ${entries} entries`);
  }
  return reviews;
}

/**
 * Reads the labelled reviews of an extracted `aclImdb/` folder picked with `<input webkitdirectory>` or dropped:
 * each file's `webkitRelativePath` (or given path) decides whether it is a review.
 */
export async function readImdbFolder(
  files: readonly { file: Blob; path: string }[],
  onProgress?: (progress: ReadProgress) => void,
): Promise<LabeledReview[]> {
  const bytesTotal = files.reduce((n, f) => n + f.file.size, 0);
  let bytesRead = 0;
  const reviews: LabeledReview[] = [];
  for (const { file, path } of files) {
    bytesRead += file.size;
    if (REVIEW_DIR.exec(path) === null) continue;
    const review = reviewFromEntry("the folder", path, new Uint8Array(await file.arrayBuffer()));
    if (review !== null) reviews.push(review);
    onProgress?.({ bytesRead, bytesTotal, reviews: reviews.length });
  }
  if (reviews.length === 0) throw new Error("the folder: expected IMDb reviews (train/pos/<id>_<rating>.txt and so on), found none");
  return reviews;
}
