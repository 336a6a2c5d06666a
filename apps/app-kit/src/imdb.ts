// The chapter's IMDb data rules, shared by the imdb-sentiment CLI and the web app so that both, with the same seed
// and limit, see the same reviews, vocabulary and batches (a bundle trained in one predicts like one trained in the
// other). Browser-safe: only @recurrent/text-prep's main entry (the `app-kit/imdb` subpath; the CLI adds reading
// the archive from disk).
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

/** One review with its label. */
export interface LabeledText {
  text: string;
  label: 0 | 1;
}

/** A review as read from the archive or a folder. */
export interface LabeledReview extends LabeledText {
  /** Path from the split folder on, e.g. `train/pos/10_9.txt` (the order the split starts from). */
  path: string;
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
 * 20,000 for training and the rest for validation (5,000 in the chapter; 4,996 with our archive, which lacks four
 * reviews). With `limit` the split is 50 / 40 / 10 %.
 */
export function splitReviews(reviews: readonly LabeledReview[], options: { seed: number; limit: number | null }): ImdbSplits {
  const sorted = [...reviews].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  let shuffled = shuffle(sorted, options.seed);
  if (options.limit !== null) shuffled = shuffled.slice(0, options.limit);
  const n = shuffled.length;
  const full = options.limit === null && n > 45_000;
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

/** Encoded reviews (optionally the last `maxTokens` ids of each) and their labels. */
export interface EncodedSplit {
  sequences: Int32Array[];
  labels: Float32Array;
  tokens: number;
}

/** One review's ids as training and `predict` encode it (an empty review becomes one unknown id). */
export function encodeReview(encoder: TokenTextEncoder, text: string, maxTokens: number | null): Int32Array {
  let ids = encoder.encode(text);
  if (ids.length === 0) ids = Int32Array.of(encoder.oovId); // an empty review still needs one step
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

/** How batches are cut. */
export interface BatchingOptions {
  batchSize: number;
  /** Group reviews of similar length (sorted by length, batches shuffled per epoch). */
  bucket: boolean;
}

/** Batches of one pass: bucketed (reshuffled with `seed`) or padded in order (what `@recurrent/models` trains on). */
export function makeBatches(split: EncodedSplit, options: BatchingOptions, seed: number | undefined): PaddedBatches<PaddedBatch<true>> {
  return options.bucket
    ? bucketedBatches(split.sequences, { batchSize: options.batchSize, labels: split.labels, ...(seed === undefined ? {} : { seed }) })
    : paddedBatches(split.sequences, { batchSize: options.batchSize, labels: split.labels });
}
