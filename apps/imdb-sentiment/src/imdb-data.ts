import { AppKitError } from "app-kit";
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
import { readImdb } from "@recurrent/text-prep/node";

/** One review with its label. */
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
 * Reads every labelled review (train and test halves of the archive or
 * folder), orders them by path so that the official and our archive give the
 * same order, shuffles them with `seed`, keeps the first `limit` when given,
 * and splits them as the chapter does: 25,000 for test, 20,000 for training
 * and the rest for validation (5,000 in the chapter; 4,996 with our archive,
 * which lacks four reviews). With `limit`, the split is 50 / 40 / 10 %.
 */
export async function loadImdbSplits(source: string, options: { seed: number; limit?: number | undefined }): Promise<ImdbSplits> {
  const reviews: (LabeledText & { path: string })[] = [];
  for await (const r of readImdb(source)) reviews.push({ text: r.text, label: r.label, path: r.path.replace(/^.*?(train|test)\//, "$1/") });
  reviews.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  let shuffled = shuffle(reviews, options.seed);
  if (options.limit !== undefined) shuffled = shuffled.slice(0, options.limit);
  const n = shuffled.length;
  // The chapter takes 25,000 for test and 20,000 for training and leaves the rest (5,000 of its 50,000) for
  // validation; a --limit run keeps the same proportions (50 / 40 / 10 %).
  const full = options.limit === undefined && n > 45_000;
  const testSize = full ? 25_000 : Math.round(n / 2);
  const trainSize = full ? 20_000 : Math.round(n * 0.4);
  const strip = (r: LabeledText & { path: string }): LabeledText => ({ text: r.text, label: r.label });
  return {
    test: shuffled.slice(0, testSize).map(strip),
    train: shuffled.slice(testSize, testSize + trainSize).map(strip),
    validation: shuffled.slice(testSize + trainSize).map(strip),
    total: reviews.length,
  };
}

/** The chapter's encoder: tfds tokenizer, vocabulary of the training reviews in first-seen order. */
export function buildEncoder(train: readonly LabeledText[]): TokenTextEncoder {
  const vocabulary = buildVocabulary(
    train.map((r) => tokenize(r.text)),
    { order: "first-seen" },
  );
  return new TokenTextEncoder(vocabulary);
}

/** Encoded sequences (optionally the last `maxTokens` ids only) and labels. */
export interface EncodedSplit {
  sequences: Int32Array[];
  labels: Float32Array;
  tokens: number;
}

export function encodeSplit(encoder: TokenTextEncoder, reviews: readonly LabeledText[], maxTokens: number | null): EncodedSplit {
  let tokens = 0;
  const sequences = reviews.map((r) => {
    let ids = encoder.encode(r.text);
    if (ids.length === 0) ids = Int32Array.of(encoder.oovId); // an empty review still needs one step
    if (maxTokens !== null) ids = keepLast(ids, maxTokens);
    tokens += ids.length;
    return ids;
  });
  return { sequences, labels: Float32Array.from(reviews, (r) => r.label), tokens };
}

/** What decides how much memory one time step of a batch needs. */
export interface SequenceMemoryOptions {
  batchSize: number;
  embeddingDim: number;
  units: number;
  layers: number;
  bidirectional: boolean;
}

/**
 * The most tokens a review may have so that one batch of such reviews fits in memory while it trains.
 *
 * An estimate, on the safe side: per row and time step the model keeps the embedding (and its gradient) and, per
 * recurrent layer and direction, about ten vectors of `units` floats (the input projections and gates of the four
 * LSTM blocks, the cell and hidden states) and their gradients, all float32. The budget is 2 GiB, half of what a
 * 32-bit WebAssembly memory (the wasm backend's and the recurrent kernels') can address, leaving the rest for the
 * weights, the optimizer and tfjs's own copies. For the chapter's model (batch 32, embedding 20, one bidirectional
 * LSTM of 64) that is 6,452 tokens; the longest IMDb review has 2,525 (the tfds tokenizer, all 49,996 reviews).
 */
export function maxSequenceTokens(o: SequenceMemoryOptions): number {
  const directions = o.bidirectional ? 2 : 1;
  const floatsPerToken = 2 * o.embeddingDim + o.layers * directions * 2 * 10 * o.units;
  return Math.floor(2 ** 31 / (o.batchSize * floatsPerToken * 4));
}

/**
 * Refuses, before any training step, a review too long for {@link maxSequenceTokens}, naming it (split, position,
 * start of its text) and saying to cap the length with `--max-tokens` (a capped review keeps its last tokens, as
 * the chapter's `max_seq_length` does).
 *
 * @throws {AppKitError} `SEQUENCE_TOO_LONG`.
 */
export function checkReviewLengths(split: EncodedSplit, reviews: readonly LabeledText[], name: string, limit: number): void {
  split.sequences.forEach((ids, i) => {
    if (ids.length <= limit) return;
    const text = reviews[i]?.text ?? "";
    const start = JSON.stringify(text.slice(0, 50)) + (text.length > 50 ? "…" : "");
    throw new AppKitError(
      "SEQUENCE_TOO_LONG",
      `review ${i + 1} of the ${name} split has ${ids.length.toLocaleString("en-US")} tokens (${start}); one batch of reviews that long ` +
        `needs more memory than the kernels can address (at most ${limit.toLocaleString("en-US")} tokens with this model and batch size): ` +
        `cap reviews with --max-tokens (e.g. --max-tokens ${Math.min(limit, 1000)}) or lower --batch-size`,
    );
  });
}

/** How batches are cut. */
export interface BatchingOptions {
  batchSize: number;
  /** Group reviews of similar length (sorted by length, batches shuffled per epoch). */
  bucket: boolean;
}

/** Batches of one pass (text-prep's batches are what `@recurrent/models` trains on). */
export function makeBatches(split: EncodedSplit, options: BatchingOptions, seed: number | undefined): PaddedBatches<PaddedBatch<true>> {
  return options.bucket
    ? bucketedBatches(split.sequences, { batchSize: options.batchSize, labels: split.labels, ...(seed === undefined ? {} : { seed }) })
    : paddedBatches(split.sequences, { batchSize: options.batchSize, labels: split.labels });
}

/** The file name of our labeled IMDb archive in `../shared/data`. */
export const SHARED_ARCHIVE = "aclImdb-labeled.tar.gz";
