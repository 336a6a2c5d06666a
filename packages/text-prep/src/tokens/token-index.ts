import { FNV_OFFSET, FNV_PRIME, UNKNOWN, WORD, classifyUnit, hashToken, surrogateClass, unitClass } from "./tokenize";

// FNV-1a's low bits depend only on the low bits of the input; spread the high
// bits down before masking.
function spread(hash: number): number {
  const h = Math.imul(hash ^ (hash >>> 16), 0x45d9f3b);
  return h ^ (h >>> 16);
}

/**
 * Open-addressing hash table from token to a dense id (0, 1, 2, ... in
 * insertion order) with a count per token. The default-tokenizer paths
 * ({@link TokenIndex.countWords}, {@link TokenIndex.encodeWords}) scan the text
 * and hash and compare each token in place, so a known token costs no string
 * allocation: this is what makes counting and encoding fast.
 * @internal
 */
export class TokenIndex {
  /** Tokens in insertion order (dense id = position). */
  readonly tokens: string[] = [];
  private hashes = new Int32Array(1024);
  private counts = new Float64Array(1024);
  private slots = new Int32Array(2048); // dense id + 1, 0 = empty
  private mask = 2047;
  private total = 0;
  private scratch = new Int32Array(4096);

  get size(): number {
    return this.tokens.length;
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
    const hash = hashToken(token);
    let slot = spread(hash) & this.mask;
    for (;;) {
      const entry = this.slots[slot] as number;
      if (entry === 0) return -1;
      const id = entry - 1;
      if (this.hashes[id] === hash && this.tokens[id] === token) return id;
      slot = (slot + 1) & this.mask;
    }
  }

  /** Adds `count` to `token`'s count, adding the token if new; returns its dense id. */
  add(token: string, count = 1): number {
    const hash = hashToken(token);
    let slot = spread(hash) & this.mask;
    this.total += count;
    for (;;) {
      const entry = this.slots[slot] as number;
      if (entry === 0) break;
      const id = entry - 1;
      if (this.hashes[id] === hash && this.tokens[id] === token) {
        this.counts[id] = (this.counts[id] as number) + count;
        return id;
      }
      slot = (slot + 1) & this.mask;
    }
    return this.insert(slot, token, hash, count);
  }

  /**
   * Tokenizes `text` with the default tokenizer (see `tokenize`) and counts
   * every token, adding new ones. Returns the number of tokens.
   */
  countWords(text: string): number {
    const n = text.length;
    let start = -1;
    let hash = 0;
    let tokenCount = 0;
    let i = 0;
    while (i <= n) {
      let cls = 0;
      let width = 1;
      let code = 0;
      if (i < n) {
        code = text.charCodeAt(i);
        cls = unitClass[code] as number;
        if (cls === UNKNOWN) {
          if (code >= 0xd800 && code <= 0xdfff) {
            const packed = surrogateClass(text, i);
            cls = packed & 3;
            width = packed >> 2;
          } else {
            cls = classifyUnit(code);
          }
        }
      }
      if (cls === WORD) {
        if (start < 0) {
          start = i;
          hash = FNV_OFFSET;
        }
        hash = Math.imul(hash ^ code, FNV_PRIME);
        if (width === 2) hash = Math.imul(hash ^ text.charCodeAt(i + 1), FNV_PRIME);
      } else if (start >= 0) {
        tokenCount++;
        const id = this.find(text, start, i, hash);
        if (id >= 0) this.counts[id] = (this.counts[id] as number) + 1;
        else this.insert(this.freeSlot, text.slice(start, i), hash, 1);
        start = -1;
      }
      i += width;
    }
    this.total += tokenCount;
    return tokenCount;
  }

  /**
   * Tokenizes `text` with the default tokenizer and returns, per token,
   * `dense id + offset` for known tokens and `unknownId` for the others.
   * Adds nothing.
   */
  encodeWords(text: string, offset: number, unknownId: number): Int32Array {
    let out = this.scratch;
    let used = 0;
    const n = text.length;
    let start = -1;
    let hash = 0;
    let i = 0;
    while (i <= n) {
      let cls = 0;
      let width = 1;
      let code = 0;
      if (i < n) {
        code = text.charCodeAt(i);
        cls = unitClass[code] as number;
        if (cls === UNKNOWN) {
          if (code >= 0xd800 && code <= 0xdfff) {
            const packed = surrogateClass(text, i);
            cls = packed & 3;
            width = packed >> 2;
          } else {
            cls = classifyUnit(code);
          }
        }
      }
      if (cls === WORD) {
        if (start < 0) {
          start = i;
          hash = FNV_OFFSET;
        }
        hash = Math.imul(hash ^ code, FNV_PRIME);
        if (width === 2) hash = Math.imul(hash ^ text.charCodeAt(i + 1), FNV_PRIME);
      } else if (start >= 0) {
        const id = this.find(text, start, i, hash);
        if (used === out.length) {
          const grown = new Int32Array(out.length * 2);
          grown.set(out);
          out = grown;
          this.scratch = grown;
        }
        out[used++] = id >= 0 ? id + offset : unknownId;
        start = -1;
      }
      i += width;
    }
    return out.slice(0, used);
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
      const entry = slots[slot] as number;
      if (entry === 0) {
        this.freeSlot = slot;
        return -1;
      }
      const id = entry - 1;
      if (this.hashes[id] === hash) {
        const token = this.tokens[id] as string;
        if (token.length === length) {
          let k = 0;
          while (k < length && token.charCodeAt(k) === source.charCodeAt(start + k)) k++;
          if (k === length) return id;
        }
      }
      slot = (slot + 1) & mask;
    }
  }

  private insert(slot: number, token: string, hash: number, count: number): number {
    const id = this.tokens.length;
    // Flatten: a slice of a long review would otherwise keep the whole review alive.
    this.tokens.push(token.length > 12 ? flatten(token) : token);
    if (id >= this.hashes.length) {
      const hashes = new Int32Array(this.hashes.length * 2);
      hashes.set(this.hashes);
      this.hashes = hashes;
      const counts = new Float64Array(this.counts.length * 2);
      counts.set(this.counts);
      this.counts = counts;
    }
    this.hashes[id] = hash;
    this.counts[id] = count;
    this.slots[slot] = id + 1;
    if ((id + 1) * 2 > this.mask) this.grow();
    return id;
  }

  private grow(): void {
    const size = (this.mask + 1) * 2;
    const slots = new Int32Array(size);
    const mask = size - 1;
    for (let id = 0; id < this.tokens.length; id++) {
      let slot = spread(this.hashes[id] as number) & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = id + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

function flatten(s: string): string {
  // join() builds a fresh sequential string; a slice would pin its source text.
  return s.split("").join("");
}
