import type { TokenIndex } from "./token-index";
import type { CompiledTokenizer } from "./tokenize";
import type { KeptIds } from "./kept-ids";

/**
 * Counts the tokens of `source.slice(start, end)` into `index` with
 * `tokenizer`; returns how many. With `kept`, also appends the text's token
 * ids (ids in `index`) to it as one more text. @internal
 */
export function countText(
  index: TokenIndex,
  tokenizer: CompiledTokenizer,
  source: string,
  start = 0,
  end = source.length,
  kept: KeptIds | null = null,
): number {
  const prepare = tokenizer.prepare;
  const out = kept === null ? null : kept.ids;
  let n: number;
  if (prepare !== null) {
    if (!tokenizer.lowercase && !tokenizer.stripHtml) n = index.countWords(source, start, end, out);
    else {
      const text = prepare(source.slice(start, end));
      n = index.countWords(text, 0, text.length, out);
    }
  } else {
    let count = 0;
    tokenizer.forEachToken(source.slice(start, end), (token) => {
      const id = index.add(token);
      if (out !== null) {
        out.reserve(1);
        out.data[out.length++] = id;
      }
      count++;
    });
    n = count;
  }
  kept?.endText();
  return n;
}
