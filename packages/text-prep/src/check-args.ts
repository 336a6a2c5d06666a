/** Argument checks shared by every public function of both entries. @internal */

const SHOWN_STRING = 60;

/**
 * What came, for the "got ..." part of a message: numbers, booleans and
 * (shortened) strings as values; objects by class (`a Map`, `an Int32Array`,
 * `a TokenTextEncoder`; `an object` for a plain one); `an array`, `null`,
 * `undefined`, `a function`.
 * @internal
 */
export function describe(value: unknown): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "undefined":
      return "undefined";
    case "number":
    case "boolean":
      return String(value);
    case "bigint":
      return `${value}n`;
    case "string":
      return value.length <= SHOWN_STRING
        ? JSON.stringify(value)
        : `${JSON.stringify(value.slice(0, SHOWN_STRING))}... (${value.length} characters)`;
    case "symbol":
      return value.toString();
    case "function":
      return value.name === "" ? "a function" : `a function (${value.name})`;
    default:
      break;
  }
  if (Array.isArray(value)) return "an array";
  const name = className(value);
  return name === undefined || name === "Object" ? "an object" : `${/^[AEIOU]/.test(name) ? "an" : "a"} ${name}`;
}

/** The name of an object's class, or undefined (no prototype, no named constructor, or a throwing proxy). */
function className(value: object): string | undefined {
  try {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto === null) return undefined;
    const name: unknown = (proto as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === "string" && name.length > 0 ? name : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The accepted keys of an options type, each mapped to `true`. Declare each
 * table with `satisfies OptionKeys<TheOptions>`: TypeScript then checks that it
 * lists every key of the type and no other, so the run-time check and the type
 * cannot drift apart.
 * @internal
 */
export type OptionKeys<T> = { readonly [K in keyof Required<T>]: true };

/**
 * Checks that `options` is an object (not null, not an array) whose own
 * enumerable keys are all in `accepted`: a typo such as `maxLength` for
 * `maxLen` is a `TypeError` naming the key, the accepted ones and the nearest
 * accepted key, not an option silently ignored. The one check of option
 * objects for every public function of both entries.
 *
 * @param options - What the caller passed.
 * @param accepted - The option names (see {@link OptionKeys}).
 * @param owner - What takes the options, for the message: `"padSequences"`, `"new TokenCounter"`.
 * @throws {TypeError} If `options` is not an object or has a key not in `accepted`.
 * @internal
 */
export function checkOptions(options: unknown, accepted: Readonly<Record<string, true>>, owner: string): void {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new TypeError(`expected the options of ${owner} to be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!Object.hasOwn(accepted, key)) {
      const names = Object.keys(accepted);
      const near = nearest(key, names);
      throw new TypeError(
        `expected the options of ${owner} to have only the keys ${names.map((n) => JSON.stringify(n)).join(", ")}, ` +
          `got unknown key ${JSON.stringify(key)}${near === undefined ? "" : ` (did you mean ${JSON.stringify(near)}?)`}`,
      );
    }
  }
}

/**
 * The accepted name `key` was most likely meant to be: the same but for case
 * or `_` (`batch_size`), one a prefix of the other (`maxLength` for `maxLen`),
 * or at most one edit per 3 characters away (`boundary` for `boundaries`);
 * undefined if none is that close.
 */
function nearest(key: string, names: readonly string[]): string | undefined {
  const fold = (s: string): string => s.toLowerCase().replaceAll("_", "");
  const k = fold(key);
  let best: string | undefined;
  let bestScore = Infinity;
  for (const name of names) {
    const n = fold(name);
    const prefix = Math.min(k.length, n.length) >= 3 && (k.startsWith(n) || n.startsWith(k));
    const distance = k === n || prefix ? 0 : editDistance(k, n);
    const close = distance <= Math.floor(Math.max(k.length, n.length) / 3);
    const score = k === n ? 0 : prefix ? 1 : 1 + distance;
    if (close && score < bestScore) {
      best = name;
      bestScore = score;
    }
  }
  return best;
}

/** Levenshtein distance (option names are short: a plain two-row table). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitute = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      row.push(Math.min(substitute, (previous[j] as number) + 1, (row[j - 1] as number) + 1));
    }
    previous = row;
  }
  return previous[b.length] as number;
}

export function checkPositiveInteger(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`expected ${name} to be an integer > 0, got ${describe(value)}`);
  }
  return value;
}

export function checkNonNegativeInteger(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new RangeError(`expected ${name} to be an integer >= 0, got ${describe(value)}`);
  }
  return value;
}

export function checkInt32(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < -2147483648 || value > 2147483647) {
    throw new RangeError(`expected ${name} to be a 32-bit integer, got ${describe(value)}`);
  }
  return value;
}

export function checkSide(value: unknown, name: string, fallback: "pre" | "post"): "pre" | "post" {
  if (value === undefined) return fallback;
  if (value !== "pre" && value !== "post") throw new TypeError(`expected ${name} to be "pre" or "post", got ${describe(value)}`);
  return value;
}

export function checkObject(value: unknown, name: string): void {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new TypeError(`expected ${name} to be an object, got ${describe(value)}`);
  }
}

/** Checks that every element of `sequence` is a 32-bit integer (Int32Array needs no check). */
export function checkSequence(sequence: unknown, name: string): ArrayLike<number> {
  if (sequence instanceof Int32Array) return sequence;
  if (
    sequence === null ||
    typeof sequence !== "object" ||
    typeof (sequence as ArrayLike<number>).length !== "number"
  ) {
    throw new TypeError(`expected ${name} to be an array or typed array of integers, got ${describe(sequence)}`);
  }
  const s = sequence as ArrayLike<unknown>;
  for (let i = 0; i < s.length; i++) {
    const v = s[i];
    if (typeof v !== "number" || !Number.isInteger(v) || v < -2147483648 || v > 2147483647) {
      throw new TypeError(`expected ${name}[${i}] to be a 32-bit integer, got ${describe(v)}`);
    }
  }
  return s as ArrayLike<number>;
}
