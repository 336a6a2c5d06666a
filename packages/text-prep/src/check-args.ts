/** Argument checks shared by the sequence utilities. @internal */

export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (typeof value === "string") return JSON.stringify(value);
  return typeof value;
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
  if (value === null || typeof value !== "object") throw new TypeError(`expected ${name} to be an object, got ${describe(value)}`);
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
