import { IdBuffer } from "./token-index";

/**
 * The token ids a counter made with `keepIds: true` keeps: per counted text,
 * in order, the sequence of its tokens as ids into the counter's first-seen
 * table, all in one flat buffer. Text `j` is `ids[ends[j - 1] .. ends[j])`
 * (`ends[-1]` = 0). @internal
 */
export class KeptIds {
  /** Shape `[ids]`: every kept id, text after text. */
  readonly ids = new IdBuffer(1 << 12);
  /** Shape `[texts]`: where each text's ids end in {@link KeptIds.ids}. */
  readonly ends = new IdBuffer(1 << 8);

  /** Number of texts kept. */
  get texts(): number {
    return this.ends.length;
  }

  /** Closes the current text: the ids appended since the last call are its ids. */
  endText(): void {
    const ends = this.ends;
    ends.reserve(1);
    ends.data[ends.length++] = this.ids.length;
  }

  /**
   * Appends the texts of a {@link KeptIdsPart} counted in another index:
   * each id `i` becomes `map[i]` (its id in this counter's index), or stays
   * `i` when `map` is null (the other index's ids are this one's). Into an
   * empty `KeptIds` with no map, the part's arrays are taken over, not copied:
   * the caller must not write to them afterwards.
   */
  append(part: KeptIdsPart, map: Int32Array | null): void {
    const { ids, ends } = part;
    if (map === null && this.ids.length === 0 && this.ends.length === 0) {
      // Nothing here yet: take the part's buffers over instead of copying them.
      this.ids.data = ids;
      this.ids.length = ids.length;
      this.ends.data = ends;
      this.ends.length = ends.length;
      return;
    }
    const base = this.ids.length;
    this.ids.reserve(ids.length);
    const data = this.ids.data;
    if (map === null) data.set(ids, base);
    else for (let i = 0; i < ids.length; i++) data[base + i] = map[ids[i] as number] as number;
    this.ids.length = base + ids.length;
    this.ends.reserve(ends.length);
    const endData = this.ends.data;
    const first = this.ends.length;
    for (let j = 0; j < ends.length; j++) endData[first + j] = base + (ends[j] as number);
    this.ends.length = first + ends.length;
  }

  /**
   * The kept ids as a {@link KeptIdsPart} of views (no copy; valid until
   * more ids are appended). Their buffers can be transferred to another
   * thread as they are: a view keeps its offset and length across.
   */
  view(): KeptIdsPart {
    return { ids: this.ids.data.subarray(0, this.ids.length), ends: this.ends.data.subarray(0, this.ends.length) };
  }
}

/** Kept ids sent between threads. @internal */
export interface KeptIdsPart {
  /** Shape `[ids]`: the ids of every text, one after the other. */
  ids: Int32Array;
  /** Shape `[texts]`: text `j` is `ids[ends[j - 1] .. ends[j])`, `ends[-1]` = 0. */
  ends: Int32Array;
}
