import { TokenIndex, type PackedCounts } from "../../tokens/token-index";
import { compileTokenizer, type CompiledTokenizer, type TokenizeOptions } from "../../tokens/tokenize";
import { KeptIds, type KeptIdsPart } from "../../tokens/kept-ids";
import { countText } from "../../tokens/count-text";
import { forEachPackedText, type PackedTexts, type TaskOutput } from "./run-parallel";

/** A slice of texts to count in a worker. @internal */
export interface CountTask {
  kind: "count";
  texts: PackedTexts;
  options: TokenizeOptions;
  /** Send back the token ids of every text too. */
  keepIds: boolean;
}

/** What a worker returns for a {@link CountTask} (and at the end of a streamed count). @internal */
export interface CountResult {
  /** Distinct tokens of the slice in first-seen order, with their counts. */
  packed: PackedCounts;
  /** Tokens counted, repeats included. */
  tokens: number;
  /** With `keepIds`: the token ids of each text, ids into `packed` (its first-seen order); else null. */
  kept: KeptIdsPart | null;
}

/** A {@link CountResult} for posting, with the buffers to transfer. */
function countOutput(index: TokenIndex, tokens: number, kept: KeptIds | null): TaskOutput {
  const packed = index.pack();
  // Views into the growable buffers, transferred whole: no copy on this (the critical) path.
  const part = kept === null ? null : kept.toPart();
  const result: CountResult = { packed, tokens, kept: part };
  const transfer = [packed.lengths.buffer as ArrayBuffer, packed.counts.buffer as ArrayBuffer];
  if (part !== null) transfer.push(part.ids.buffer as ArrayBuffer, part.ends.buffer as ArrayBuffer);
  return { result, transfer };
}

/** Counts one slice (in whatever thread runs it). @internal */
export function countSlice(task: CountTask): TaskOutput {
  const index = new TokenIndex();
  const tokenizer = compileTokenizer(task.options);
  const kept = task.keepIds ? new KeptIds() : null;
  let tokens = 0;
  forEachPackedText(task.texts, (source, start, end) => {
    tokens += countText(index, tokenizer, source, start, end, kept);
  });
  return countOutput(index, tokens, kept);
}

/** Messages of a streamed count (`countInBackground`), in this order. @internal */
export type StreamCountMessage =
  | { kind: "count-begin"; options: TokenizeOptions; keepIds: boolean }
  | { kind: "count-batch"; texts: PackedTexts }
  | { kind: "count-end" };

// The streamed count a worker is running (one at a time per worker).
let stream: { index: TokenIndex; tokenizer: CompiledTokenizer; tokens: number; kept: KeptIds | null } | null = null;

/**
 * Worker side of a streamed count: `count-begin` starts an empty count,
 * each `count-batch` is counted in order and answered with `{ kind: "ack" }`,
 * `count-end` answers with the {@link CountResult} of all batches.
 * @internal
 */
export function streamCount(message: StreamCountMessage): TaskOutput | null {
  if (message.kind === "count-begin") {
    stream = {
      index: new TokenIndex(),
      tokenizer: compileTokenizer(message.options),
      tokens: 0,
      kept: message.keepIds ? new KeptIds() : null,
    };
    return null;
  }
  const state = stream;
  if (state === null) throw new TypeError(`expected "count-begin" before "${message.kind}", got no count running`);
  if (message.kind === "count-batch") {
    forEachPackedText(message.texts, (source, start, end) => {
      state.tokens += countText(state.index, state.tokenizer, source, start, end, state.kept);
    });
    return { result: { kind: "ack" }, transfer: [] };
  }
  stream = null;
  return countOutput(state.index, state.tokens, state.kept);
}
