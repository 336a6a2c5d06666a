// The distinct rows of a sequence kernel's input. An Embedding's output [batch, time, dim] holds one row per token,
// so it repeats rows as often as the text repeats tokens (a character model's 2,560 rows per batch come from at most
// 80 characters, a padded review's padding rows are all alike): the input projection x·W needs computing once per
// distinct row. Rows are compared bit for bit, so each distinct row's projection is exactly what every row equal to
// it would have given.

/** The distinct rows of a row-major matrix. */
export interface DistinctRows {
  /** How many distinct rows there are. */
  count: number;
  /** For each row of the matrix, the index of its distinct row (0 to count − 1, in order of first appearance). */
  rows: Int32Array;
  /** The distinct rows, in order of first appearance: `[count, cols]`. */
  values: Float32Array;
}

/** Rows looked at before deciding, from how many of them were distinct, whether the rest is worth looking at. */
const SAMPLE_ROWS = 1024;

/**
 * The distinct rows of `values` (`[rows, cols]`, row-major), compared bit for bit (so `0` and `-0`, or two NaNs with
 * different payloads, are different rows), or `null` when sharing would not pay: more than `maxDistinct` distinct
 * rows, or more than 90 % of the first 1,024 rows distinct (then the scan stops there).
 *
 * @example
 * distinctRows(Float32Array.of(1, 2, 3, 4, 1, 2), 3, 2, 2) // { count: 2, rows: [0, 1, 0], values: [1, 2, 3, 4] }
 */
export function distinctRows(values: Float32Array, rows: number, cols: number, maxDistinct: number): DistinctRows | null {
  if (values.length !== rows * cols) {
    throw new RangeError(`expected ${rows} × ${cols} = ${rows * cols} values, got ${values.length}`);
  }
  if (rows === 0 || maxDistinct < 1) return null;
  const bits = new Int32Array(values.buffer, values.byteOffset, values.length);
  // open addressing: slot → distinct index + 1 (0 = empty), at most half full
  let capacity = 16;
  while (capacity < 2 * Math.min(rows, maxDistinct + 1)) capacity *= 2;
  const slots = new Int32Array(capacity);
  const mask = capacity - 1;
  const firstRow = new Int32Array(Math.min(rows, maxDistinct + 1));
  const rowOf = new Int32Array(rows);
  let count = 0;
  for (let r = 0; r < rows; r++) {
    const at = r * cols;
    // FNV-1a over the row's 32-bit words, then a final avalanche (murmur3's fmix32)
    let h = 0x811c9dc5 | 0;
    for (let k = 0; k < cols; k++) h = Math.imul(h ^ bits[at + k]!, 0x01000193);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    let slot = h & mask;
    let found = -1;
    for (;;) {
      const entry = slots[slot]!;
      if (entry === 0) break;
      const other = firstRow[entry - 1]! * cols;
      let same = true;
      for (let k = 0; k < cols; k++) {
        if (bits[other + k] !== bits[at + k]) {
          same = false;
          break;
        }
      }
      if (same) {
        found = entry - 1;
        break;
      }
      slot = (slot + 1) & mask;
    }
    if (found < 0) {
      if (count === maxDistinct) return null;
      found = count++;
      firstRow[found] = r;
      slots[slot] = found + 1;
    }
    rowOf[r] = found;
    if (r + 1 === SAMPLE_ROWS && r + 1 < rows && count > 0.9 * SAMPLE_ROWS) return null;
  }
  const out = new Float32Array(count * cols);
  for (let d = 0; d < count; d++) out.set(values.subarray(firstRow[d]! * cols, (firstRow[d]! + 1) * cols), d * cols);
  return { count, rows: rowOf, values: out };
}
