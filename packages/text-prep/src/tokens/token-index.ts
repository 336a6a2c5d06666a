import { FNV_OFFSET, FNV_PRIME, SEPARATOR, UNKNOWN, WORD, classifyUnit, hashToken, surrogateClass, unitClass } from "./tokenize";

// FNV-1a's low bits depend only on the low bits of the input; spread the high
// bits down before masking.
function spread(hash: number): number {
  const h = Math.imul(hash ^ (hash >>> 16), 0x45d9f3b);
  return h ^ (h >>> 16);
}

// Fast path for one-byte text (every character U+0000..U+00FF, almost every
// review): copied as Latin-1 into a scratch buffer (a memcpy), it is scanned
// as bytes, which V8 reads faster than a string's characters. Node only
// (Buffer); elsewhere, and for text with wider characters, the string is
// scanned directly. Both give the same tokens and hashes (a byte is the code unit).
const latin1Available = typeof Buffer === "function";
let latin1Scratch: Buffer | null = null;
// A character above U+00FF. V8 answers at once for one-byte strings.
const WIDE_CHAR = /[\u0100-\uffff]/;
/** Class (`WORD` or `SEPARATOR`) of each Latin-1 character. */
const byteClass = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const known = unitClass[c] as number;
  byteClass[c] = known === UNKNOWN ? classifyUnit(c) : known;
}

/** `text.slice(from, to)` as Latin-1 bytes in a shared scratch buffer, or null if not one-byte (or no Buffer). */
function latin1(text: string, from: number, to: number): Buffer | null {
  if (!latin1Available || to - from < 16) return null;
  const part = from === 0 && to === text.length ? text : text.slice(from, to);
  if (WIDE_CHAR.test(part)) return null;
  if (latin1Scratch === null || latin1Scratch.length < part.length) {
    latin1Scratch = Buffer.allocUnsafeSlow(Math.max(1 << 16, part.length * 2));
  }
  latin1Scratch.write(part, 0, part.length, "latin1");
  return latin1Scratch;
}

/**
 * A growable `Int32Array` that encoded ids are appended to. @internal
 */
export class IdBuffer {
  data: Int32Array;
  length = 0;
  constructor(capacity = 4096) {
    this.data = new Int32Array(Math.max(16, capacity));
  }
  /** Makes room for at least `extra` more ids. */
  reserve(extra: number): void {
    if (this.length + extra <= this.data.length) return;
    const grown = new Int32Array(Math.max(this.data.length * 2, this.length + extra));
    grown.set(this.data.subarray(0, this.length));
    this.data = grown;
  }
}

/** Stands in for an {@link IdBuffer}'s data when no ids are kept (never written). */
const NO_IDS = new Int32Array(0);

/** Distinct tokens in first-seen order, packed for a worker message. @internal */
export interface PackedCounts {
  /** The tokens concatenated. */
  joined: string;
  /** Shape `[tokens]`: length of each token in UTF-16 code units. */
  lengths: Int32Array;
  /** Shape `[tokens]`: count of each token. */
  counts: Float64Array;
}

/**
 * Open-addressing hash table from token to a dense id (0, 1, 2, ... in
 * insertion order) with a count per token. The default-tokenizer paths
 * ({@link TokenIndex.countWords}, {@link TokenIndex.encodeWords}) scan the text
 * and hash and compare each token in place, so a known token costs no string
 * allocation: this is what makes counting and encoding fast.
 *
 * Layout, chosen so that a lookup touches few cache lines: `slots` holds
 * `[hash, id + 1]` pairs side by side (0 = empty), and the characters of every
 * token sit in one flat `Uint16Array` (`chars`, token `id` at
 * `starts[id]..starts[id + 1]`), so comparing a candidate reads typed arrays
 * instead of following a pointer to a string.
 * @internal
 */
export class TokenIndex {
  /**
   * Tokens in insertion order (dense id = position); empty for an index made
   * with `keepStrings: false`, which only maps text to ids.
   */
  readonly tokens: string[] = [];
  private n = 0;
  private counts = new Float64Array(1024);
  private starts = new Int32Array(1025);
  private chars = new Uint16Array(1 << 14);
  private slots = new Int32Array(2 * 2048);
  private mask = 2047;
  private total = 0;
  private readonly scratch = new IdBuffer();
  /** A source string that new tokens may stay slices of (see `merge`). */
  private keepWhole: string | null = null;

  /**
   * @param keepStrings - Keep each token as a string in {@link TokenIndex.tokens}
   *   (needed for `pack`, entries and decoding; not for counting or encoding).
   */
  constructor(private readonly keepStrings = true) {}

  get size(): number {
    return this.n;
  }

  /** Sum of all counts. */
  get totalCount(): number {
    return this.total;
  }

  countOf(id: number): number {
    return this.counts[id] as number;
  }

  /** Dense id of `token`, or -1. */
  idOf(token: string): number {
    return this.find(token, 0, token.length, hashToken(token));
  }

  /** Adds `count` to `token`'s count, adding the token if new; returns its dense id. */
  add(token: string, count = 1): number {
    return this.addRange(token, 0, token.length, hashToken(token), count);
  }

  /** Adds `count` to the token `source.slice(start, end)` (hash given), adding it if new. */
  private addRange(source: string, start: number, end: number, hash: number, count: number): number {
    this.total += count;
    const id = this.find(source, start, end, hash);
    if (id >= 0) {
      this.counts[id] = (this.counts[id] as number) + count;
      return id;
    }
    return this.insert(this.freeSlot, source, start, end, hash, count);
  }

  /**
   * Adds the tokens of {@link TokenIndex.pack} output, in order: a token already
   * here gets the count added, a new one is appended. Merging the packs of
   * consecutive slices of a corpus, in slice order, gives the same ids, order
   * and counts as one pass over the whole corpus.
   * @param map - If given, shape `[packed tokens]`: receives, per token of the
   *   pack (its id in the index it was packed from), its id here.
   */
  merge(packed: PackedCounts, map: Int32Array | null = null): void {
    const { joined, lengths, counts } = packed;
    // Into an empty index, a pack's tokens (distinct) need no lookup.
    const fresh = this.n === 0;
    // Slices of the pack's string (tokens only, a few MB at most) may keep it alive.
    this.keepWhole = joined;
    let start = 0;
    for (let k = 0; k < lengths.length; k++) {
      const end = start + (lengths[k] as number);
      let hash = FNV_OFFSET;
      for (let i = start; i < end; i++) hash = Math.imul(hash ^ joined.charCodeAt(i), FNV_PRIME);
      const count = counts[k] as number;
      let id: number;
      if (fresh) {
        this.total += count;
        id = this.insert(this.emptySlot(hash), joined, start, end, hash, count);
      } else {
        id = this.addRange(joined, start, end, hash, count);
      }
      if (map !== null) map[k] = id;
      start = end;
    }
    this.keepWhole = null;
  }

  /** Appends `token`, known not to be here yet (a vocabulary's tokens are distinct); returns its id. */
  addNew(token: string, count = 1): number {
    const hash = hashToken(token);
    this.total += count;
    return this.insert(this.emptySlot(hash), token, 0, token.length, hash, count);
  }

  /** First free slot for `hash` (the token is known to be absent). */
  private emptySlot(hash: number): number {
    const slots = this.slots;
    const mask = this.mask;
    let slot = spread(hash) & mask;
    while (slots[2 * slot + 1] !== 0) slot = (slot + 1) & mask;
    return slot;
  }

  /** The tokens and counts, packed into one string and two typed arrays (cheap to post to a thread). */
  pack(): PackedCounts {
    const n = this.n;
    const lengths = new Int32Array(n);
    for (let id = 0; id < n; id++) lengths[id] = (this.starts[id + 1] as number) - (this.starts[id] as number);
    return { joined: this.tokens.join(""), lengths, counts: this.counts.slice(0, n) };
  }

  /**
   * Tokenizes `text.slice(from, to)` with the default tokenizer (see
   * `tokenize`) and counts every token, adding new ones. Returns the number
   * of tokens. With `out`, also appends each token's id to it, in text order.
   */
  countWords(text: string, from = 0, to = text.length, out: IdBuffer | null = null): number {
    const bytes = latin1(text, from, to);
    if (bytes !== null) return this.countBytes(bytes, to - from, text, from, out);
    const n = to;
    const table = unitClass;
    // At most one token per two code units (a word character, then a separator).
    if (out !== null) out.reserve((to - from + 1) >> 1);
    const data = out === null ? NO_IDS : out.data;
    let used = out === null ? 0 : out.length;
    let tokenCount = 0;
    let i = from;
    while (i < n) {
      // Skip separators.
      let code = text.charCodeAt(i);
      let cls = table[code] as number;
      if (cls !== WORD) {
        if (cls === UNKNOWN) {
          const packed = classifyAt(text, i, code);
          if ((packed & 3) === SEPARATOR) {
            i += packed >> 2;
            continue;
          }
        } else {
          i++;
          continue;
        }
      }
      // A word starts at i: hash it up to the next separator.
      const start = i;
      let hash = FNV_OFFSET;
      while (i < n) {
        code = text.charCodeAt(i);
        cls = table[code] as number;
        if (cls === WORD) {
          hash = Math.imul(hash ^ code, FNV_PRIME);
          i++;
        } else if (cls === UNKNOWN) {
          const packed = classifyAt(text, i, code);
          if ((packed & 3) === SEPARATOR) break;
          hash = Math.imul(hash ^ code, FNV_PRIME);
          if (packed >> 2 === 2) hash = Math.imul(hash ^ text.charCodeAt(i + 1), FNV_PRIME);
          i += packed >> 2;
        } else {
          break;
        }
      }
      tokenCount++;
      let id = this.find(text, start, i, hash);
      if (id >= 0) this.counts[id] = (this.counts[id] as number) + 1;
      else id = this.insert(this.freeSlot, text, start, i, hash, 1);
      if (out !== null) data[used++] = id;
    }
    if (out !== null) out.length = used;
    this.total += tokenCount;
    return tokenCount;
  }

  /**
   * Tokenizes `text.slice(from, to)` with the default tokenizer and appends
   * to `out`, per token, `dense id + offset` for known tokens and `unknownId`
   * for the others. Adds nothing. Returns the number of ids appended.
   */
  encodeWordsInto(text: string, from: number, to: number, offset: number, unknownId: number, out: IdBuffer): number {
    const bytes = latin1(text, from, to);
    if (bytes !== null) return this.encodeBytesInto(bytes, to - from, offset, unknownId, out);
    const n = to;
    const table = unitClass;
    // At most one token per two code units (a word character, then a separator).
    out.reserve((to - from + 1) >> 1);
    const data = out.data;
    const first = out.length;
    let used = first;
    let i = from;
    while (i < n) {
      let code = text.charCodeAt(i);
      let cls = table[code] as number;
      if (cls !== WORD) {
        if (cls === UNKNOWN) {
          const packed = classifyAt(text, i, code);
          if ((packed & 3) === SEPARATOR) {
            i += packed >> 2;
            continue;
          }
        } else {
          i++;
          continue;
        }
      }
      const start = i;
      let hash = FNV_OFFSET;
      while (i < n) {
        code = text.charCodeAt(i);
        cls = table[code] as number;
        if (cls === WORD) {
          hash = Math.imul(hash ^ code, FNV_PRIME);
          i++;
        } else if (cls === UNKNOWN) {
          const packed = classifyAt(text, i, code);
          if ((packed & 3) === SEPARATOR) break;
          hash = Math.imul(hash ^ code, FNV_PRIME);
          if (packed >> 2 === 2) hash = Math.imul(hash ^ text.charCodeAt(i + 1), FNV_PRIME);
          i += packed >> 2;
        } else {
          break;
        }
      }
      const id = this.find(text, start, i, hash);
      data[used++] = id >= 0 ? id + offset : unknownId;
    }
    out.length = used;
    return used - first;
  }

  /**
   * Tokenizes `text` with the default tokenizer and returns, per token,
   * `dense id + offset` for known tokens and `unknownId` for the others.
   * Adds nothing.
   */
  encodeWords(text: string, offset: number, unknownId: number): Int32Array {
    const out = this.scratch;
    out.length = 0;
    this.encodeWordsInto(text, 0, text.length, offset, unknownId, out);
    return out.data.slice(0, out.length);
  }

  /** {@link countWords} on `bytes[0..n)`, the Latin-1 of `text[base..base + n)`. */
  private countBytes(bytes: Uint8Array, n: number, text: string, base: number, out: IdBuffer | null): number {
    const table = byteClass;
    if (out !== null) out.reserve((n + 1) >> 1);
    const data = out === null ? NO_IDS : out.data;
    let used = out === null ? 0 : out.length;
    let tokenCount = 0;
    let i = 0;
    while (i < n) {
      while (i < n && table[bytes[i] as number] !== WORD) i++;
      if (i >= n) break;
      const start = i;
      let hash = FNV_OFFSET;
      for (; i < n; i++) {
        const code = bytes[i] as number;
        if (table[code] !== WORD) break;
        hash = Math.imul(hash ^ code, FNV_PRIME);
      }
      tokenCount++;
      let id = this.findBytes(bytes, start, i, hash);
      if (id >= 0) this.counts[id] = (this.counts[id] as number) + 1;
      else id = this.insert(this.freeSlot, text, base + start, base + i, hash, 1);
      if (out !== null) data[used++] = id;
    }
    if (out !== null) out.length = used;
    this.total += tokenCount;
    return tokenCount;
  }

  /** {@link encodeWordsInto} on `bytes[0..n)`, Latin-1 text. */
  private encodeBytesInto(bytes: Uint8Array, n: number, offset: number, unknownId: number, out: IdBuffer): number {
    const table = byteClass;
    out.reserve((n + 1) >> 1);
    const data = out.data;
    const first = out.length;
    let used = first;
    let i = 0;
    while (i < n) {
      while (i < n && table[bytes[i] as number] !== WORD) i++;
      if (i >= n) break;
      const start = i;
      let hash = FNV_OFFSET;
      for (; i < n; i++) {
        const code = bytes[i] as number;
        if (table[code] !== WORD) break;
        hash = Math.imul(hash ^ code, FNV_PRIME);
      }
      const id = this.findBytes(bytes, start, i, hash);
      data[used++] = id >= 0 ? id + offset : unknownId;
    }
    out.length = used;
    return used - first;
  }

  /** {@link find} for `bytes[start..end)`, Latin-1 text. */
  private findBytes(bytes: Uint8Array, start: number, end: number, hash: number): number {
    const length = end - start;
    const slots = this.slots;
    const mask = this.mask;
    let slot = spread(hash) & mask;
    for (;;) {
      const entry = slots[2 * slot + 1] as number;
      if (entry === 0) {
        this.freeSlot = slot;
        return -1;
      }
      if (slots[2 * slot] === hash) {
        const id = entry - 1;
        const from = this.starts[id] as number;
        if ((this.starts[id + 1] as number) - from === length) {
          const chars = this.chars;
          let k = 0;
          while (k < length && chars[from + k] === bytes[start + k]) k++;
          if (k === length) return id;
        }
      }
      slot = (slot + 1) & mask;
    }
  }

  /** Free slot found by the last unsuccessful {@link find}. */
  private freeSlot = 0;

  /** Id of `source.slice(start, end)` or -1 (then `freeSlot` is where to insert it). */
  private find(source: string, start: number, end: number, hash: number): number {
    const length = end - start;
    const slots = this.slots;
    const mask = this.mask;
    let slot = spread(hash) & mask;
    for (;;) {
      const entry = slots[2 * slot + 1] as number;
      if (entry === 0) {
        this.freeSlot = slot;
        return -1;
      }
      if (slots[2 * slot] === hash) {
        const id = entry - 1;
        const from = this.starts[id] as number;
        if ((this.starts[id + 1] as number) - from === length) {
          const chars = this.chars;
          let k = 0;
          while (k < length && chars[from + k] === source.charCodeAt(start + k)) k++;
          if (k === length) return id;
        }
      }
      slot = (slot + 1) & mask;
    }
  }

  private insert(slot: number, source: string, start: number, end: number, hash: number, count: number): number {
    const id = this.n++;
    const length = end - start;
    if (this.keepStrings) {
      const token = start === 0 && end === source.length ? source : source.slice(start, end);
      // Flatten: a slice of a long review would otherwise keep the whole review alive.
      this.tokens.push(token.length > 12 && token !== source && source !== this.keepWhole ? flatten(token) : token);
    }
    if (id === this.counts.length) {
      // counts has room for `capacity` tokens, starts for `capacity + 1` boundaries.
      const counts = new Float64Array(id * 2);
      counts.set(this.counts);
      this.counts = counts;
      const starts = new Int32Array(id * 2 + 1);
      starts.set(this.starts);
      this.starts = starts;
    }
    const from = this.starts[id] as number;
    if (from + length > this.chars.length) {
      const chars = new Uint16Array(Math.max(this.chars.length * 2, from + length));
      chars.set(this.chars);
      this.chars = chars;
    }
    const chars = this.chars;
    for (let k = 0; k < length; k++) chars[from + k] = source.charCodeAt(start + k);
    this.starts[id + 1] = from + length;
    this.counts[id] = count;
    this.slots[2 * slot] = hash;
    this.slots[2 * slot + 1] = id + 1;
    if ((id + 1) * 2 > this.mask) this.grow();
    return id;
  }

  private grow(): void {
    const size = (this.mask + 1) * 2;
    const mask = size - 1;
    const old = this.slots;
    const slots = new Int32Array(2 * size);
    for (let s = 0; s < old.length; s += 2) {
      const entry = old[s + 1] as number;
      if (entry === 0) continue;
      const hash = old[s] as number;
      let slot = spread(hash) & mask;
      while (slots[2 * slot + 1] !== 0) slot = (slot + 1) & mask;
      slots[2 * slot] = hash;
      slots[2 * slot + 1] = entry;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

/**
 * Class of the code unit at `text[i]` that the table does not know yet (a
 * surrogate or a first-seen non-ASCII unit): `WORD` or `SEPARATOR` in the low
 * two bits, the width in code units (1 or 2) above them.
 */
function classifyAt(text: string, i: number, code: number): number {
  if (code >= 0xd800 && code <= 0xdfff) return surrogateClass(text, i);
  return classifyUnit(code) | (1 << 2);
}

function flatten(s: string): string {
  // join() builds a fresh sequential string; a slice would pin its source text.
  return s.split("").join("");
}
