import { checkNonNegativeInteger, describe } from "../check-args";

function checkCount(items: readonly unknown[], n: number, name: string): void {
  if (!Array.isArray(items)) throw new TypeError(`expected items to be an array, got ${describe(items)}`);
  checkNonNegativeInteger(n, name);
  if (n > items.length) throw new RangeError(`expected ${name} <= ${items.length} (the number of items), got ${n}`);
}

/**
 * The first `n` items (a copy), like `tf.data.Dataset.take`, except that asking
 * for more items than there are is an error, not a silent short result.
 *
 * @throws {RangeError} If `n` is not an integer in `[0, items.length]`.
 * @example
 * const shuffled = shuffle(reviews, 1);
 * const test = take(shuffled, 25_000);
 * const rest = skip(shuffled, 25_000);
 * const [train, valid] = splitAt(rest, 20_000);
 */
export function take<T>(items: readonly T[], n: number): T[] {
  checkCount(items, n, "n");
  return items.slice(0, n);
}

/**
 * All items after the first `n` (a copy), like `tf.data.Dataset.skip`.
 * @throws {RangeError} If `n` is not an integer in `[0, items.length]`.
 * @example
 * skip([1, 2, 3], 1); // [2, 3]
 */
export function skip<T>(items: readonly T[], n: number): T[] {
  checkCount(items, n, "n");
  return items.slice(n);
}

/**
 * `[take(items, n), skip(items, n)]` in one call.
 * @throws {RangeError} If `n` is not an integer in `[0, items.length]`.
 * @example
 * splitAt([1, 2, 3], 2); // [[1, 2], [3]]
 */
export function splitAt<T>(items: readonly T[], n: number): [T[], T[]] {
  checkCount(items, n, "n");
  return [items.slice(0, n), items.slice(n)];
}
