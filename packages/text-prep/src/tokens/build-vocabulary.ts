import { TokenCounter } from "./token-counter";
import { describe } from "../check-args";
import { resolveVocabularyOptions, type Vocabulary, type VocabularyOptions } from "./vocabulary";

/**
 * Builds a {@link Vocabulary} from token sequences (one array of tokens per
 * text), counting every token. Pass an async iterable to get a promise.
 *
 * @param sequences - Token sequences, e.g. `texts.map((t) => tokenize(t))`.
 * @param options - Order (`"first-seen"` by default, or `"frequency"`), `minCount`, `maxSize`.
 * @throws {TypeError} If a token is not a non-empty string, on a bad `order`, or an unknown key in `options`
 *   (options are checked before anything is counted).
 * @throws {RangeError} On bad `minCount` / `maxSize`.
 *
 * @example
 * const vocab = buildVocabulary([["a", "b"], ["b", "c"]], { order: "frequency" });
 * vocab.tokens; // ["b", "a", "c"]
 */
export function buildVocabulary(sequences: Iterable<Iterable<string>>, options?: VocabularyOptions): Vocabulary;
export function buildVocabulary(
  sequences: AsyncIterable<Iterable<string>>,
  options?: VocabularyOptions,
): Promise<Vocabulary>;
export function buildVocabulary(
  sequences: Iterable<Iterable<string>> | AsyncIterable<Iterable<string>>,
  options: VocabularyOptions = {},
): Vocabulary | Promise<Vocabulary> {
  resolveVocabularyOptions(options, "buildVocabulary"); // before counting: a typo fails at once
  const counter = new TokenCounter();
  if (sequences !== null && typeof sequences === "object" && Symbol.asyncIterator in sequences) {
    return (async () => {
      for await (const tokens of sequences) counter.addTokens(tokens);
      return counter.toVocabulary(options);
    })();
  }
  if (sequences === null || typeof sequences !== "object" || !(Symbol.iterator in sequences)) {
    throw new TypeError(`expected sequences to be an iterable of token arrays, got ${describe(sequences)}`);
  }
  for (const tokens of sequences) counter.addTokens(tokens);
  return counter.toVocabulary(options);
}
