import { sharedDataFile } from "app-kit";
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

/** `<repo>/../shared/data/mysterious-island.txt` when it exists, else null. */
export function sharedNovel(from: string): string | null {
  return sharedDataFile("mysterious-island.txt", from);
}
