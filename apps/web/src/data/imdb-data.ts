import { splitReviews as chapterSplit, type ImdbSplits } from "app-kit/imdb";
import type { LabeledReview } from "./imdb-archive";

// The data rules are the CLI's own (app-kit/imdb, which apps/imdb-sentiment uses too), so that a model trained here
// and one trained by `imdb-sentiment train` with the same seed and limit see the same reviews, vocabulary and
// batches (src/data/imdb-data.test.ts checks the vocabulary against a bundle the CLI wrote).
export { buildEncoder, encodeReview, encodeSplit, makeBatches } from "app-kit/imdb";
export type { EncodedSplit, ImdbSplits, LabeledText } from "app-kit/imdb";

/**
 * Orders the reviews by path (so the official archive, ours and an extracted folder give one order), shuffles
 * them with `seed`, keeps the first `limit` when given, and splits them as the chapter does: 25,000 for test,
 * 20,000 for training, the rest for validation; with a limit, 50 / 40 / 10 %.
 *
 * @throws {RangeError} when `limit` is not a positive integer or exceeds the reviews read.
 */
export function splitReviews(reviews: readonly LabeledReview[], options: { seed: number; limit: number | null }): ImdbSplits {
  const { limit } = options;
  if (limit !== null && !(Number.isInteger(limit) && limit >= 10)) throw new RangeError(`expected limit to be an integer >= 10, got ${limit}`);
  if (limit !== null && limit > reviews.length) throw new RangeError(`expected limit <= the ${reviews.length} reviews read, got ${limit}`);
  return chapterSplit(reviews, options);
}
