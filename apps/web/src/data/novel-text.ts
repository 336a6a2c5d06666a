// The same text rules as apps/char-lm (the CLI): universal newlines, the chapter's slice of the novel, the last
// fraction held out.

/** The chapter's slice markers. */
export const START_MARKER = "THE MYSTERIOUS ISLAND";
export const END_MARKER = "End of the Project Gutenberg";

/** What {@link prepareText} made of a file. */
export interface PreparedText {
  text: string;
  /** Whether the chapter's markers were found and the text sliced between them. */
  sliced: boolean;
}

/**
 * Decodes UTF-8 bytes (fatal on invalid bytes), turns `\r\n` and lone `\r` into `\n` (Python's text mode, as
 * `readTextFile`), and, when the text holds the chapter's markers (*The Mysterious Island*), keeps the slice from
 * `THE MYSTERIOUS ISLAND` up to `End of the Project Gutenberg`; any other text is used whole.
 *
 * @throws {Error} when the bytes are not UTF-8, or the text has fewer than `minLength` characters.
 */
export function prepareText(bytes: Uint8Array, name: string, minLength = 100): PreparedText {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (error) {
    throw new Error(`${name}: expected UTF-8 text, got an invalid byte sequence`, { cause: error });
  }
  text = text.replace(/\r\n?/g, "\n");
  const start = text.indexOf(START_MARKER);
  const end = text.indexOf(END_MARKER);
  const sliced = start >= 0 && end > start;
  if (sliced) text = text.slice(start, end);
  if (text.length < minLength) throw new Error(`${name}: expected at least ${minLength} characters of text, got ${text.length}`);
  return { text, sliced };
}

/** Splits ids into the first (1 − fraction) for training and the last `fraction` held out. */
export function holdOut(ids: Int32Array, fraction: number): { train: Int32Array; heldOut: Int32Array } {
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`expected a held-out fraction in (0, 1), got ${fraction}`);
  const cut = Math.round(ids.length * (1 - fraction));
  return { train: ids.subarray(0, cut), heldOut: ids.subarray(cut) };
}
