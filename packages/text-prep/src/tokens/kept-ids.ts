import { IdBuffer } from "./token-index";

/** Kept ids of consecutive texts, in one buffer (also sent between threads). @internal */
export interface KeptIdsPart {
  /** Shape `[ids]`: the ids of every text, one after the other. */
  ids: Int32Array;
  /** Shape `[texts]`: text `j` is `ids[ends[j - 1] .. ends[j])`, `ends[-1]` = 0. */
  ends: Int32Array;
}

/**
 * The token ids a counter made with `keepIds: true` keeps: per counted text,
 * in order, the sequence of its tokens as ids into the counter's first-seen
 * table. Held as a list of parts: parts counted elsewhere (a worker, a
 * background count) are taken over as they are, without copying, and texts
 * counted here are appended to an open part. @internal
 */
export class KeptIds {
  /** Shape `[ids]`: the ids of the open part (texts counted in this index), text after text. */
  readonly ids = new IdBuffer(1 << 16);
  /** Shape `[texts]`: where each text of the open part ends in {@link KeptIds.ids}. */
  readonly ends = new IdBuffer(1 << 10);
  private readonly closed: KeptIdsPart[] = [];
  private closedTexts = 0;

  /** Number of texts kept. */
  get texts(): number {
    return this.closedTexts + this.ends.length;
  }

  /** Closes the current text: the ids appended to {@link KeptIds.ids} since the last call are its ids. */
  endText(): void {
    const ends = this.ends;
    ends.reserve(1);
    ends.data[ends.length++] = this.ids.length;
  }

  /**
   * Appends the texts of a part counted in another index, taking its arrays
   * over (the caller must not use them afterwards): each id `i` is replaced,
   * in place, by `map[i]` (its id in this counter's index), or stays `i` when
   * `map` is null (the other index's ids are this one's).
   */
  append(part: KeptIdsPart, map: Int32Array | null): void {
    const { ids } = part;
    if (map !== null) for (let i = 0; i < ids.length; i++) ids[i] = map[ids[i] as number] as number;
    this.closeOpenPart();
    this.closed.push(part);
    this.closedTexts += part.ends.length;
  }

  /** Every part, in text order (the open one as views: valid until more texts are counted). */
  parts(): KeptIdsPart[] {
    const open: KeptIdsPart = { ids: this.ids.data.subarray(0, this.ids.length), ends: this.ends.data.subarray(0, this.ends.length) };
    return open.ends.length === 0 ? [...this.closed] : [...this.closed, open];
  }

  /**
   * All kept ids as one part: the open part's views when it is the only one
   * (no copy; their buffers can be transferred to another thread as they are,
   * a view keeps its offset and length across), else a concatenation.
   */
  toPart(): KeptIdsPart {
    const parts = this.parts();
    if (parts.length === 1) return parts[0] as KeptIdsPart;
    let idCount = 0;
    for (const part of parts) idCount += part.ids.length;
    const ids = new Int32Array(idCount);
    const ends = new Int32Array(this.texts);
    let base = 0;
    let text = 0;
    for (const part of parts) {
      ids.set(part.ids, base);
      for (let j = 0; j < part.ends.length; j++) ends[text++] = base + (part.ends[j] as number);
      base += part.ids.length;
    }
    return { ids, ends };
  }

  /** Moves the open part's texts, if any, to the closed parts and starts a new open part. */
  private closeOpenPart(): void {
    if (this.ends.length === 0) return;
    this.closed.push({ ids: this.ids.data.subarray(0, this.ids.length), ends: this.ends.data.subarray(0, this.ends.length) });
    this.closedTexts += this.ends.length;
    this.ids.data = new Int32Array(1 << 16);
    this.ids.length = 0;
    this.ends.data = new Int32Array(1 << 10);
    this.ends.length = 0;
  }
}
