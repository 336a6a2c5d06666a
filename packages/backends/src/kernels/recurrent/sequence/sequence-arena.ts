import { BackendsError } from "../../../backends-error";
import type { WebAssemblyMemory } from "../../../wasm/webassembly-api";

/**
 * The shared memory of the whole-sequence kernels above the control block: from {@link ARENA_START} on, the blocks
 * a forward pass keeps for its backward pass ({@link SequenceArena.keep}, released in about the reverse order, as
 * backpropagation runs), then the scratch arena in which each kernel call lays out its arrays with
 * {@link SequenceArena.alloc}, reset when the call ends (kernels do not nest).
 */

/** First byte of the arena (below it: the control block of the job protocol). */
export const ARENA_START = 4096;
/** Bytes per WebAssembly page. */
const PAGE = 65536;
/** Pages the memory may grow to (4 GiB). */
export const MAX_PAGES = 65536;
/** Forward passes whose saved activations are kept at most, waiting for their backward pass. */
export const MAX_KEPT = 64;

/** A block of the shared memory kept from a forward kernel call to its backward call. */
export interface KeptBlock {
  /** Handle passed between the two calls (a positive integer). */
  readonly id: number;
  /** Byte offset of the block. */
  readonly offset: number;
  /** Size in bytes. */
  readonly bytes: number;
  /** What the kernel needs to find its arrays again (offsets, dimensions, attributes). */
  readonly meta: Readonly<Record<string, number>>;
}

/** Allocation in the shared memory: kept blocks and the scratch arena of one kernel call. */
export class SequenceArena {
  private top = ARENA_START;
  /** End of the kept blocks: where the scratch arena starts. */
  private keptTop = ARENA_START;
  private readonly kept: (KeptBlock & { live: boolean })[] = [];
  private readonly evicted = new Set<number>();
  private nextKeptId = 1;
  /** Float32 view of the whole memory, renewed after growth. */
  private f32: Float32Array;

  constructor(private readonly memory: WebAssemblyMemory) {
    this.f32 = new Float32Array(memory.buffer);
  }

  /** Reserves `floats` float32 values (16-byte aligned) in the arena; returns the byte offset. */
  alloc(floats: number): number {
    const at = this.top;
    this.top += Math.ceil((floats * 4) / 16) * 16;
    return at;
  }

  /** Makes sure the memory holds the arena allocated so far (call before writing into it). */
  commit(): void {
    const have = this.memory.buffer.byteLength;
    if (this.top > have) {
      const pages = Math.ceil((this.top - have) / PAGE);
      if (have / PAGE + pages > MAX_PAGES) {
        throw new BackendsError("KERNEL_INPUT", `recurrent sequence kernels: expected at most 4 GiB of working memory, needed ${this.top} bytes`);
      }
      this.memory.grow(pages);
    }
    if (this.f32.buffer.byteLength !== this.memory.buffer.byteLength) this.f32 = new Float32Array(this.memory.buffer);
  }

  /** Frees the whole scratch arena (end of a kernel call). */
  reset(): void {
    this.top = this.keptTop;
  }

  /**
   * Reserves a block of `bytes` that outlives the kernel call, for the backward pass of a forward call; the
   * scratch arena moves above it. Call before any {@link alloc} of the call. When {@link MAX_KEPT} blocks are
   * already waiting for their backward pass (forward passes recorded for a gradient that was never computed), the
   * oldest is released.
   */
  keep(bytes: number, meta: Record<string, number>): KeptBlock {
    if (this.top !== this.keptTop) throw new Error("SequenceArena.keep: expected no scratch allocation before it");
    while (this.kept.filter((k) => k.live).length >= MAX_KEPT) {
      const oldest = this.kept.find((k) => k.live)!;
      this.evicted.add(oldest.id);
      this.release(oldest.id);
    }
    const block = { id: this.nextKeptId++, offset: this.keptTop, bytes: Math.ceil(bytes / 16) * 16, meta, live: true };
    this.kept.push(block);
    this.keptTop += block.bytes;
    this.top = this.keptTop;
    return block;
  }

  /**
   * The live kept block with this handle.
   *
   * @throws {BackendsError} `KERNEL_INPUT` when it was released or never existed.
   */
  keptBlock(id: number, kernel: string): KeptBlock {
    const block = this.kept.find((k) => k.id === id && k.live);
    if (block !== undefined) return block;
    const why = this.evicted.has(id)
      ? `it was released because more than ${MAX_KEPT} forward passes were waiting for their backward pass`
      : "no forward pass of this thread pool saved it, or its backward pass already ran";
    throw new BackendsError("KERNEL_INPUT", `${kernel}: expected the saved activations of handle ${id}, but ${why}`);
  }

  /** Releases a kept block; the memory returns to the arena once the blocks above it are released too. */
  release(id: number): void {
    const block = this.kept.find((k) => k.id === id);
    if (block !== undefined) block.live = false;
    while (this.kept.length > 0 && !this.kept[this.kept.length - 1]!.live) {
      const top = this.kept.pop()!;
      this.keptTop = top.offset;
    }
    if (this.kept.length === 0) this.keptTop = ARENA_START;
    this.top = this.keptTop;
  }

  /** Number of kept blocks waiting for their backward pass. */
  keptCount(): number {
    return this.kept.filter((k) => k.live).length;
  }

  /** Copies `values` into the arena at byte offset `at`. */
  write(at: number, values: Float32Array): void {
    this.f32.set(values, at >> 2);
  }

  /** Zeroes `floats` values at byte offset `at`. */
  zero(at: number, floats: number): void {
    this.f32.fill(0, at >> 2, (at >> 2) + floats);
  }

  /** A view (not a copy) of `floats` values at byte offset `at`; valid until the next {@link commit}. */
  view(at: number, floats: number): Float32Array {
    return this.f32.subarray(at >> 2, (at >> 2) + floats);
  }
}
