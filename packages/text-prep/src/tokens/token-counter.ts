import { TokenIndex, type PackedCounts } from "./token-index";
import { checkOptions, describe, type OptionKeys } from "../check-args";
import { TOKENIZE_KEYS, compileTokenizer, type CompiledTokenizer, type TokenizeOptions } from "./tokenize";
import { countText } from "./count-text";
import { KeptIds, type KeptIdsPart } from "./kept-ids";
import { Vocabulary, type VocabularyOptions } from "./vocabulary";
import { TextPrepError } from "../text-prep-error";

/** Options of {@link TokenCounter}: how it tokenizes (see `tokenize`), and whether it keeps each text's token ids. */
export interface TokenCounterOptions extends TokenizeOptions {
  /**
   * Also keep, for every text counted (`addText`; in Node also `countTexts`
   * and `countInBackground` of `@recurrent/text-prep/node`; each `addTokens`
   * call counts as one text), the sequence of its tokens as ids into the
   * counter's first-seen table. Then `TokenTextEncoder.encodeCounted(counter)`
   * encodes all of them without tokenizing the texts again: count and encode
   * in one tokenization pass. Costs 4 bytes per token (48 MB for the 12
   * million tokens of IMDb).
   * @default false
   */
  keepIds?: boolean;
}

/**
 * What the rest of the package needs of a counter and no user should call:
 * `TokenTextEncoder.encodeCounted` reads the kept ids, and the worker-thread
 * counting of `@recurrent/text-prep/node` merges counts made elsewhere.
 * Counts are merged, never computed, here: no worker code in this class.
 * @internal
 */
export interface CounterAccess {
  /** The counter's compiled tokenizer (its options are sent to workers). */
  readonly tokenizer: CompiledTokenizer;
  /** Whether the counter keeps token ids (`keepIds`). */
  readonly keepIds: boolean;
  /**
   * The counter's tokens in first-seen order and its kept ids (null without
   * `keepIds`), for `method`.
   * @throws {TextPrepError} `INVALID_ARGUMENT` while a background count of the counter runs.
   */
  readKept(method: string): { tokens: readonly string[]; kept: KeptIds | null };
  /**
   * Adds the counts of `packed` (counted elsewhere, in corpus order after
   * what the counter holds) and, with `keepIds`, the part's kept ids,
   * translated to the counter's ids (the part's arrays are taken over).
   */
  mergePacked(packed: PackedCounts, part: KeptIdsPart | null): void;
  /** {@link CounterAccess.mergePacked} for an index counted in this thread (taken over as it is when the counter is empty). */
  mergeIndex(index: TokenIndex, kept: KeptIds | null): void;
  /**
   * Marks a background count of the counter as started (its kept ids are
   * refused until then); the returned function marks it finished or cancelled.
   */
  startBackground(): () => void;
}

const COUNTER_KEYS = { ...TOKENIZE_KEYS, keepIds: true } as const satisfies OptionKeys<TokenCounterOptions>;

// Set in TokenCounter's static block: the class's private members, for counterAccess.
let access: (counter: TokenCounter) => CounterAccess;

/** See {@link CounterAccess}. @internal */
export function counterAccess(counter: TokenCounter): CounterAccess {
  return access(counter);
}

/**
 * Counts tokens over a stream of texts or token lists, in first-seen order,
 * like Python's `collections.Counter`. Counting text with the default
 * tokenizer takes a fast path that allocates a string only for new tokens.
 *
 * @example
 * const counter = new TokenCounter({ stripHtml: true });
 * for (const text of ["Great<br />film", "great acting"]) counter.addText(text);
 * counter.distinctCount; // 4: "Great", "film", "great", "acting"
 * const vocab = counter.toVocabulary({ minCount: 2 });
 *
 * @example
 * // Count and encode in one tokenization pass: keep each text's token ids.
 * const counter = new TokenCounter({ keepIds: true });
 * for (const text of texts) counter.addText(text);
 * const encoder = new TokenTextEncoder(counter.toVocabulary({ minCount: 2 }));
 * const sequences = encoder.encodeCounted(counter); // === texts.map((t) => encoder.encode(t))
 */
export class TokenCounter {
  static {
    access = (counter) => ({
      tokenizer: counter.tokenizer,
      keepIds: counter.kept !== null,
      readKept: (method) => {
        counter.checkNotRunning(method);
        return { tokens: counter.index.tokens, kept: counter.kept };
      },
      mergePacked: (packed, part) => counter.mergePacked(packed, part),
      mergeIndex: (index, kept) => counter.mergeIndex(index, kept),
      startBackground: () => {
        counter.running++;
        return () => {
          counter.running--;
        };
      },
    });
  }

  private index = new TokenIndex();
  private readonly tokenizer: CompiledTokenizer;
  private kept: KeptIds | null;
  /** Background counts started and not yet finished or cancelled: their texts are not here yet. */
  private running = 0;
  /** The tokenizer options this counter uses. */
  readonly tokenizeOptions: Readonly<Required<TokenizeOptions>>;

  /**
   * @param options - How {@link TokenCounter.addText} tokenizes (see `tokenize`),
   *   and `keepIds` (see {@link TokenCounterOptions}).
   * @throws {TypeError} If an option has the wrong type, or `options` has an unknown key.
   */
  constructor(options: TokenCounterOptions = {}) {
    checkOptions(options, COUNTER_KEYS, "new TokenCounter");
    this.tokenizer = compileTokenizer(options);
    const keepIds = options.keepIds ?? false;
    if (typeof keepIds !== "boolean") throw new TypeError(`expected options.keepIds to be a boolean, got ${describe(keepIds)}`);
    this.kept = keepIds ? new KeptIds() : null;
    const { lowercase, stripHtml, reservedTokens } = this.tokenizer;
    this.tokenizeOptions = Object.freeze({ lowercase, stripHtml, reservedTokens });
  }

  /** Whether this counter keeps the token ids of every text it counts (the `keepIds` option). */
  get keepsIds(): boolean {
    return this.kept !== null;
  }

  /** Number of texts whose token ids are kept, in counting order (0 without `keepIds`). */
  get keptTextCount(): number {
    return this.kept === null ? 0 : this.kept.texts;
  }

  /**
   * The token ids kept for every text counted so far, in counting order: for
   * each text, its tokens as positions in this counter's first-seen order
   * (the order of {@link TokenCounter.entries}). To turn them into encoder
   * ids, use `TokenTextEncoder.encodeCounted(counter)`.
   *
   * @returns Shape `[texts][tokens]`: views into a few shared buffers (call
   *   `slice()` on one to own its memory). Counting more texts does not change them.
   * @throws {TextPrepError} `INVALID_ARGUMENT` if the counter was made without `keepIds: true`,
   *   or while a background count of it has not finished (its texts would be missing).
   *
   * @example
   * const counter = new TokenCounter({ keepIds: true });
   * counter.addText("b a b");
   * counter.keptTokenIds(); // [Int32Array [0, 1, 0]]: "b" was seen first
   */
  keptTokenIds(): Int32Array[] {
    const kept = this.kept;
    if (kept === null) {
      throw new TextPrepError("INVALID_ARGUMENT", "expected a TokenCounter made with { keepIds: true }, got one that does not keep token ids");
    }
    this.checkNotRunning("keptTokenIds");
    const out = new Array<Int32Array>(kept.texts);
    let text = 0;
    for (const { ids, ends } of kept.parts()) {
      let start = 0;
      for (let j = 0; j < ends.length; j++) {
        const end = ends[j] as number;
        out[text++] = ids.subarray(start, end);
        start = end;
      }
    }
    return out;
  }

  /**
   * Tokenizes `text` and counts its tokens.
   * @returns The number of tokens in `text`.
   * @throws {TypeError} If `text` is not a string.
   */
  addText(text: string): number {
    if (typeof text !== "string") throw new TypeError(`expected text to be a string, got ${describe(text)}`);
    return countText(this.index, this.tokenizer, text, 0, text.length, this.kept);
  }

  /** Kept ids are incomplete while a background count runs: refuse to hand them out. */
  private checkNotRunning(method: string): void {
    if (this.running > 0) {
      throw new TextPrepError(
        "INVALID_ARGUMENT",
        `expected ${method} after every background count of the counter has finished, got ${this.running} still running (await finish() or cancel() first)`,
      );
    }
  }

  /**
   * Adds the counts of `packed` (counted elsewhere, in corpus order after
   * what is here) and its kept ids, translated to this counter's ids.
   */
  private mergePacked(packed: PackedCounts, part: KeptIdsPart | null): void {
    const kept = this.kept;
    // Local id -> id here, filled by the merge (one entry per distinct token of
    // the part); none is needed into an empty index, whose ids become the part's.
    const identity = this.index.size === 0;
    const map = kept === null || part === null || identity ? null : new Int32Array(packed.lengths.length);
    this.index.merge(packed, map);
    if (kept !== null && part !== null) kept.append(part, map);
  }

  /** {@link TokenCounter.mergePacked} for an index counted in this thread: taken over as it is when this counter is empty. */
  private mergeIndex(index: TokenIndex, kept: KeptIds | null): void {
    if (this.index.size > 0) {
      this.mergePacked(index.pack(), kept === null ? null : kept.toPart());
      return;
    }
    // Empty here: the index's ids become this counter's ids as they are.
    this.index = index;
    if (this.kept !== null && kept !== null) this.kept.append(kept.toPart(), null);
  }

  /**
   * Counts already tokenized tokens. With `keepIds`, the call counts as one
   * text whose ids are the tokens' (what `TokenTextEncoder.encodeTokens` encodes).
   * @returns The number of tokens added.
   * @throws {TypeError} If a token is not a non-empty string.
   */
  addTokens(tokens: Iterable<string>): number {
    const list = [...tokens];
    // Checked before any is counted: a bad token leaves the counter unchanged.
    for (const token of list) {
      if (typeof token !== "string" || token.length === 0) {
        throw new TypeError(`expected tokens to be non-empty strings, got ${describe(token)}`);
      }
    }
    const kept = this.kept;
    if (kept === null) {
      for (const token of list) this.index.add(token);
    } else {
      kept.ids.reserve(list.length);
      for (const token of list) kept.ids.data[kept.ids.length++] = this.index.add(token);
      kept.endText();
    }
    return list.length;
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
   * @throws {TypeError} On a bad `order`, or an unknown key in `options`.
   */
  toVocabulary(options: VocabularyOptions = {}): Vocabulary {
    const n = this.index.size;
    const counts = new Array<number>(n);
    for (let id = 0; id < n; id++) counts[id] = this.index.countOf(id);
    return Vocabulary.fromTrustedCounts(this.index.tokens.slice(), counts, options, "TokenCounter.toVocabulary");
  }
}
