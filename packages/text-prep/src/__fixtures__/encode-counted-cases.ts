import fc from "fast-check";
import { expect } from "vitest";
import { TokenTextEncoder, type TokenCounter } from "../index";

// What the encodeCounted tests share (src/encoders/token-text-encoder.test.ts
// counts in one thread, src/node/parallel/encode-texts.test.ts with the
// worker-thread counting of the node entry).

/**
 * Units of random texts: the scanner's hard cases (astral letters, a lone
 * surrogate, U+0301, "İ" which lower-cases to two code units, HTML tags,
 * reserved tokens).
 */
export const unit = fc.constantFrom("a", "b", "B", "_", "7", " ", ".", "é", "ж", "İ", "\u0301", "𝒳", "😀", "\ud800", "<br />", "<unk>", "<", "C++");
/** Random corpora, texts without any token included. */
export const corpus = fc.array(fc.string({ unit, maxLength: 30 }), { minLength: 0, maxLength: 40 });
/** Every tokenizer option. */
export const optionsArb = fc.record(
  { lowercase: fc.boolean(), stripHtml: fc.boolean(), reservedTokens: fc.constantFrom([], ["<unk>"], ["<", "a"], ["C++", "<unk>"]) },
  { requiredKeys: [] },
);
export type Options = { lowercase?: boolean; stripHtml?: boolean; reservedTokens?: readonly string[] };

/** The encoder's vocabulary: from the counter with any order / minCount / maxSize, or any list of tokens. */
export type VocabularyChoice =
  | { kind: "counter"; order: "first-seen" | "frequency"; minCount: number; maxSize: number }
  | { kind: "list"; tokens: string[] };
// A list holds some tokens the counter never saw, some it did, in any order.
export const vocabularyArb: fc.Arbitrary<VocabularyChoice> = fc.oneof(
  fc.record({
    kind: fc.constant("counter" as const),
    order: fc.constantFrom("first-seen" as const, "frequency" as const),
    minCount: fc.integer({ min: 1, max: 3 }),
    maxSize: fc.oneof(fc.integer({ min: 0, max: 12 }), fc.constant(Number.POSITIVE_INFINITY)),
  }),
  fc.record({
    kind: fc.constant("list" as const),
    tokens: fc.uniqueArray(fc.constantFrom("a", "b", "B", "bb", "_", "7", "é", "ж", "i̇", "İ", "𝒳", "<unk>", "C++", "zz"), { maxLength: 10 }),
  }),
);

/** An encoder for `choice`, its options `options` as an equal set in another order (order must not matter). */
export function encoderFor(counter: TokenCounter, choice: VocabularyChoice, options: Options): TokenTextEncoder {
  const same = { ...options, reservedTokens: [...(options.reservedTokens ?? [])].reverse() };
  if (choice.kind === "list") return new TokenTextEncoder(choice.tokens, same);
  const { order, minCount, maxSize } = choice;
  return new TokenTextEncoder(counter.toVocabulary({ order, minCount, maxSize }), same);
}

/** Checks that `actual` (from encodeCounted) is exactly `texts.map((t) => e.encode(t))`, naming the first text that differs. */
export function expectSameIds(actual: Int32Array[], texts: readonly string[], e: TokenTextEncoder): void {
  expect(actual.length).toBe(texts.length);
  actual.forEach((ids, j) => {
    expect(ids).toBeInstanceOf(Int32Array);
    const expected = e.encode(texts[j] as string);
    if (ids.length !== expected.length || ids.some((id, i) => id !== expected[i])) {
      throw new Error(`text ${j} ${JSON.stringify(texts[j])}: encodeCounted gave [${[...ids]}], encode [${[...expected]}]`);
    }
  });
}
