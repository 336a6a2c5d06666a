import { AppKitError, sharedDataFile } from "app-kit";
import { readTextFile } from "@recurrent/text-prep/node";

/** The chapter's slice markers. */
export const START_MARKER = "THE MYSTERIOUS ISLAND";
export const END_MARKER = "End of the Project Gutenberg";

/**
 * The chapter's text: read with universal newlines (CRLF → LF, as Python's
 * text mode), sliced from the first `THE MYSTERIOUS ISLAND` up to (not
 * including) `End of the Project Gutenberg`.
 *
 * @throws {Error} naming the marker when the file lacks one.
 */
export async function readNovel(path: string): Promise<string> {
  const text = await readTextFile(path, { newlines: "universal" });
  return sliceNovel(text, path);
}

export function sliceNovel(text: string, path = "the text"): string {
  const start = text.indexOf(START_MARKER);
  const end = text.indexOf(END_MARKER);
  if (start < 0) throw new Error(`${path}: expected the marker ${JSON.stringify(START_MARKER)}, not found`);
  if (end < 0) throw new Error(`${path}: expected the marker ${JSON.stringify(END_MARKER)}, not found`);
  if (end <= start) throw new Error(`${path}: expected ${JSON.stringify(END_MARKER)} after ${JSON.stringify(START_MARKER)}`);
  return text.slice(start, end);
}

/** Splits ids into the first (1 − heldOut) for training and the last heldOut fraction. */
export function holdOut<T extends { length: number; subarray(a: number, b?: number): T }>(ids: T, fraction: number): { train: T; heldOut: T } {
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`expected a held-out fraction in (0, 1), got ${fraction}`);
  const cut = Math.round(ids.length * (1 - fraction));
  return { train: ids.subarray(0, cut), heldOut: ids.subarray(cut) };
}

/**
 * Refuses, before the first step, data that cannot fill what training needs: a training part with fewer chunks
 * than one batch (the last, incomplete batch is dropped as in the chapter, so an epoch would have no step), or a
 * held-out part shorter than one chunk of `seqLength + 1` characters (the held-out loss would have nothing to
 * predict). The message says what came and which flag to change.
 *
 * @throws {AppKitError} `DATA_TOO_SMALL`.
 */
export function checkChunkCounts(
  o: { trainCharacters: number; heldOutCharacters: number; trainChunks: number; heldOutChunks: number; seqLength: number; batchSize: number },
): void {
  const chunk = o.seqLength + 1;
  if (o.trainChunks < o.batchSize) {
    throw new AppKitError(
      "DATA_TOO_SMALL",
      `the training part (${o.trainCharacters} characters) gives ${o.trainChunks} chunks of ${chunk} characters, fewer than one batch of ` +
        `${o.batchSize}: use a longer text, a smaller --held-out, --seq-length or --batch-size`,
    );
  }
  if (o.heldOutChunks < 1) {
    throw new AppKitError(
      "DATA_TOO_SMALL",
      `the held-out part (${o.heldOutCharacters} characters) is shorter than one chunk of ${chunk} characters (--seq-length ${o.seqLength} + 1): ` +
        `raise --held-out or lower --seq-length`,
    );
  }
}

/** `<repo>/../shared/data/mysterious-island.txt` when it exists, else null. */
export function sharedNovel(from: string): string | null {
  return sharedDataFile("mysterious-island.txt", from);
}
