import { checkInt32, checkOptions, checkPositiveInteger, checkSequence, checkSide, describe, type OptionKeys } from "../check-args";

/** Options of {@link padSequences}. */
export interface PadSequencesOptions {
  /**
   * Length of every output row. Longer sequences are truncated (see `truncating`).
   * @default the length of the longest sequence (0 rows of length 0 for no input)
   */
  maxLen?: number;
  /**
   * Where padding goes: before (`"pre"`) or after (`"post"`) the tokens.
   * @default "pre" (as Keras `pad_sequences`)
   */
  padding?: "pre" | "post";
  /**
   * Which end is cut from a sequence longer than `maxLen`: `"pre"` drops the
   * beginning (keeps the last `maxLen` tokens), `"post"` drops the end.
   * @default "pre" (as Keras `pad_sequences`)
   */
  truncating?: "pre" | "post";
  /**
   * The padding id.
   * @default 0
   */
  value?: number;
}

const PAD_KEYS = { maxLen: true, padding: true, truncating: true, value: true } as const satisfies OptionKeys<PadSequencesOptions>;

/** A batch of integer sequences padded to one length. */
export interface PaddedSequences {
  /** Row-major ids, shape `[batch, time]`. */
  data: Int32Array;
  /** `[batch, time]`. */
  shape: [batch: number, time: number];
  /** Shape `[batch]`: tokens of each row that are not padding (its length after truncation). */
  lengths: Int32Array;
}

/**
 * Pads (and truncates) integer sequences to one length with Keras
 * `pad_sequences` semantics. Never mutates its input.
 *
 * @param sequences - `batch` sequences of 32-bit integers (arrays or `Int32Array`s).
 * @param options - `maxLen`, `padding`, `truncating`, `value`.
 * @returns `data` with shape `[batch, maxLen]` and per-row `lengths`.
 * @throws {TypeError} If a sequence is not an array of 32-bit integers, `padding`/`truncating` is not "pre"/"post",
 *   or `options` has a key other than `maxLen`, `padding`, `truncating`, `value` (a typo such as `maxLength`).
 * @throws {RangeError} If `maxLen` is not an integer > 0 or `value` is not a 32-bit integer.
 *
 * @example
 * const { data, shape, lengths } = padSequences([[1, 2, 3], [4]], { maxLen: 2 });
 * // shape [2, 2]; data [2, 3, 0, 4] (truncated at the front, padded at the front); lengths [2, 1]
 */
export function padSequences(sequences: readonly ArrayLike<number>[], options: PadSequencesOptions = {}): PaddedSequences {
  if (!Array.isArray(sequences)) throw new TypeError(`expected sequences to be an array of sequences, got ${describe(sequences)}`);
  checkOptions(options, PAD_KEYS, "padSequences");
  const padding = checkSide(options.padding, "padding", "pre");
  const truncating = checkSide(options.truncating, "truncating", "pre");
  const value = checkInt32(options.value ?? 0, "value");
  const checked = sequences.map((s, i) => checkSequence(s, `sequences[${i}]`));
  let maxLen: number;
  if (options.maxLen === undefined) {
    maxLen = 0;
    for (const s of checked) if (s.length > maxLen) maxLen = s.length;
  } else {
    maxLen = checkPositiveInteger(options.maxLen, "maxLen");
  }
  const batch = checked.length;
  const data = new Int32Array(batch * maxLen);
  if (value !== 0) data.fill(value);
  const lengths = new Int32Array(batch);
  for (let row = 0; row < batch; row++) {
    const s = checked[row] as ArrayLike<number>;
    const length = Math.min(s.length, maxLen);
    const from = truncating === "pre" ? s.length - length : 0;
    const to = row * maxLen + (padding === "pre" ? maxLen - length : 0);
    for (let k = 0; k < length; k++) data[to + k] = s[from + k] as number;
    lengths[row] = length;
  }
  return { data, shape: [batch, maxLen], lengths };
}
