import { TokenIndex } from "./token-index";
import { compileTokenizer, type CompiledTokenizer, type TokenizeOptions } from "./tokenize";
import { Vocabulary, resolveVocabularyOptions, type VocabularyOptions } from "./vocabulary";

/**
 * Counts tokens over a stream of texts or token lists, in first-seen order,
 * like Python's `collections.Counter`. Counting text with the default
 * tokenizer takes a fast path that allocates a string only for new tokens.
 *
 * @example
 * const counter = new TokenCounter({ stripHtml: true });
 * for await (const review of readImdb(path)) counter.addText(review.text);
 * counter.distinctCount; // distinct tokens so far
 * const vocab = counter.toVocabulary({ minCount: 2 });
 */
export class TokenCounter {
  private readonly index = new TokenIndex();
  private readonly tokenizer: CompiledTokenizer;

  /**
   * @param options - How {@link TokenCounter.addText} tokenizes (see `tokenize`).
   * @throws {TypeError} If an option has the wrong type.
   */
  constructor(options: TokenizeOptions = {}) {
    this.tokenizer = compileTokenizer(options);
  }

  /**
   * Tokenizes `text` and counts its tokens.
   * @returns The number of tokens in `text`.
   * @throws {TypeError} If `text` is not a string.
   */
  addText(text: string): number {
    if (typeof text !== "string") throw new TypeError(`expected text to be a string, got ${typeof text}`);
    const prepare = this.tokenizer.prepare;
    if (prepare !== null) return this.index.countWords(prepare(text));
    let n = 0;
    this.tokenizer.forEachToken(text, (token) => {
      this.index.add(token);
      n++;
    });
    return n;
  }

  /**
   * Counts already tokenized tokens.
   * @returns The number of tokens added.
   * @throws {TypeError} If a token is not a non-empty string.
   */
  addTokens(tokens: Iterable<string>): number {
    let n = 0;
    for (const token of tokens) {
      if (typeof token !== "string" || token.length === 0) {
        throw new TypeError(`expected tokens to be non-empty strings, got ${typeof token === "string" ? '""' : typeof token}`);
      }
      this.index.add(token);
      n++;
    }
    return n;
  }

  /** Number of distinct tokens counted. */
  get distinctCount(): number {
    return this.index.size;
  }

  /** Number of tokens counted, repeats included. */
  get totalCount(): number {
    return this.index.totalCount;
  }

  /** How often `token` was counted (0 if never). */
  countOf(token: string): number {
    const id = this.index.idOf(token);
    return id < 0 ? 0 : this.index.countOf(id);
  }

  /** `[token, count]` pairs in first-seen order. */
  *entries(): IterableIterator<[string, number]> {
    const { tokens } = this.index;
    for (let id = 0; id < tokens.length; id++) yield [tokens[id] as string, this.index.countOf(id)];
  }

  /**
   * The counted tokens as a {@link Vocabulary}.
   * @param options - Order, minimum count, maximum size.
   * @throws {RangeError} On bad `minCount` / `maxSize`.
   */
  toVocabulary(options: VocabularyOptions = {}): Vocabulary {
    resolveVocabularyOptions(options);
    return Vocabulary.fromCounts(this.entries(), options);
  }
}
