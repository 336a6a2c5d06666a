/**
 * Run-time checks of option objects for the training API (the TypeScript types already reject unknown keys and
 * wrong types in object literals; these catch what JavaScript callers and computed objects pass). Every message
 * names the option, what was expected and what came.
 */

/** `value` as a message shows it: strings quoted, numbers as written, objects by kind. */
export function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "function") return "a function";
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
}

/**
 * Checks that `value` is a plain object whose own keys are all in `known`. `what` names the object in messages
 * (`"trainModel options"`, `"earlyStopping"`).
 *
 * @throws {TypeError} when `value` is not an object, or has a key not in `known` (with the closest known key).
 */
export function checkKnownKeys(value: unknown, known: readonly string[], what: string): asserts value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`expected ${what} to be an object, got ${show(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const near = closest(key, known);
    throw new TypeError(
      `unknown option ${JSON.stringify(key)} in ${what}${near === null ? "" : ` (did you mean ${JSON.stringify(near)}?)`}; ` +
        `expected one of ${known.join(", ")}`,
    );
  }
}

/** The known key nearest to `key` by edit distance, when it is close enough to be a typo. */
function closest(key: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return best !== null && bestDistance <= Math.max(2, Math.floor(best.length / 3)) ? best : null;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** Bounds of {@link checkNumber}. */
export interface NumberBounds {
  /** Smallest allowed value (inclusive). */
  min?: number;
  /** Values must be greater than this. */
  above?: number;
  /** Largest allowed value (inclusive). */
  max?: number;
  /** Values must be less than this. */
  below?: number;
  /** Require an integer. */
  integer?: boolean;
  /** Allow `Infinity` (only meaningful with an upper bound of none). */
  infinite?: boolean;
}

/**
 * Checks a numeric option: a number (not NaN), finite unless `infinite`, an integer if asked, within the bounds.
 *
 * @throws {TypeError} when `value` is not a number.
 * @throws {RangeError} when it is NaN, infinite, fractional or out of bounds.
 */
export function checkNumber(name: string, value: unknown, bounds: NumberBounds = {}): number {
  const expected = describeBounds(bounds);
  if (typeof value !== "number") throw new TypeError(`expected ${name} to be ${expected}, got ${show(value)}`);
  const ok =
    !Number.isNaN(value) &&
    (Number.isFinite(value) || (bounds.infinite === true && value === Number.POSITIVE_INFINITY)) &&
    (bounds.integer !== true || Number.isInteger(value) || value === Number.POSITIVE_INFINITY) &&
    (bounds.min === undefined || value >= bounds.min) &&
    (bounds.above === undefined || value > bounds.above) &&
    (bounds.max === undefined || value <= bounds.max) &&
    (bounds.below === undefined || value < bounds.below);
  if (!ok) throw new RangeError(`expected ${name} to be ${expected}, got ${show(value)}`);
  return value;
}

function describeBounds(b: NumberBounds): string {
  const kind = b.integer === true ? "an integer" : b.infinite === true ? "a number" : "a finite number";
  const parts: string[] = [];
  if (b.min !== undefined) parts.push(`>= ${b.min}`);
  if (b.above !== undefined) parts.push(`> ${b.above}`);
  if (b.max !== undefined) parts.push(`<= ${b.max}`);
  if (b.below !== undefined) parts.push(`< ${b.below}`);
  const range = parts.join(" and ");
  return `${kind}${range === "" ? "" : ` ${range}`}${b.infinite === true ? " (or Infinity)" : ""}`;
}

/** @throws {TypeError} when `value` is not a boolean. */
export function checkBoolean(name: string, value: unknown): boolean {
  if (typeof value !== "boolean") throw new TypeError(`expected ${name} to be true or false, got ${show(value)}`);
  return value;
}

/** @throws {TypeError} when `value` is not a function. */
export function checkFunction<F>(name: string, value: unknown): F {
  if (typeof value !== "function") throw new TypeError(`expected ${name} to be a function, got ${show(value)}`);
  return value as F;
}

/** @throws {RangeError} when `value` is not one of `choices`. */
export function checkOneOf<T extends string>(name: string, value: unknown, choices: readonly T[]): T {
  if (!choices.includes(value as T)) {
    throw new RangeError(`expected ${name} to be one of ${choices.map((c) => JSON.stringify(c)).join(" | ")}, got ${show(value)}`);
  }
  return value as T;
}
