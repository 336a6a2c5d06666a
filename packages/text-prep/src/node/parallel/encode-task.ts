import { IdBuffer, TokenIndex, type PackedCounts } from "../../tokens/token-index";
import { compileTokenizer, type CompiledTokenizer, type TokenizeOptions } from "../../tokens/tokenize";
import { forEachPackedText, type PackedTexts, type TaskOutput } from "./run-parallel";

/** A slice of texts to encode in a worker. @internal */
export interface EncodeTask {
  kind: "encode";
  texts: PackedTexts;
  /** The encoder's tokens in id order (`TokenIndex.pack`). */
  vocabulary: PackedCounts;
  options: TokenizeOptions;
}

/** What a worker returns for an {@link EncodeTask}. @internal */
export interface EncodeResult {
  /** Shape `[ids]`: the ids of every text, one after the other. */
  ids: Int32Array;
  /** Shape `[texts + 1]`: text `j` is `ids[offsets[j]..offsets[j + 1]]`. */
  offsets: Int32Array;
}

/** Appends the ids of `source.slice(start, end)` to `out` (vocabulary position + 1, `oov` for the rest). */
function encodeText(
  index: TokenIndex,
  tokenizer: CompiledTokenizer,
  oov: number,
  out: IdBuffer,
  source: string,
  start: number,
  end: number,
): void {
  const prepare = tokenizer.prepare;
  if (prepare !== null) {
    if (!tokenizer.lowercase && !tokenizer.stripHtml) index.encodeWordsInto(source, start, end, 1, oov, out);
    else {
      const text = prepare(source.slice(start, end));
      index.encodeWordsInto(text, 0, text.length, 1, oov, out);
    }
    return;
  }
  tokenizer.forEachToken(source.slice(start, end), (token) => {
    const id = index.idOf(token);
    out.reserve(1);
    out.data[out.length++] = id < 0 ? oov : id + 1;
  });
}

/** Encodes `texts[from..to)` one after the other into one buffer. @internal */
export function encodeRange(
  index: TokenIndex,
  tokenizer: CompiledTokenizer,
  oov: number,
  texts: readonly string[],
  from: number,
  to: number,
): EncodeResult {
  const out = new IdBuffer(1 << 16);
  const offsets = new Int32Array(to - from + 1);
  for (let j = from; j < to; j++) {
    const text = texts[j] as string;
    encodeText(index, tokenizer, oov, out, text, 0, text.length);
    offsets[j - from + 1] = out.length;
  }
  return { ids: out.data.slice(0, out.length), offsets };
}

/** The texts of an {@link EncodeResult}: `count` views into its `ids`. @internal */
export function unpackEncoded({ ids, offsets }: EncodeResult, count: number): Int32Array[] {
  const out = new Array<Int32Array>(count);
  for (let j = 0; j < count; j++) out[j] = ids.subarray(offsets[j], offsets[j + 1]);
  return out;
}

/** Encodes one slice (in whatever thread runs it). @internal */
export function encodeSlice(task: EncodeTask): TaskOutput {
  const index = new TokenIndex(false); // ids only: no token strings needed here
  index.merge(task.vocabulary);
  const tokenizer = compileTokenizer(task.options);
  const oov = index.size + 1;
  const out = new IdBuffer(1 << 16);
  const offsets = new Int32Array(task.texts.lengths.length + 1);
  let j = 0;
  forEachPackedText(task.texts, (source, start, end) => {
    encodeText(index, tokenizer, oov, out, source, start, end);
    offsets[++j] = out.length;
  });
  const result: EncodeResult = { ids: out.data.slice(0, out.length), offsets };
  return { result, transfer: [result.ids.buffer as ArrayBuffer, result.offsets.buffer as ArrayBuffer] };
}
