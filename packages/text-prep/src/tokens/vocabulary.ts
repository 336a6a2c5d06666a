import { checkOptions, describe, type OptionKeys } from "../check-args";

/** Order of the tokens in a {@link Vocabulary}. */
export type VocabularyOrder = "first-seen" | "frequency";

/** Options of {@link Vocabulary.fromCounts}, {@link buildVocabulary} and `TokenCounter.toVocabulary`. */
export interface VocabularyOptions {
  /**
   * `"first-seen"`: tokens in the order they first appeared (what tfds
   * `TokenTextEncoder` does when given the chapter's `Counter`).
   * `"frequency"`: most frequent first; ties keep first-seen order (like the
   * Keras `Tokenizer`), so the result is deterministic for a given input order.
   * @default "first-seen"
   */
  order?: VocabularyOrder;
  /**
   * Keep only tokens seen at least this many times.
   * @default 1
   */
  minCount?: number;
  /**
   * Keep at most this many tokens: the most frequent ones (ties: first seen),
   * then arranged in `order`.
   * @default Infinity
   */
  maxSize?: number;
}

interface ResolvedOptions {
  order: VocabularyOrder;
  minCount: number;
  maxSize: number;
}

const VOCABULARY_KEYS = { order: true, minCount: true, maxSize: true } as const satisfies OptionKeys<VocabularyOptions>;

/** Checks {@link VocabularyOptions} (`owner` takes them: named in messages). @internal */
export function resolveVocabularyOptions(options: VocabularyOptions = {}, owner = "Vocabulary.fromCounts"): ResolvedOptions {
  checkOptions(options, VOCABULARY_KEYS, owner);
  const order = options.order ?? "first-seen";
  if (order !== "first-seen" && order !== "frequency") {
    throw new TypeError(`expected order to be "first-seen" or "frequency", got ${describe(order)}`);
  }
  const minCount = options.minCount ?? 1;
  if (typeof minCount !== "number" || !Number.isInteger(minCount) || minCount < 1) {
    throw new RangeError(`expected minCount to be an integer >= 1, got ${describe(minCount)}`);
  }
  const maxSize = options.maxSize ?? Number.POSITIVE_INFINITY;
  if (typeof maxSize !== "number" || !(maxSize === Number.POSITIVE_INFINITY || Number.isInteger(maxSize)) || maxSize < 0) {
    throw new RangeError(`expected maxSize to be an integer >= 0 or Infinity, got ${describe(maxSize)}`);
  }
  return { order, minCount, maxSize };
}

/**
 * An ordered list of distinct tokens with their counts. Position `i` is the
 * token's rank; {@link TokenTextEncoder} gives it id `i + 1`.
 *
 * Build one with {@link buildVocabulary}, a `TokenCounter`, or
 * {@link Vocabulary.fromCounts}.
 *
 * @example
 * const vocab = Vocabulary.fromCounts([["the", 3], ["cat", 1], ["sat", 1]], { order: "frequency" });
 * vocab.tokens;          // ["the", "cat", "sat"]
 * vocab.indexOf("cat");  // 1
 * vocab.countOf("the");  // 3
 */
export class Vocabulary {
  /** The tokens, in vocabulary order. */
  readonly tokens: readonly string[];
  /** `counts[i]` is how often `tokens[i]` was seen. */
  readonly counts: readonly number[];
  // Token -> position; built on first use for a vocabulary made by `trusted`.
  private positionsMap: Map<string, number> | null;

  /**
   * @param tokens - Distinct, non-empty tokens in vocabulary order.
   * @param counts - One count per token (integers >= 0); defaults to all 1s when unknown.
   * @throws {TypeError} If a token is not a non-empty string, a token repeats, or the lengths differ.
   */
  constructor(tokens: readonly string[], counts?: readonly number[]) {
    if (!Array.isArray(tokens)) throw new TypeError(`expected tokens to be an array of strings, got ${describe(tokens)}`);
    const positions = new Map<string, number>();
    tokens.forEach((token: unknown, i) => {
      if (typeof token !== "string" || token.length === 0) {
        throw new TypeError(`expected tokens[${i}] to be a non-empty string, got ${describe(token)}`);
      }
      const previous = positions.get(token);
      if (previous !== undefined) {
        throw new TypeError(`expected distinct tokens, got ${JSON.stringify(token)} at ${previous} and ${i}`);
      }
      positions.set(token, i);
    });
    let resolved: number[];
    if (counts === undefined) {
      resolved = new Array<number>(tokens.length).fill(1);
    } else {
      if (!Array.isArray(counts) || counts.length !== tokens.length) {
        throw new TypeError(
          `expected one count per token (${tokens.length}), got ${Array.isArray(counts) ? counts.length : describe(counts)}`,
        );
      }
      counts.forEach((c: unknown, i) => {
        if (typeof c !== "number" || !Number.isInteger(c) || c < 0) {
          throw new TypeError(`expected counts[${i}] to be an integer >= 0, got ${String(c)}`);
        }
      });
      resolved = [...counts];
    }
    this.tokens = Object.freeze([...tokens]);
    this.counts = Object.freeze(resolved);
    this.positionsMap = positions;
  }

  /**
   * A vocabulary of tokens known to be distinct, non-empty strings with
   * integer counts >= 0 (a `TokenCounter`'s): no checks, no copies. @internal
   */
  static trusted(tokens: string[], counts: number[]): Vocabulary {
    const vocabulary = Object.create(Vocabulary.prototype) as Vocabulary;
    const fields = vocabulary as unknown as { tokens: readonly string[]; counts: readonly number[]; positionsMap: Map<string, number> | null };
    fields.tokens = Object.freeze(tokens);
    fields.counts = Object.freeze(counts);
    fields.positionsMap = null;
    return vocabulary;
  }

  private get positions(): Map<string, number> {
    if (this.positionsMap === null) {
      const positions = new Map<string, number>();
      this.tokens.forEach((token, i) => positions.set(token, i));
      this.positionsMap = positions;
    }
    return this.positionsMap;
  }

  /**
   * Builds a vocabulary from `[token, count]` pairs given in first-seen order
   * (a `Map` keeps insertion order, as Python's `Counter` does).
   *
   * @param counts - `[token, count]` pairs or a `Map`; tokens must be distinct.
   * @param options - Order, minimum count, maximum size.
   * @throws {TypeError} On repeated tokens or counts that are not integers >= 0.
   * @throws {RangeError} On bad `minCount` / `maxSize`.
   * @throws {TypeError} On a bad `order`, or an unknown key in `options`.
   * @example
   * Vocabulary.fromCounts(new Map([["b", 1], ["a", 2]])).tokens; // ["b", "a"]
   */
  static fromCounts(
    counts: Iterable<readonly [string, number]> | ReadonlyMap<string, number>,
    options: VocabularyOptions = {},
  ): Vocabulary {
    const resolved = resolveVocabularyOptions(options);
    const tokens: string[] = [];
    const values: number[] = [];
    for (const [token, count] of counts) {
      tokens.push(token);
      values.push(count);
    }
    // Validates tokens and counts (distinct, integers) before selection.
    return select(new Vocabulary(tokens, values), tokens, values, resolved, false);
  }

  /** {@link Vocabulary.fromCounts} for a `TokenCounter`'s counts (distinct tokens, integer counts): no checks. @internal */
  static fromTrustedCounts(tokens: string[], values: number[], options: VocabularyOptions = {}, owner?: string): Vocabulary {
    const resolved = resolveVocabularyOptions(options, owner);
    return select(Vocabulary.trusted(tokens, values), tokens, values, resolved, true);
  }

  /** Number of tokens. */
  get size(): number {
    return this.tokens.length;
  }

  /** Position of `token` (0-based), or -1 if absent. */
  indexOf(token: string): number {
    return this.positions.get(token) ?? -1;
  }

  /** Whether `token` is in the vocabulary. */
  has(token: string): boolean {
    return this.positions.has(token);
  }

  /** How often `token` was seen; 0 if absent. */
  countOf(token: string): number {
    const i = this.positions.get(token);
    return i === undefined ? 0 : (this.counts[i] as number);
  }

  /** Sum of all counts. */
  get totalCount(): number {
    let total = 0;
    for (const c of this.counts) total += c;
    return total;
  }
}

/** Applies `minCount`, `maxSize` and `order` to `all` (`tokens` / `values` in first-seen order). */
function select(all: Vocabulary, tokens: string[], values: number[], options: ResolvedOptions, trusted: boolean): Vocabulary {
  const { order, minCount, maxSize } = options;
  let kept: number[] = [];
  for (let i = 0; i < tokens.length; i++) if ((values[i] as number) >= minCount) kept.push(i);
  const byFrequency = (a: number, b: number): number => (values[b] as number) - (values[a] as number) || a - b;
  if (kept.length > maxSize) {
    kept = [...kept].sort(byFrequency).slice(0, maxSize);
    if (order === "first-seen") kept.sort((a, b) => a - b);
  } else if (order === "frequency") {
    kept.sort(byFrequency);
  }
  if (kept.length === tokens.length && order === "first-seen") return all;
  const keptTokens = kept.map((i) => tokens[i] as string);
  const keptValues = kept.map((i) => values[i] as number);
  return trusted ? Vocabulary.trusted(keptTokens, keptValues) : new Vocabulary(keptTokens, keptValues);
}
