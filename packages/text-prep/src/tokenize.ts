/** Options of {@link tokenize}. */
export interface TokenizeOptions {
  /**
   * Lower-case the text before splitting.
   * @default false
   */
  lowercase?: boolean;
}

// Python's `\W+` with re.UNICODE: anything that is not a Unicode letter,
// a Unicode number or `_`.
const SEPARATORS = /[^\p{L}\p{N}_]+/u;

/**
 * Splits text into tokens the way the tfds `Tokenizer` used by the chapter
 * does: on runs of characters that are not Unicode letters, numbers or `_`,
 * dropping empty strings and keeping case.
 *
 * @example
 * tokenize("Don't panic: café 3.14 foo_bar <br />x")
 * // ["Don", "t", "panic", "café", "3", "14", "foo_bar", "br", "x"]
 */
export function tokenize(text: string, options: TokenizeOptions = {}): string[] {
  if (typeof text !== "string") {
    throw new TypeError(`expected text to be a string, got ${typeof text}`);
  }
  const source = options.lowercase === true ? text.toLowerCase() : text;
  return source.split(SEPARATORS).filter((token) => token.length > 0);
}
