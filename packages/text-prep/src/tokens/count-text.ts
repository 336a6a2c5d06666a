import { TokenIndex, type PackedCounts } from "./token-index";
import { compileTokenizer, type CompiledTokenizer, type TokenizeOptions } from "./tokenize";
import { forEachPackedText, type PackedTexts, type TaskOutput } from "../parallel/run-parallel";

/** Counts the tokens of `source.slice(start, end)` into `index` with `tokenizer`; returns how many. @internal */
export function countText(index: TokenIndex, tokenizer: CompiledTokenizer, source: string, start = 0, end = source.length): number {
  const prepare = tokenizer.prepare;
  if (prepare !== null) {
    if (!tokenizer.lowercase && !tokenizer.stripHtml) return index.countWords(source, start, end);
    return index.countWords(prepare(source.slice(start, end)));
  }
  let n = 0;
  tokenizer.forEachToken(source.slice(start, end), (token) => {
    index.add(token);
    n++;
  });
  return n;
}

/** A slice of texts to count in a worker. @internal */
export interface CountTask {
  kind: "count";
  texts: PackedTexts;
  options: TokenizeOptions;
}

/** What a worker returns for a {@link CountTask}. @internal */
export interface CountResult {
  /** Distinct tokens of the slice in first-seen order, with their counts. */
  packed: PackedCounts;
  /** Tokens counted, repeats included. */
  tokens: number;
}

/** Counts one slice (in whatever thread runs it). @internal */
export function countSlice(task: CountTask): TaskOutput {
  const index = new TokenIndex();
  const tokenizer = compileTokenizer(task.options);
  let tokens = 0;
  forEachPackedText(task.texts, (source, start, end) => {
    tokens += countText(index, tokenizer, source, start, end);
  });
  const packed = index.pack();
  const result: CountResult = { packed, tokens };
  return { result, transfer: [packed.lengths.buffer as ArrayBuffer, packed.counts.buffer as ArrayBuffer] };
}

/** Messages of a streamed count (`TokenCounter.countInBackground`), in this order. @internal */
export type StreamCountMessage =
  | { kind: "count-begin"; options: TokenizeOptions }
  | { kind: "count-batch"; texts: PackedTexts }
  | { kind: "count-end" };

// The streamed count a worker is running (one at a time per worker).
let stream: { index: TokenIndex; tokenizer: CompiledTokenizer; tokens: number } | null = null;

/**
 * Worker side of a streamed count: `count-begin` starts an empty count,
 * each `count-batch` is counted in order and answered with `{ kind: "ack" }`,
 * `count-end` answers with the {@link CountResult} of all batches.
 * @internal
 */
export function streamCount(message: StreamCountMessage): TaskOutput | null {
  if (message.kind === "count-begin") {
    stream = { index: new TokenIndex(), tokenizer: compileTokenizer(message.options), tokens: 0 };
    return null;
  }
  const state = stream;
  if (state === null) throw new TypeError(`expected "count-begin" before "${message.kind}", got no count running`);
  if (message.kind === "count-batch") {
    forEachPackedText(message.texts, (source, start, end) => {
      state.tokens += countText(state.index, state.tokenizer, source, start, end);
    });
    return { result: { kind: "ack" }, transfer: [] };
  }
  stream = null;
  const packed = state.index.pack();
  const result: CountResult = { packed, tokens: state.tokens };
  return { result, transfer: [packed.lengths.buffer as ArrayBuffer, packed.counts.buffer as ArrayBuffer] };
}

