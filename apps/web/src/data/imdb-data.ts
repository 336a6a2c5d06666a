import {
  bucketedBatches,
  buildVocabulary,
  keepLast,
  paddedBatches,
  shuffle,
  tokenize,
  TokenTextEncoder,
  type PaddedBatch,
  type PaddedBatches,
} from "@recurrent/text-prep";
import type { LabeledReview } from "./imdb-archive";

// The same data rules as apps/imdb-sentiment/src/imdb-data.ts (the CLI), so that a model trained here and one
// trained by `imdb-sentiment train` with the same seed and limit see the same reviews, vocabulary and batches
// (src/data/imdb-data.test.ts checks the vocabulary against a bundle the CLI wrote).

/** A review with its label, as trained on. */
export interface LabeledText {
  text: string;
  label: 0 | 1;
}

/** The chapter's three splits. */
export interface ImdbSplits {
  train: LabeledText[];
  validation: LabeledText[];
  test: LabeledText[];
  /** Reviews read (before `limit`). */
  total: number;
}

/**
 * Orders the reviews by path (so the official archive, ours and an extracted folder give one order), shuffles
 * them with `seed`, keeps the first `limit` when given, and splits them as the chapter does: 25,000 for test,
 * 20,000 for training, the rest for validation; with a limit, 50 / 40 / 10 %.
 *
 * @throws {RangeError} when `limit` is not a positive integer or exceeds the reviews read.
 */
export function splitReviews(reviews: readonly LabeledReview[], options: { seed: number; limit: number | null }): ImdbSplits {
  const { seed, limit } = options;
  if (limit !== null && !(Number.isInteger(limit) && limit >= 10)) throw new RangeError(`expected limit to be an integer >= 10, got ${limit}`);
  if (limit !== null && limit > reviews.length) throw new RangeError(`expected limit <= the ${reviews.length} reviews read, got ${limit}`);
  const sorted = [...reviews].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  let shuffled = shuffle(sorted, seed);
  if (limit !== null) shuffled = shuffled.slice(0, limit);
  const n = shuffled.length;
  const full = limit === null && n > 45_000;
  const testSize = full ? 25_000 : Math.round(n / 2);
  const trainSize = full ? 20_000 : Math.round(n * 0.4);
  const strip = (r: LabeledReview): LabeledText => ({ text: r.text, label: r.label });
  return {
    test: shuffled.slice(0, testSize).map(strip),
    train: shuffled.slice(testSize, testSize + trainSize).map(strip),
    validation: shuffled.slice(testSize + trainSize).map(strip),
    total: reviews.length,
  };
}

/** The chapter's encoder: tfds tokenizer, vocabulary of the training reviews in first-seen order. */
export function buildEncoder(train: readonly LabeledText[]): TokenTextEncoder {
  return new TokenTextEncoder(buildVocabulary(train.map((r) => tokenize(r.text)), { order: "first-seen" }));
}

/** Encoded reviews and their labels. */
export interface EncodedSplit {
  sequences: Int32Array[];
  labels: Float32Array;
  tokens: number;
}

/** One review's ids as the CLI's `predict` and training encode it (an empty review becomes one unknown id). */
export function encodeReview(encoder: TokenTextEncoder, text: string, maxTokens: number | null): Int32Array {
  let ids = encoder.encode(text);
  if (ids.length === 0) ids = Int32Array.of(encoder.oovId);
  if (maxTokens !== null) ids = keepLast(ids, maxTokens);
  return ids;
}

/** Encodes a split (optionally keeping the last `maxTokens` ids of each review). */
export function encodeSplit(encoder: TokenTextEncoder, reviews: readonly LabeledText[], maxTokens: number | null): EncodedSplit {
  let tokens = 0;
  const sequences = reviews.map((r) => {
    const ids = encodeReview(encoder, r.text, maxTokens);
    tokens += ids.length;
    return ids;
  });
  return { sequences, labels: Float32Array.from(reviews, (r) => r.label), tokens };
}

/** Batches of one pass: bucketed (reshuffled with `seed`) or padded in order, as the CLI cuts them. */
export function makeBatches(split: EncodedSplit, options: { batchSize: number; bucket: boolean }, seed: number | undefined): PaddedBatches<PaddedBatch<true>> {
  return options.bucket
    ? bucketedBatches(split.sequences, { batchSize: options.batchSize, labels: split.labels, ...(seed === undefined ? {} : { seed }) })
    : paddedBatches(split.sequences, { batchSize: options.batchSize, labels: split.labels });
}
