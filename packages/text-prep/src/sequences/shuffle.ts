import { describe } from "../check-args";
import { seededRandom, shuffleInPlace } from "./seeded-random";

/**
 * A shuffled copy of `items` (Fisher-Yates with a seeded generator): the same
 * seed gives the same order on every run and platform. Never mutates its input.
 *
 * The chapter shuffles all reviews once (`shuffle(50000, reshuffle_each_iteration=False)`)
 * before splitting; `shuffle(reviews, seed)` then {@link take} / {@link skip} does the same.
 *
 * @param items - The items, shape `[n]`.
 * @param seed - Any safe integer.
 * @returns A new array with the same items in a seeded random order.
 * @throws {TypeError} If `items` is not an array or `seed` is not a safe integer.
 *
 * @example
 * shuffle([1, 2, 3, 4, 5], 42); // the same permutation every time
 */
export function shuffle<T>(items: readonly T[], seed: number): T[] {
  if (!Array.isArray(items)) throw new TypeError(`expected items to be an array, got ${describe(items)}`);
  const random = seededRandom(seed);
  const copy = [...items];
  shuffleInPlace(copy, random);
  return copy;
}
