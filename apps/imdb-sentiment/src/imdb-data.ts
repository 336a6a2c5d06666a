import { AppKitError } from "app-kit";
import { splitReviews, type EncodedSplit, type ImdbSplits, type LabeledReview, type LabeledText } from "app-kit/imdb";
import { readImdb } from "@recurrent/text-prep/node";

// The data rules themselves (split, encoder, encoding, batches) are app-kit/imdb's, shared with the web app.
export { buildEncoder, encodeSplit, makeBatches, splitReviews } from "app-kit/imdb";
export type { BatchingOptions, EncodedSplit, ImdbSplits, LabeledText } from "app-kit/imdb";

/**
 * Reads every labelled review (train and test halves of the archive or folder) and splits them with
 * `splitReviews`: ordered by path (so the official and our archive give the same order), shuffled with `seed`, the
 * first `limit` kept when given, then 25,000 for test, 20,000 for training and the rest for validation (with
 * `limit`, 50 / 40 / 10 %).
 */
export async function loadImdbSplits(source: string, options: { seed: number; limit?: number | undefined }): Promise<ImdbSplits> {
  const reviews: LabeledReview[] = [];
  for await (const r of readImdb(source)) reviews.push({ text: r.text, label: r.label, path: r.path.replace(/^.*?(train|test)\//, "$1/") });
  return splitReviews(reviews, { seed: options.seed, limit: options.limit ?? null });
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

/** The file name of our labeled IMDb archive in `../shared/data`. */
export const SHARED_ARCHIVE = "aclImdb-labeled.tar.gz";
