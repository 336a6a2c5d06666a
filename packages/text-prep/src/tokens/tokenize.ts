import { checkOptions, describe, type OptionKeys } from "../check-args";

/** Options of {@link tokenize} (and of every encoder that tokenizes). */
export interface TokenizeOptions {
  /**
   * Lower-case the text before splitting (reserved tokens are left as they are).
   * @default false
   */
  lowercase?: boolean;
  /**
   * Replace HTML tags (`<br />`, `<i>`, `</a>`: anything from `<` to the next `>`)
   * with a space before splitting. IMDb reviews contain `<br />`, which would
   * otherwise produce the token `br`.
   * @default false
   */
  stripHtml?: boolean;
  /**
   * Tokens kept whole wherever they occur in the text, even if they contain
   * non-word characters (`"<unk>"`, `"C++"`). Longer tokens win over shorter
   * ones that start at the same position; matching is case-sensitive.
   * @default []
   */
  reservedTokens?: readonly string[];
}

// Python's `\w` with re.UNICODE is `str.isalnum() or '_'`. Over all of Unicode 14
// (Python 3.11's database) that is exactly `[\p{L}\p{N}_]`: checked code point by
// code point against `re.match(r'\w', chr(c))`; the only differences are code
// points that Unicode 14 had not yet assigned. Combining marks (U+0301) are not
// word characters in either.
const WORD_CHAR = /^[\p{L}\p{N}_]$/u;
/** @internal */
export const UNKNOWN = 0;
/** @internal */
export const WORD = 1;
/** @internal */
export const SEPARATOR = 2;

// Class of every UTF-16 code unit, filled on first sight: ASCII up front,
// the rest lazily (a review uses a few dozen distinct non-ASCII characters).
/** @internal */
export const unitClass = new Uint8Array(0x10000);
for (let c = 0; c < 0x80; c++) {
  const isWord = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
  unitClass[c] = isWord ? WORD : SEPARATOR;
}
const astralClass = new Map<number, boolean>();

/** Classifies (and caches) a BMP code unit that is not a surrogate. @internal */
export function classifyUnit(code: number): number {
  const cls = WORD_CHAR.test(String.fromCharCode(code)) ? WORD : SEPARATOR;
  unitClass[code] = cls;
  return cls;
}

/**
 * Class of the surrogate at `text[i]`: `WORD` or `SEPARATOR` in the low two
 * bits, the width in code units (1 or 2) above them. @internal
 */
export function surrogateClass(text: string, i: number): number {
  const code = text.charCodeAt(i);
  if (code <= 0xdbff && i + 1 < text.length) {
    const low = text.charCodeAt(i + 1);
    if (low >= 0xdc00 && low <= 0xdfff) {
      return (isAstralWord(((code - 0xd800) << 10) + (low - 0xdc00) + 0x10000) ? WORD : SEPARATOR) | (2 << 2);
    }
  }
  return SEPARATOR | (1 << 2); // lone surrogate: not a word character in Python either
}

function isAstralWord(codePoint: number): boolean {
  let cls = astralClass.get(codePoint);
  if (cls === undefined) {
    cls = WORD_CHAR.test(String.fromCodePoint(codePoint));
    astralClass.set(codePoint, cls);
  }
  return cls;
}

/** @internal */
export const FNV_OFFSET = 0x811c9dc5 | 0;
/** @internal */
export const FNV_PRIME = 16777619;

/** FNV-1a hash of a string's UTF-16 code units, as computed while scanning in `TokenIndex`. @internal */
export function hashToken(token: string): number {
  let hash = FNV_OFFSET;
  for (let i = 0; i < token.length; i++) hash = Math.imul(hash ^ token.charCodeAt(i), FNV_PRIME);
  return hash;
}

/**
 * Appends every maximal run of word characters in `text` to `out`, in order.
 * The same scan as `TokenIndex.countWords`, without hashing: the fast
 * path of `tokenize`.
 * @internal
 */
export function pushWords(text: string, out: string[]): void {
  const n = text.length;
  let start = -1;
  let i = 0;
  while (i < n) {
    const code = text.charCodeAt(i);
    let cls = unitClass[code] as number;
    let width = 1;
    if (cls === UNKNOWN) {
      if (code >= 0xd800 && code <= 0xdfff) {
        const packed = surrogateClass(text, i);
        cls = packed & 3;
        width = packed >> 2;
      } else {
        cls = classifyUnit(code);
      }
    }
    if (cls === WORD) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      out.push(text.slice(start, i));
      start = -1;
    }
    i += width;
  }
  if (start >= 0) out.push(text.slice(start, n));
}

/** Calls `onToken` for every maximal run of word characters in `text`, in order. @internal */
export function forEachWord(text: string, onToken: (token: string) => void): void {
  const tokens: string[] = [];
  pushWords(text, tokens);
  for (const token of tokens) onToken(token);
}

/** The keys of {@link TokenizeOptions}, for the option checks of `tokenize` and the classes that tokenize. @internal */
export const TOKENIZE_KEYS = { lowercase: true, stripHtml: true, reservedTokens: true } as const satisfies OptionKeys<TokenizeOptions>;

const HTML_TAG = /<[^>]*>/g;
const DEFAULTS: TokenizeOptions = Object.freeze({});

// Options that select the plain tokenizer; anything else goes through
// compileTokenizer, which also validates.
function isPlainOptions(options: TokenizeOptions): boolean {
  return (
    options !== null &&
    typeof options === "object" &&
    (options.lowercase === undefined || options.lowercase === false) &&
    (options.stripHtml === undefined || options.stripHtml === false)
  );
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Validated, compiled tokenizer options. @internal */
export interface CompiledTokenizer {
  readonly lowercase: boolean;
  readonly stripHtml: boolean;
  readonly reservedTokens: readonly string[];
  /** Calls `onToken` for every token of `text` under these options. */
  forEachToken(text: string, onToken: (token: string) => void): void;
  /**
   * The whole-text part of the options (HTML stripping, lower-casing), or
   * `null` when reserved tokens are set (they must be cut out first). After
   * it, the default split gives the tokens.
   */
  readonly prepare: ((text: string) => string) | null;
}

/** Checks {@link TokenizeOptions} and returns a reusable tokenizer. @internal */
export function compileTokenizer(options: TokenizeOptions = {}, where = "options"): CompiledTokenizer {
  if (options === null || typeof options !== "object") {
    throw new TypeError(`expected ${where} to be an object, got ${describe(options)}`);
  }
  const lowercase = checkBoolean(options.lowercase, `${where}.lowercase`);
  const stripHtml = checkBoolean(options.stripHtml, `${where}.stripHtml`);
  const reserved = options.reservedTokens ?? [];
  if (!Array.isArray(reserved)) {
    throw new TypeError(`expected ${where}.reservedTokens to be an array of strings, got ${describe(reserved)}`);
  }
  reserved.forEach((token: unknown, i: number) => {
    if (typeof token !== "string" || token.length === 0) {
      throw new TypeError(
        `expected ${where}.reservedTokens[${i}] to be a non-empty string, got ${describe(token)}`,
      );
    }
  });
  const reservedTokens: readonly string[] = [...new Set(reserved as string[])];
  const reservedPattern =
    reservedTokens.length === 0
      ? null
      : new RegExp(
          `(${[...reservedTokens].sort((a, b) => b.length - a.length).map(escapeRegExp).join("|")})`,
          "u",
        );

  const transform = (text: string): string => {
    let source = text;
    if (stripHtml) source = source.replace(HTML_TAG, " ");
    if (lowercase) source = source.toLowerCase();
    return source;
  };
  const plain = (text: string, onToken: (token: string) => void): void => {
    forEachWord(transform(text), onToken);
  };

  const forEachToken =
    reservedPattern === null
      ? plain
      : (text: string, onToken: (token: string) => void): void => {
          // split() with one capture group alternates plain text and reserved tokens.
          const parts = text.split(reservedPattern);
          for (let i = 0; i < parts.length; i++) {
            const part = parts[i] as string;
            if (i % 2 === 1) onToken(part);
            else if (part.length > 0) plain(part, onToken);
          }
        };

  return { lowercase, stripHtml, reservedTokens, forEachToken, prepare: reservedPattern === null ? transform : null };
}

/**
 * Whether two tokenizers split every text into the same tokens: same
 * `lowercase`, same `stripHtml`, same set of reserved tokens (their order
 * does not matter: longer ones win, and two distinct tokens of one length
 * cannot both match at one position). @internal
 */
export function sameTokenizer(a: CompiledTokenizer, b: CompiledTokenizer): boolean {
  if (a.lowercase !== b.lowercase || a.stripHtml !== b.stripHtml) return false;
  if (a.reservedTokens.length !== b.reservedTokens.length) return false;
  const reserved = new Set(a.reservedTokens);
  return b.reservedTokens.every((token) => reserved.has(token));
}

/** A tokenizer's options as text for error messages: `{ lowercase: true, stripHtml: false, reservedTokens: ["<unk>"] }`. @internal */
export function describeTokenizer(t: CompiledTokenizer): string {
  return `{ lowercase: ${t.lowercase}, stripHtml: ${t.stripHtml}, reservedTokens: ${JSON.stringify(t.reservedTokens)} }`;
}

function checkBoolean(value: unknown, name: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== "boolean") throw new TypeError(`expected ${name} to be a boolean, got ${describe(value)}`);
  return value;
}

/**
 * Splits text into tokens the way the tfds `Tokenizer` used by the chapter
 * does: on runs of characters that are not Unicode letters, Unicode numbers or
 * `_` (Python's `re.split(r'\W+', text)` with empty strings dropped), keeping case.
 *
 * Characters are Unicode code points, as in Python: an emoji or a letter
 * outside the Basic Multilingual Plane is one character, not two UTF-16 units.
 *
 * @param text - The text to split.
 * @param options - Lower-casing, HTML tag stripping, reserved tokens.
 * @returns The tokens, in order. Empty for text without word characters.
 * @throws {TypeError} If `text` is not a string, an option has the wrong type, or `options` has a key
 *   other than `lowercase`, `stripHtml`, `reservedTokens`.
 *
 * @example
 * tokenize("Don't panic: café 3.14 foo_bar <br />x")
 * // ["Don", "t", "panic", "café", "3", "14", "foo_bar", "br", "x"]
 *
 * @example
 * tokenize("Great<br /><br />FILM", { stripHtml: true, lowercase: true })
 * // ["great", "film"]
 *
 * @example
 * tokenize("a <unk> b", { reservedTokens: ["<unk>"] })
 * // ["a", "<unk>", "b"]
 */
export function tokenize(text: string, options: TokenizeOptions = DEFAULTS): string[] {
  if (typeof text !== "string") {
    throw new TypeError(`expected text to be a string, got ${describe(text)}`);
  }
  if (options !== DEFAULTS) checkOptions(options, TOKENIZE_KEYS, "tokenize");
  const tokens: string[] = [];
  if (isPlainOptions(options) && options.reservedTokens === undefined) {
    pushWords(text, tokens);
    return tokens;
  }
  compileTokenizer(options).forEachToken(text, (token) => {
    tokens.push(token);
  });
  return tokens;
}
