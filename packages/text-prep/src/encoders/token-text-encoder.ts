import { TokenIndex } from "../tokens/token-index";
import { TOKENIZE_KEYS, compileTokenizer, describeTokenizer, sameTokenizer, type CompiledTokenizer, type TokenizeOptions } from "../tokens/tokenize";
import { TokenCounter, counterAccess } from "../tokens/token-counter";
import { TextPrepError } from "../text-prep-error";
import { checkOptions, describe, type OptionKeys } from "../check-args";
import { Vocabulary } from "../tokens/vocabulary";
import { badField, checkFormat } from "./json-format";

const FORMAT = "@recurrent/text-prep:TokenTextEncoder";
const VERSION = 1;

/** Options of {@link TokenTextEncoder}: how text is tokenized, plus the out-of-vocabulary token. */
export interface TokenTextEncoderOptions extends TokenizeOptions {
  /**
   * What {@link TokenTextEncoder.decode} prints for the out-of-vocabulary id.
   * @default "UNK"
   */
  oovToken?: string;
}

const ENCODER_KEYS = { ...TOKENIZE_KEYS, oovToken: true } as const satisfies OptionKeys<TokenTextEncoderOptions>;

/** What {@link TokenTextEncoder.toJSON} returns (format version 1). */
export interface TokenTextEncoderJson {
  format: typeof FORMAT;
  version: typeof VERSION;
  vocabulary: string[];
  oovToken: string;
  lowercase: boolean;
  stripHtml: boolean;
  reservedTokens: string[];
}

/** What the worker-thread encoding of `@recurrent/text-prep/node` needs of an encoder. @internal */
export interface EncoderAccess {
  /** Token -> vocabulary position (id - 1). */
  readonly index: TokenIndex;
  readonly tokenizer: CompiledTokenizer;
}

// Set in TokenTextEncoder's static block, for encoderAccess.
let access: (encoder: TokenTextEncoder) => EncoderAccess;

/** See {@link EncoderAccess}. @internal */
export function encoderAccess(encoder: TokenTextEncoder): EncoderAccess {
  return access(encoder);
}

/**
 * Text to integer ids with the tfds `TokenTextEncoder` id scheme the chapter
 * uses: 0 is padding, vocabulary tokens are 1..n in vocabulary order, every
 * out-of-vocabulary token is n + 1, and `vocabSize` is n + 2 (the input size
 * of an `Embedding` layer).
 *
 * @example
 * const counter = new TokenCounter();
 * for (const text of texts) counter.addText(text);
 * const encoder = new TokenTextEncoder(counter.toVocabulary());
 * encoder.encode("This movie was great");  // Int32Array [ids...]
 * encoder.decode([0, 0, 12, 7]);             // padding skipped
 * const same = TokenTextEncoder.fromJSON(JSON.parse(JSON.stringify(encoder)));
 * // In Node, saveEncoder / loadTokenTextEncoder of "@recurrent/text-prep/node" write and read it as a file.
 */
export class TokenTextEncoder {
  static {
    access = (encoder) => ({ index: encoder.index, tokenizer: encoder.tokenizer });
  }

  /** Padding id. */
  static readonly PAD_ID = 0;
  /** The vocabulary tokens; token `vocabulary[i]` has id `i + 1`. */
  readonly vocabulary: readonly string[];
  /** What `decode` prints for the out-of-vocabulary id. */
  readonly oovToken: string;
  /** The tokenizer options this encoder uses. */
  readonly tokenizeOptions: Readonly<Required<TokenizeOptions>>;
  private readonly index = new TokenIndex();
  private readonly tokenizer: CompiledTokenizer;

  /**
   * @param vocabulary - A {@link Vocabulary} or distinct non-empty tokens in id order.
   * @param options - Tokenizer options (see `tokenize`) and `oovToken`.
   * @throws {TypeError} If the tokens are not distinct non-empty strings, an option has the wrong type, or
   *   `options` has an unknown key.
   */
  constructor(vocabulary: Vocabulary | readonly string[], options: TokenTextEncoderOptions = {}) {
    checkOptions(options, ENCODER_KEYS, "new TokenTextEncoder");
    const tokens = vocabulary instanceof Vocabulary ? vocabulary.tokens : new Vocabulary(vocabulary).tokens;
    this.tokenizer = compileTokenizer(options);
    const oovToken = options.oovToken ?? "UNK";
    if (typeof oovToken !== "string") throw new TypeError(`expected oovToken to be a string, got ${describe(oovToken)}`);
    this.oovToken = oovToken;
    this.vocabulary = tokens;
    for (const token of tokens) this.index.addNew(token); // distinct: checked by Vocabulary
    const { lowercase, stripHtml, reservedTokens } = this.tokenizer;
    this.tokenizeOptions = Object.freeze({ lowercase, stripHtml, reservedTokens });
  }

  /** Number of ids: vocabulary size + 2 (padding and out-of-vocabulary). */
  get vocabSize(): number {
    return this.vocabulary.length + 2;
  }

  /** The out-of-vocabulary id, `vocabulary.length + 1`. */
  get oovId(): number {
    return this.vocabulary.length + 1;
  }

  /** Id of one token (the out-of-vocabulary id if unknown). */
  idOf(token: string): number {
    const id = this.index.idOf(token);
    return id < 0 ? this.oovId : id + 1;
  }

  /**
   * Tokenizes `text` and maps each token to its id.
   * @returns Shape `[tokens]`: ids in 1..vocabSize-1 (never 0).
   * @throws {TypeError} If `text` is not a string.
   */
  encode(text: string): Int32Array {
    if (typeof text !== "string") throw new TypeError(`expected text to be a string, got ${describe(text)}`);
    const oov = this.oovId;
    const prepare = this.tokenizer.prepare;
    if (prepare !== null) return this.index.encodeWords(prepare(text), 1, oov);
    const ids: number[] = [];
    this.tokenizer.forEachToken(text, (token) => {
      const id = this.index.idOf(token);
      ids.push(id < 0 ? oov : id + 1);
    });
    return Int32Array.from(ids);
  }

  /**
   * Encodes every text a `TokenCounter` made with `keepIds: true` has
   * counted, in counting order, from the token ids it kept: no text is
   * tokenized again. The result is exactly what `encode` on each counted text
   * gives (`encodeTokens` for an `addTokens` call), whatever this encoder's
   * vocabulary: made from this counter with any order, `minCount` or
   * `maxSize`, or from anywhere else. Tokens the vocabulary lacks get the
   * out-of-vocabulary id.
   *
   * One table maps each of the counter's distinct tokens to its id here (one
   * lookup per distinct token), then every kept id is translated through it.
   * On the 12 million tokens of IMDb that takes a few tens of milliseconds in
   * one thread, where encoding the texts again (`encode`, or `encodeTexts`
   * of `@recurrent/text-prep/node`) tokenizes all 65 MB again.
   *
   * @param counter - A `TokenCounter` made with `keepIds: true` and the same
   *   tokenizer options as this encoder (`lowercase`, `stripHtml`, the set of `reservedTokens`).
   * @returns Shape `[counter.keptTextCount][tokens]`: the ids of each counted text,
   *   views into one buffer (call `slice()` on one to own its memory).
   * @throws {TypeError} If `counter` is not a `TokenCounter`.
   * @throws {TextPrepError} `INVALID_ARGUMENT` if the counter does not keep token ids
   *   or a background count of it has not finished (`finish()` or `cancel()`);
   *   `TOKENIZER_MISMATCH` if its tokenizer options differ from this encoder's
   *   (the message names both): the ids would differ from `encode`'s.
   *
   * @example
   * const counter = new TokenCounter({ keepIds: true });
   * for (const text of texts) counter.addText(text);
   * const encoder = new TokenTextEncoder(counter.toVocabulary({ maxSize: 20_000 }));
   * const sequences = encoder.encodeCounted(counter); // Int32Array per text, in counting order
   *
   * @example
   * // In Node, count in a worker thread while the corpus is read (see `countInBackground`
   * // of "@recurrent/text-prep/node"), then encode from the kept ids as above.
   */
  encodeCounted(counter: TokenCounter): Int32Array[] {
    if (!(counter instanceof TokenCounter)) throw new TypeError(`expected counter to be a TokenCounter, got ${describe(counter)}`);
    const access = counterAccess(counter);
    const { tokenizer } = access;
    const { tokens, kept } = access.readKept("encodeCounted");
    if (kept === null) {
      throw new TextPrepError(
        "INVALID_ARGUMENT",
        "expected a TokenCounter made with { keepIds: true } for encodeCounted, got one that does not keep token ids (use encode on each text instead)",
      );
    }
    if (!sameTokenizer(tokenizer, this.tokenizer)) {
      throw new TextPrepError(
        "TOKENIZER_MISMATCH",
        `expected the counter's tokenizer options to equal the encoder's ${describeTokenizer(this.tokenizer)}, got ${describeTokenizer(tokenizer)}: ` +
          "the kept token ids would not be what encode gives (use encode on each text, or count with the encoder's options)",
      );
    }
    // Counter id -> id here.
    const oov = this.oovId;
    const remap = new Int32Array(tokens.length);
    for (let k = 0; k < tokens.length; k++) {
      const id = this.index.idOf(tokens[k] as string);
      remap[k] = id < 0 ? oov : id + 1;
    }
    const parts = kept.parts();
    let idCount = 0;
    for (const part of parts) idCount += part.ids.length;
    const out = new Int32Array(idCount);
    const sequences = new Array<Int32Array>(kept.texts);
    let base = 0;
    let text = 0;
    for (const { ids, ends } of parts) {
      for (let i = 0; i < ids.length; i++) out[base + i] = remap[ids[i] as number] as number;
      let start = base;
      for (let j = 0; j < ends.length; j++) {
        const end = base + (ends[j] as number);
        sequences[text++] = out.subarray(start, end);
        start = end;
      }
      base += ids.length;
    }
    return sequences;
  }

  /**
   * Maps already tokenized tokens to ids.
   * @returns Shape `[tokens.length]`.
   */
  encodeTokens(tokens: readonly string[]): Int32Array {
    const out = new Int32Array(tokens.length);
    for (let i = 0; i < tokens.length; i++) out[i] = this.idOf(tokens[i] as string);
    return out;
  }

  /**
   * Ids to tokens; padding ids (0) are skipped wherever they are, the
   * out-of-vocabulary id becomes `oovToken`.
   * @param ids - Shape `[length]`, integers in `[0, vocabSize)`.
   * @throws {RangeError} On an id that is not an integer in `[0, vocabSize)`, naming its index.
   */
  decodeTokens(ids: ArrayLike<number>): string[] {
    const tokens: string[] = [];
    const n = this.vocabulary.length;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as number;
      if (!Number.isInteger(id) || id < 0 || id > n + 1) {
        throw new RangeError(`expected ids[${i}] to be an integer in [0, ${n + 2}), got ${String(id)}`);
      }
      if (id === 0) continue;
      tokens.push(id === n + 1 ? this.oovToken : (this.vocabulary[id - 1] as string));
    }
    return tokens;
  }

  /**
   * Ids to text: {@link TokenTextEncoder.decodeTokens} joined with single spaces
   * (the tokenizer dropped the original separators, so this is not the input text).
   * @throws {RangeError} On an id that is not an integer in `[0, vocabSize)`.
   * @example
   * encoder.decode(encoder.encode("a b, c")); // "a b c"
   */
  decode(ids: ArrayLike<number>): string {
    return this.decodeTokens(ids).join(" ");
  }

  /** A plain object (format version 1) that {@link TokenTextEncoder.fromJSON} reads back. */
  toJSON(): TokenTextEncoderJson {
    return {
      format: FORMAT,
      version: VERSION,
      vocabulary: [...this.vocabulary],
      oovToken: this.oovToken,
      lowercase: this.tokenizeOptions.lowercase,
      stripHtml: this.tokenizeOptions.stripHtml,
      reservedTokens: [...this.tokenizeOptions.reservedTokens],
    };
  }

  /**
   * Rebuilds an encoder from {@link TokenTextEncoder.toJSON} output.
   * @param json - The parsed object.
   * @param file - Named in error messages, if the object came from a file.
   * @throws {TextPrepError} `MALFORMED_FILE` for a wrong shape, `UNSUPPORTED_VERSION` for another format version.
   */
  static fromJSON(json: unknown, file?: string): TokenTextEncoder {
    const record = checkFormat(json, FORMAT, VERSION, file);
    const vocabulary = record["vocabulary"];
    if (!Array.isArray(vocabulary) || !vocabulary.every((t) => typeof t === "string" && t.length > 0)) {
      throw badField(file, "vocabulary", "an array of non-empty strings", vocabulary);
    }
    if (new Set(vocabulary).size !== vocabulary.length) {
      throw badField(file, "vocabulary", "distinct tokens", "repeated tokens");
    }
    const oovToken = record["oovToken"];
    if (typeof oovToken !== "string") throw badField(file, "oovToken", "a string", oovToken);
    for (const key of ["lowercase", "stripHtml"] as const) {
      if (typeof record[key] !== "boolean") throw badField(file, key, "a boolean", record[key]);
    }
    const reservedTokens = record["reservedTokens"];
    if (!Array.isArray(reservedTokens) || !reservedTokens.every((t) => typeof t === "string" && t.length > 0)) {
      throw badField(file, "reservedTokens", "an array of non-empty strings", reservedTokens);
    }
    return new TokenTextEncoder(vocabulary as string[], {
      oovToken,
      lowercase: record["lowercase"] as boolean,
      stripHtml: record["stripHtml"] as boolean,
      reservedTokens: reservedTokens as string[],
    });
  }
}
