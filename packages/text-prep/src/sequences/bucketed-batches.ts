import { describe, type OptionKeys } from "../check-args";
import {
  PADDED_BATCHES_KEYS,
  PaddedBatches,
  batchStarts,
  checkBatchInputs,
  type PaddedBatch,
  type PaddedBatchesOptions,
} from "./padded-batches";
import { seededRandom, shuffleInPlace } from "./seeded-random";

/** Options of {@link bucketedBatches}. */
export interface BucketedBatchesOptions extends PaddedBatchesOptions {
  /**
   * Length boundaries of the buckets, strictly increasing: bucket 0 holds
   * lengths `< boundaries[0]`, bucket i lengths in `[boundaries[i-1], boundaries[i])`,
   * the last bucket lengths `>= boundaries[last]` (as `tf.data`'s
   * `bucket_by_sequence_length`). Without boundaries, sequences are sorted by
   * length and every batch is its own bucket (the least padding).
   * @default undefined (sort by length)
   */
  boundaries?: readonly number[];
  /**
   * Shuffle the rows within each bucket and the order of the batches with this
   * seed; without it the batches come in bucket order, shortest first, and rows
   * in input order within a bucket.
   * @default undefined (no shuffling)
   */
  seed?: number;
}

const BUCKETED_BATCHES_KEYS = { ...PADDED_BATCHES_KEYS, boundaries: true, seed: true } as const satisfies OptionKeys<BucketedBatchesOptions>;

/**
 * Groups sequences of similar length into the same batches so that padding
 * (each batch is padded to its longest member) is cut; the result reports
 * the `paddingFraction` before any batch is built. Every sequence lands in
 * exactly one batch (unless `dropRemainder` leaves out the remainder of a bucket).
 *
 * @param sequences - Integer sequences (arrays or `Int32Array`s).
 * @param options - `batchSize`, optional `boundaries`, `seed`, `labels`, `padValue`, `padding`, `dropRemainder`.
 * @returns A re-iterable {@link PaddedBatches} of `SequenceBatch`es (`inputs` of shape `[batchSize, timeSteps]`;
 *   `TrainingBatch`es with `targets` when `labels` are given).
 * @throws {RangeError} On a bad `batchSize`, boundaries that are not strictly increasing integers > 0, or a labels length mismatch.
 * @throws {TypeError} On bad sequences, labels or seed, or an unknown key in `options`.
 *
 * @example
 * const plain = paddedBatches(encoded, { batchSize: 32 });
 * const bucketed = bucketedBatches(encoded, { batchSize: 32, seed: epoch });
 * console.log(plain.paddingFraction, bucketed.paddingFraction); // e.g. 0.6 vs 0.01
 */
export function bucketedBatches(
  sequences: readonly ArrayLike<number>[],
  options: BucketedBatchesOptions & { labels: ArrayLike<number> },
): PaddedBatches<PaddedBatch<true>>;
export function bucketedBatches(sequences: readonly ArrayLike<number>[], options: BucketedBatchesOptions): PaddedBatches;
export function bucketedBatches(sequences: readonly ArrayLike<number>[], options: BucketedBatchesOptions): PaddedBatches<PaddedBatch> {
  const { batchSize, padValue, padding, dropRemainder, labels } = checkBatchInputs(sequences, options, BUCKETED_BATCHES_KEYS, "bucketedBatches");
  const random = options.seed === undefined ? null : seededRandom(options.seed);
  const boundaries = options.boundaries;
  let buckets: number[][];
  if (boundaries === undefined) {
    const order = Array.from({ length: sequences.length }, (_, i) => i);
    if (random !== null) shuffleInPlace(order, random); // random order among equal lengths
    order.sort((a, b) => (sequences[a] as ArrayLike<number>).length - (sequences[b] as ArrayLike<number>).length);
    buckets = [order];
  } else {
    if (!Array.isArray(boundaries)) throw new TypeError(`expected boundaries to be an array of integers, got ${describe(boundaries)}`);
    boundaries.forEach((b: unknown, i) => {
      if (typeof b !== "number" || !Number.isInteger(b) || b < 1 || (i > 0 && b <= (boundaries[i - 1] as number))) {
        throw new RangeError(`expected boundaries to be strictly increasing integers > 0, got ${describe(b)} at index ${i}`);
      }
    });
    buckets = Array.from({ length: boundaries.length + 1 }, () => []);
    sequences.forEach((s, i) => {
      let lo = 0;
      let hi = boundaries.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (s.length < (boundaries[mid] as number)) hi = mid;
        else lo = mid + 1;
      }
      (buckets[lo] as number[]).push(i);
    });
    if (random !== null) for (const bucket of buckets) shuffleInPlace(bucket, random);
  }
  const batches: number[][] = [];
  for (const bucket of buckets) {
    const starts = batchStarts(bucket.length, batchSize, dropRemainder);
    for (let b = 0; b + 1 < starts.length; b++) batches.push(bucket.slice(starts[b], starts[b + 1]));
  }
  if (random !== null) shuffleInPlace(batches, random);
  const starts = [0];
  const order: number[] = [];
  for (const batch of batches) {
    order.push(...batch);
    starts.push(order.length);
  }
  return new PaddedBatches(sequences, labels, Int32Array.from(order), starts, padValue, padding);
}
