import { checkInt32, checkOptions, checkPositiveInteger, checkSequence, checkSide, describe, type OptionKeys } from "../check-args";
import type { SequenceBatch } from "./sequence-batch";

/**
 * A {@link SequenceBatch} of padded sequences: `timeSteps` is the longest length in the batch, and `lengths`
 * and `indices` are always there. With `labels` given to the batcher, `targets` holds the rows' labels
 * (`labels[indices[i]]`, as float32: what a loss function takes).
 */
export type PaddedBatch<Labeled extends boolean = boolean> = SequenceBatch & {
  lengths: Int32Array;
  indices: Int32Array;
} & (Labeled extends true ? { targets: Float32Array } : unknown);

/** Options of {@link paddedBatches}. */
export interface PaddedBatchesOptions {
  /** Rows per batch (the last batch may be smaller unless `dropRemainder`). */
  batchSize: number;
  /**
   * One label per sequence; batches then carry them as `targets` (shape `[batchSize]`, float32), which makes
   * them `TrainingBatch`es.
   * @default undefined (no labels)
   */
  labels?: ArrayLike<number>;
  /**
   * The padding id.
   * @default 0
   */
  padValue?: number;
  /**
   * Pad after the tokens (`"post"`, like `padded_batch`) or before them (`"pre"`).
   * @default "post"
   */
  padding?: "pre" | "post";
  /**
   * Leave out a last batch smaller than `batchSize`.
   * @default false
   */
  dropRemainder?: boolean;
}

/** The keys of {@link PaddedBatchesOptions}. @internal */
export const PADDED_BATCHES_KEYS = {
  batchSize: true,
  labels: true,
  padValue: true,
  padding: true,
  dropRemainder: true,
} as const satisfies OptionKeys<PaddedBatchesOptions>;

/**
 * Batches whose padding is known before they are built. Iterate it (as often
 * as you like; each pass builds the same batches lazily, one at a time).
 */
export class PaddedBatches<B extends SequenceBatch = PaddedBatch<false>> implements Iterable<B> {
  /** Number of batches. */
  readonly length: number;
  /** Non-padding ids over all batches. */
  readonly tokenCount: number;
  /** Cells (`batch * time`) over all batches, padding included. */
  readonly cellCount: number;
  /** Shape `[rows]`: input positions in batch order (rows left out by `dropRemainder` are not in it). */
  readonly order: Int32Array;

  /** @internal */
  constructor(
    private readonly sequences: readonly ArrayLike<number>[],
    private readonly labels: ArrayLike<number> | undefined,
    order: Int32Array,
    private readonly starts: readonly number[],
    private readonly padValue: number,
    private readonly padding: "pre" | "post",
  ) {
    this.order = order;
    this.length = starts.length - 1;
    let tokens = 0;
    let cells = 0;
    for (let b = 0; b < this.length; b++) {
      let time = 0;
      for (let k = starts[b] as number; k < (starts[b + 1] as number); k++) {
        const n = (sequences[order[k] as number] as ArrayLike<number>).length;
        tokens += n;
        if (n > time) time = n;
      }
      cells += time * ((starts[b + 1] as number) - (starts[b] as number));
    }
    this.tokenCount = tokens;
    this.cellCount = cells;
  }

  /** Share of padding cells: `1 - tokenCount / cellCount` (0 when there are no cells). */
  get paddingFraction(): number {
    return this.cellCount === 0 ? 0 : 1 - this.tokenCount / this.cellCount;
  }

  *[Symbol.iterator](): Iterator<B> {
    for (let b = 0; b < this.length; b++) yield this.batch(b);
  }

  /** Builds batch `b` (0-based). @throws {RangeError} If `b` is out of range. */
  batch(b: number): B {
    if (!Number.isInteger(b) || b < 0 || b >= this.length) {
      throw new RangeError(`expected a batch index in [0, ${this.length}), got ${describe(b)}`);
    }
    const from = this.starts[b] as number;
    const rows = (this.starts[b + 1] as number) - from;
    const indices = this.order.slice(from, from + rows);
    const lengths = new Int32Array(rows);
    let time = 0;
    for (let r = 0; r < rows; r++) {
      const n = (this.sequences[indices[r] as number] as ArrayLike<number>).length;
      lengths[r] = n;
      if (n > time) time = n;
    }
    const inputs = new Int32Array(rows * time);
    if (this.padValue !== 0) inputs.fill(this.padValue);
    for (let r = 0; r < rows; r++) {
      const s = this.sequences[indices[r] as number] as ArrayLike<number>;
      const offset = r * time + (this.padding === "pre" ? time - s.length : 0);
      if (s instanceof Int32Array) inputs.set(s, offset);
      else for (let k = 0; k < s.length; k++) inputs[offset + k] = s[k] as number;
    }
    const batch: PaddedBatch = { inputs, shape: [rows, time], lengths, indices };
    if (this.labels !== undefined) {
      const targets = new Float32Array(rows);
      for (let r = 0; r < rows; r++) targets[r] = this.labels[indices[r] as number] as number;
      batch.targets = targets;
    }
    return batch as unknown as B;
  }
}

/**
 * Checks the inputs shared by the batch builders: `options` has only the keys
 * of `accepted` (the batcher's whole option set), `owner` names it. @internal
 */
export function checkBatchInputs(
  sequences: readonly ArrayLike<number>[],
  options: PaddedBatchesOptions,
  accepted: Readonly<Record<string, true>>,
  owner: string,
): { batchSize: number; padValue: number; padding: "pre" | "post"; dropRemainder: boolean; labels: ArrayLike<number> | undefined } {
  if (!Array.isArray(sequences)) throw new TypeError(`expected sequences to be an array of sequences, got ${describe(sequences)}`);
  checkOptions(options, accepted, owner);
  const batchSize = checkPositiveInteger(options.batchSize, "batchSize");
  const padValue = checkInt32(options.padValue ?? 0, "padValue");
  const padding = checkSide(options.padding, "padding", "post");
  const dropRemainder = options.dropRemainder ?? false;
  if (typeof dropRemainder !== "boolean") throw new TypeError(`expected dropRemainder to be a boolean, got ${describe(dropRemainder)}`);
  sequences.forEach((s, i) => checkSequence(s, `sequences[${i}]`));
  const labels = options.labels;
  if (labels !== undefined) {
    if (labels === null || typeof labels !== "object" || typeof labels.length !== "number") {
      throw new TypeError(`expected labels to be an array of numbers, got ${describe(labels)}`);
    }
    if (labels.length !== sequences.length) {
      throw new RangeError(`expected one label per sequence (${sequences.length}), got ${labels.length} labels`);
    }
    for (let i = 0; i < labels.length; i++) {
      if (typeof labels[i] !== "number" || !Number.isFinite(labels[i])) {
        throw new TypeError(`expected labels[${i}] to be a finite number, got ${describe(labels[i])}`);
      }
    }
  }
  return { batchSize, padValue, padding, dropRemainder, labels };
}

/** Batch start offsets for `rows` rows in groups of `batchSize`. @internal */
export function batchStarts(rows: number, batchSize: number, dropRemainder: boolean, into: number[] = [], base = 0): number[] {
  const full = Math.floor(rows / batchSize);
  const count = dropRemainder || rows % batchSize === 0 ? full : full + 1;
  if (into.length === 0) into.push(base);
  for (let b = 0; b < count; b++) into.push(base + Math.min(rows, (b + 1) * batchSize));
  return into;
}

/**
 * Groups sequences into batches of `batchSize` in input order, padding each
 * batch to its own longest member (like `tf.data.Dataset.padded_batch`, which
 * the chapter uses). Shuffle first (see `shuffle`) if the order matters.
 *
 * @param sequences - Integer sequences (arrays or `Int32Array`s), e.g. encoded reviews.
 * @param options - `batchSize`, optional `labels`, `padValue`, `padding`, `dropRemainder`.
 * @returns A re-iterable {@link PaddedBatches} of {@link SequenceBatch}es (`inputs` of shape `[batchSize, timeSteps]`;
 *   `TrainingBatch`es with `targets` when `labels` are given).
 * @throws {RangeError} On a bad `batchSize` or `padValue`, or a labels length mismatch.
 * @throws {TypeError} On sequences that are not 32-bit integers, labels that are not finite numbers, or an
 *   unknown key in `options`.
 *
 * @example
 * const batches = paddedBatches(encoded, { batchSize: 32, labels });
 * batches.paddingFraction; // share of padding cells
 * for (const { inputs, shape, targets } of batches) {
 *   const x = tf.tensor2d(inputs, shape, "int32");
 * }
 */
export function paddedBatches(
  sequences: readonly ArrayLike<number>[],
  options: PaddedBatchesOptions & { labels: ArrayLike<number> },
): PaddedBatches<PaddedBatch<true>>;
export function paddedBatches(sequences: readonly ArrayLike<number>[], options: PaddedBatchesOptions): PaddedBatches;
export function paddedBatches(sequences: readonly ArrayLike<number>[], options: PaddedBatchesOptions): PaddedBatches<PaddedBatch> {
  const { batchSize, padValue, padding, dropRemainder, labels } = checkBatchInputs(sequences, options, PADDED_BATCHES_KEYS, "paddedBatches");
  const starts = batchStarts(sequences.length, batchSize, dropRemainder);
  const rows = starts[starts.length - 1] as number;
  const order = new Int32Array(rows);
  for (let i = 0; i < rows; i++) order[i] = i;
  return new PaddedBatches(sequences, labels, order, starts, padValue, padding);
}
