import { describe } from "../check-args";
import { badField, checkFormat } from "./json-format";

const FORMAT = "@recurrent/text-prep:CharEncoder";
const VERSION = 1;

/** What {@link CharEncoder.toJSON} returns (format version 1). */
export interface CharEncoderJson {
  format: typeof FORMAT;
  version: typeof VERSION;
  /** The characters, id = position. */
  chars: string[];
}

function describeChar(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  return `${JSON.stringify(ch)} (U+${cp.toString(16).toUpperCase().padStart(4, "0")})`;
}

/**
 * Characters to integer ids and back, as in the chapter's character-level
 * language model: the alphabet is the sorted set of characters of a text
 * (`sorted(set(text))` in Python, so sorted by code point), and id `i` is the
 * i-th character. A character is a Unicode code point (an emoji is one
 * character, as in Python).
 *
 * @example
 * const encoder = CharEncoder.fromText("The island and the islanders");
 * encoder.size;                              // 12 distinct characters
 * const ids = encoder.encode("The island");  // Int32Array
 * encoder.decode(ids);                       // "The island"
 * // In Node: readTextFile, saveEncoder and loadCharEncoder of "@recurrent/text-prep/node".
 */
export class CharEncoder {
  /** The alphabet; `chars[id]` is the character with that id. */
  readonly chars: readonly string[];
  private readonly bmp = new Int32Array(0x10000).fill(-1);
  private readonly astral = new Map<number, number>();

  /**
   * @param chars - Distinct single characters (code points), id = position.
   * @throws {TypeError} If an entry is not exactly one code point, or repeats.
   */
  constructor(chars: readonly string[]) {
    if (!Array.isArray(chars)) throw new TypeError(`expected chars to be an array of characters, got ${describe(chars)}`);
    chars.forEach((ch: unknown, id) => {
      if (typeof ch !== "string" || ch.length === 0 || [...ch].length !== 1) {
        throw new TypeError(`expected chars[${id}] to be one character, got ${describe(ch)}`);
      }
      const cp = ch.codePointAt(0) as number;
      const previous = cp < 0x10000 ? (this.bmp[cp] as number) : (this.astral.get(cp) ?? -1);
      if (previous >= 0) throw new TypeError(`expected distinct characters, got ${describeChar(ch)} at ${previous} and ${id}`);
      if (cp < 0x10000) this.bmp[cp] = id;
      else this.astral.set(cp, id);
    });
    this.chars = Object.freeze([...chars]);
  }

  /**
   * The sorted set of the characters of `text` (by code point, like Python's `sorted(set(text))`).
   * @throws {TypeError} If `text` is not a string.
   * @example
   * CharEncoder.fromText("banana").chars; // ["a", "b", "n"]
   */
  static fromText(text: string): CharEncoder {
    if (typeof text !== "string") throw new TypeError(`expected text to be a string, got ${describe(text)}`);
    const seen = new Set<number>();
    for (let i = 0; i < text.length; i++) {
      const cp = text.codePointAt(i) as number;
      seen.add(cp);
      if (cp > 0xffff) i++;
    }
    return new CharEncoder([...seen].sort((a, b) => a - b).map((cp) => String.fromCodePoint(cp)));
  }

  /** Number of distinct characters (the output size of the language model). */
  get size(): number {
    return this.chars.length;
  }

  /**
   * Text to ids, one per character.
   * @returns Shape `[characters]`, ids in `[0, size)`.
   * @throws {TypeError} If `text` is not a string.
   * @throws {RangeError} On a character outside the alphabet, naming it and its position.
   */
  encode(text: string): Int32Array {
    if (typeof text !== "string") throw new TypeError(`expected text to be a string, got ${describe(text)}`);
    const out = new Int32Array(text.length);
    let n = 0;
    for (let i = 0; i < text.length; i++) {
      const unit = text.charCodeAt(i);
      let id: number;
      if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
        const cp = text.codePointAt(i) as number;
        if (cp > 0xffff) {
          id = this.astral.get(cp) ?? -1;
          if (id < 0) throw this.unknown(String.fromCodePoint(cp), n);
          i++;
          out[n++] = id;
          continue;
        }
      }
      id = this.bmp[unit] as number;
      if (id < 0) throw this.unknown(String.fromCharCode(unit), n);
      out[n++] = id;
    }
    return n === out.length ? out : out.slice(0, n);
  }

  private unknown(ch: string, position: number): RangeError {
    return new RangeError(`expected characters of the encoder's ${this.size}-character alphabet, got ${describeChar(ch)} at character ${position}`);
  }

  /**
   * Ids to text.
   * @param ids - Shape `[length]`, integers in `[0, size)`.
   * @throws {RangeError} On an id out of range, naming its index.
   */
  decode(ids: ArrayLike<number>): string {
    const parts: string[] = new Array<string>(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as number;
      const ch = Number.isInteger(id) ? this.chars[id] : undefined;
      if (ch === undefined) throw new RangeError(`expected ids[${i}] to be an integer in [0, ${this.size}), got ${String(id)}`);
      parts[i] = ch;
    }
    return parts.join("");
  }

  /** A plain object (format version 1) that {@link CharEncoder.fromJSON} reads back. */
  toJSON(): CharEncoderJson {
    return { format: FORMAT, version: VERSION, chars: [...this.chars] };
  }

  /**
   * Rebuilds an encoder from {@link CharEncoder.toJSON} output.
   * @param file - Named in error messages, if the object came from a file.
   * @throws {TextPrepError} `MALFORMED_FILE` for a wrong shape, `UNSUPPORTED_VERSION` for another format version.
   */
  static fromJSON(json: unknown, file?: string): CharEncoder {
    const record = checkFormat(json, FORMAT, VERSION, file);
    const chars = record["chars"];
    if (!Array.isArray(chars) || !chars.every((c) => typeof c === "string" && [...c].length === 1)) {
      throw badField(file, "chars", "an array of single characters", chars);
    }
    if (new Set(chars).size !== chars.length) throw badField(file, "chars", "distinct characters", "repeated characters");
    return new CharEncoder(chars as string[]);
  }
}
