import { checkObject, checkOptions, checkPositiveInteger, checkSequence, describe, type OptionKeys } from "../check-args";
import { seededRandom, shuffleInPlace } from "./seeded-random";
import type { TrainingBatch } from "./sequence-batch";

/** Inputs and targets cut from one long id sequence, see {@link charChunks}. */
export interface CharChunks {
  /** Row-major, shape `[count, seqLength]`: `chunk[0 .. seqLength-1]` of each chunk. */
  inputs: Int32Array;
  /** Row-major, shape `[count, seqLength]`: `chunk[1 .. seqLength]`, the inputs shifted by one. */
  targets: Int32Array;
  /** `[count, seqLength]`. */
  shape: [count: number, seqLength: number];
  /** Ids at the end that did not fill a whole chunk of `seqLength + 1` and were left out. */
  droppedTail: number;
}

/**
 * Cuts a long id sequence (an encoded novel) into consecutive, non-overlapping
 * chunks of `seqLength + 1` ids and splits each into an input (all but the
 * last id) and a target (all but the first), as the chapter's
 * `ds.batch(seq_length + 1, drop_remainder=True).map(split_input_target)`.
 * The ids left at the end are reported in `droppedTail`, not hidden.
 *
 * @param ids - Shape `[length]`, 32-bit integer ids.
 * @param seqLength - Length of each input and target (the chapter uses 40).
 * @returns `inputs` and `targets` of shape `[floor(length / (seqLength + 1)), seqLength]`.
 * @throws {RangeError} If `seqLength` is not an integer > 0.
 * @throws {TypeError} If `ids` is not a sequence of 32-bit integers.
 *
 * @example
 * const { inputs, targets, shape } = charChunks(Int32Array.of(0, 1, 2, 3, 4, 5, 6), 2);
 * // shape [2, 2]; inputs [0, 1, 3, 4]; targets [1, 2, 4, 5]; droppedTail 1
 */
export function charChunks(ids: ArrayLike<number>, seqLength: number): CharChunks {
  const source = checkSequence(ids, "ids");
  checkPositiveInteger(seqLength, "seqLength");
  const chunk = seqLength + 1;
  const count = Math.floor(source.length / chunk);
  const inputs = new Int32Array(count * seqLength);
  const targets = new Int32Array(count * seqLength);
  for (let c = 0; c < count; c++) {
    const from = c * chunk;
    for (let k = 0; k < seqLength; k++) {
      inputs[c * seqLength + k] = source[from + k] as number;
      targets[c * seqLength + k] = source[from + k + 1] as number;
    }
  }
  return { inputs, targets, shape: [count, seqLength], droppedTail: source.length - count * chunk };
}

/** Options of {@link charChunkBatches}. */
export interface CharChunkBatchesOptions {
  /** Rows per batch (the chapter uses 64). */
  batchSize: number;
  /**
   * Shuffle the chunks with this seed first (the chapter shuffles with a
   * 10,000-chunk buffer; this is a full shuffle).
   * @default undefined (chunk order)
   */
  seed?: number;
  /**
   * Leave out a last batch smaller than `batchSize` (the chapter does).
   * @default true
   */
  dropRemainder?: boolean;
}

const CHAR_CHUNK_BATCHES_KEYS = { batchSize: true, seed: true, dropRemainder: true } as const satisfies OptionKeys<CharChunkBatchesOptions>;

/**
 * Batches of {@link charChunks} rows, optionally shuffled with a seed. The
 * arguments are checked when it is called, before the first batch is asked for.
 *
 * @throws {RangeError} If `batchSize` is not an integer > 0.
 * @throws {TypeError} On a bad seed or `dropRemainder`, chunks that are not {@link charChunks} output, or an
 *   unknown key in `options`.
 * @example
 * const chunks = charChunks(encoder.encode(text), 40);
 * for (const { inputs, targets, shape } of charChunkBatches(chunks, { batchSize: 64, seed: 1 })) {
 *   // inputs and targets: Int32Array, shape [64, 40]
 * }
 */
export function charChunkBatches(
  chunks: CharChunks,
  options: CharChunkBatchesOptions,
): Generator<TrainingBatch & { targets: Int32Array; indices: Int32Array }> {
  checkObject(chunks, "chunks");
  checkOptions(options, CHAR_CHUNK_BATCHES_KEYS, "charChunkBatches");
  const batchSize = checkPositiveInteger(options.batchSize, "batchSize");
  const dropRemainder = options.dropRemainder ?? true;
  if (typeof dropRemainder !== "boolean") throw new TypeError(`expected dropRemainder to be a boolean, got ${describe(dropRemainder)}`);
  const shape: unknown = chunks.shape;
  const [count, seqLength] = Array.isArray(shape) ? (shape as unknown[]) : [];
  if (
    typeof count !== "number" || !Number.isInteger(count) || count < 0 ||
    typeof seqLength !== "number" || !Number.isInteger(seqLength) || seqLength < 1 ||
    !(chunks.inputs instanceof Int32Array) || !(chunks.targets instanceof Int32Array) ||
    chunks.inputs.length !== count * seqLength || chunks.targets.length !== count * seqLength
  ) {
    throw new TypeError(
      `expected chunks to be charChunks output (inputs and targets Int32Array of shape [count, seqLength]), got shape ${describe(shape)} with inputs ${describe(chunks.inputs)} and targets ${describe(chunks.targets)}`,
    );
  }
  const order = new Int32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  if (options.seed !== undefined) shuffleInPlace(order, seededRandom(options.seed));
  return chunkBatches(chunks, order, batchSize, seqLength, dropRemainder);
}

function* chunkBatches(
  chunks: CharChunks,
  order: Int32Array,
  batchSize: number,
  seqLength: number,
  dropRemainder: boolean,
): Generator<TrainingBatch & { targets: Int32Array; indices: Int32Array }> {
  const count = order.length;
  for (let from = 0; from < count; from += batchSize) {
    const rows = Math.min(batchSize, count - from);
    if (rows < batchSize && dropRemainder) break;
    const indices = order.slice(from, from + rows);
    const inputs = new Int32Array(rows * seqLength);
    const targets = new Int32Array(rows * seqLength);
    for (let r = 0; r < rows; r++) {
      const at = (indices[r] as number) * seqLength;
      inputs.set(chunks.inputs.subarray(at, at + seqLength), r * seqLength);
      targets.set(chunks.targets.subarray(at, at + seqLength), r * seqLength);
    }
    yield { inputs, targets, shape: [rows, seqLength], indices };
  }
}
