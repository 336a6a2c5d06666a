import { checkNonNegativeInteger, describe } from "../check-args";

/**
 * The last `n` elements of a sequence (all of it if shorter), as a copy: the
 * chapter's `max_seq_length = 100` for the SimpleRNN model. Never mutates
 * its input.
 *
 * @param sequence - Shape `[length]`: ids (`Int32Array`) or tokens (array).
 * @param n - How many elements to keep (>= 0).
 * @returns Shape `[min(length, n)]`, the same kind of array as the input.
 * @throws {RangeError} If `n` is not an integer >= 0.
 * @throws {TypeError} If `sequence` is not an array or `Int32Array`.
 *
 * @example
 * keepLast(Int32Array.of(1, 2, 3, 4), 2); // Int32Array [3, 4]
 * keepLast(["a", "b"], 100);              // ["a", "b"]
 */
export function keepLast(sequence: Int32Array, n: number): Int32Array;
export function keepLast<T>(sequence: readonly T[], n: number): T[];
export function keepLast<T>(sequence: Int32Array | readonly T[], n: number): Int32Array | T[] {
  checkNonNegativeInteger(n, "n");
  if (sequence instanceof Int32Array) return sequence.slice(Math.max(0, sequence.length - n));
  if (!Array.isArray(sequence)) throw new TypeError(`expected sequence to be an array or Int32Array, got ${describe(sequence)}`);
  return sequence.slice(Math.max(0, sequence.length - n));
}
