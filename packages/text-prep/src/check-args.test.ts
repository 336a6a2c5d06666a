import { describe as suite, expect, it } from "vitest";
import { checkOptions, describe } from "./check-args";
import {
  TextPrepError,
  TokenCounter,
  TokenTextEncoder,
  Vocabulary,
  bucketedBatches,
  buildVocabulary,
  charChunkBatches,
  charChunks,
  padSequences,
  paddedBatches,
  tokenize,
} from "./index";
import { countInBackground, countTexts, encodeTexts, readImdb, readImdbCsv, readTextFile } from "./node/index";

/** Runs `call` (which may throw or reject) and returns what it threw. */
async function thrown(call: () => unknown): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to throw");
}

const quoted = (keys: string[]): string => keys.map((k) => JSON.stringify(k)).join(", ");

suite("unknown option keys", () => {
  const counter = new TokenCounter();
  const encoder = new TokenTextEncoder(["a"]);
  const chunks = charChunks(Int32Array.of(1, 2, 3, 4), 1);
  const tokenizeKeys = ["lowercase", "stripHtml", "reservedTokens"];
  const batchKeys = ["batchSize", "labels", "padValue", "padding", "dropRemainder"];

  // Every public function of both entries that takes options: [owner, accepted keys, the typo, the key it
  // suggests, the call]. Each call passes an object literal with the typo, which TypeScript refuses
  // (@ts-expect-error: if an options type ever grew an index signature, the typecheck would fail here).
  const cases: [string, string[], string, string | undefined, () => unknown][] = [
    // @ts-expect-error unknown key
    ["tokenize", tokenizeKeys, "lowerCase", "lowercase", () => tokenize("a", { lowercase: true, lowerCase: true })],
    // @ts-expect-error unknown key
    ["new TokenCounter", [...tokenizeKeys, "keepIds"], "keepId", "keepIds", () => new TokenCounter({ keepId: true })],
    // @ts-expect-error unknown key
    ["TokenCounter.toVocabulary", ["order", "minCount", "maxSize"], "min_count", "minCount", () => counter.toVocabulary({ min_count: 2 })],
    // @ts-expect-error unknown key
    ["buildVocabulary", ["order", "minCount", "maxSize"], "maxsize", "maxSize", () => buildVocabulary([["a"]], { maxsize: 3 })],
    // @ts-expect-error unknown key
    ["Vocabulary.fromCounts", ["order", "minCount", "maxSize"], "ordr", "order", () => Vocabulary.fromCounts([["a", 1]], { ordr: "frequency" })],
    // @ts-expect-error unknown key
    ["new TokenTextEncoder", [...tokenizeKeys, "oovToken"], "oov", "oovToken", () => new TokenTextEncoder(["a"], { oov: "?" })],
    // @ts-expect-error unknown key
    ["padSequences", ["maxLen", "padding", "truncating", "value"], "maxLength", "maxLen", () => padSequences([[1]], { maxLength: 3 })],
    // @ts-expect-error unknown key
    ["paddedBatches", batchKeys, "batch_size", "batchSize", () => paddedBatches([[1]], { batchSize: 1, batch_size: 2 })],
    // @ts-expect-error unknown key
    ["bucketedBatches", [...batchKeys, "boundaries", "seed"], "boundary", "boundaries", () => bucketedBatches([[1]], { batchSize: 1, boundary: [2] })],
    // @ts-expect-error unknown key
    ["charChunkBatches", ["batchSize", "seed", "dropRemainder"], "shuffle", undefined, () => charChunkBatches(chunks, { batchSize: 1, shuffle: true })],
    // @ts-expect-error unknown key
    ["new TextPrepError", ["file", "cause"], "reason", undefined, () => new TextPrepError("IO_ERROR", "m", { reason: 1 })],
    // @ts-expect-error unknown key
    ["readImdb", ["splits", "includeUnsup"], "split", "splits", () => readImdb("x.tar.gz", { split: ["train"] })],
    // @ts-expect-error unknown key
    ["readImdbCsv", ["textColumn", "labelColumn"], "labelCol", "labelColumn", () => readImdbCsv("x.csv", { textColumn: "t", labelCol: "l" })],
    // @ts-expect-error unknown key
    ["readTextFile", ["newlines", "stripBom"], "newline", "newlines", () => readTextFile("x.txt", { newline: "keep" })],
    // @ts-expect-error unknown key
    ["countTexts", ["workers"], "worker", "workers", () => countTexts(counter, ["a"], { worker: 0 })],
    // @ts-expect-error unknown key
    ["encodeTexts", ["workers"], "threads", undefined, () => encodeTexts(encoder, ["a"], { threads: 1 })],
    // @ts-expect-error unknown key
    ["countInBackground", ["workers"], "Workers", "workers", () => countInBackground(counter, { Workers: 0 })],
  ];

  it.each(cases)("%s: a TypeError naming the key, the accepted keys and the likely one", async (owner, keys, typo, near, call) => {
    const error = await thrown(call);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe(
      `expected the options of ${owner} to have only the keys ${quoted(keys)}, got unknown key ${JSON.stringify(typo)}` +
        (near === undefined ? "" : ` (did you mean ${JSON.stringify(near)}?)`),
    );
  });

  it("nothing was counted or started by a refused call", () => {
    expect(counter.totalCount).toBe(0);
  });

  it("refuses null, arrays and non-objects as options, naming what came", () => {
    expect(() => padSequences([[1]], null as never)).toThrow(new TypeError("expected the options of padSequences to be an object, got null"));
    expect(() => paddedBatches([[1]], [] as never)).toThrow(new TypeError("expected the options of paddedBatches to be an object, got an array"));
    expect(() => new TokenCounter("fast" as never)).toThrow(new TypeError('expected the options of new TokenCounter to be an object, got "fast"'));
  });

  it("accepts options objects of any class, and keys whose value is undefined when they are known", () => {
    class Options {
      maxLen = 2;
    }
    expect(padSequences([[1, 2, 3]], new Options()).shape).toEqual([1, 2]);
    const unset: { maxLen?: number | undefined } = { maxLen: undefined }; // a plain JavaScript caller may pass one
    expect(padSequences([[1, 2, 3]], unset as never).shape).toEqual([1, 3]);
  });

  it("checkOptions: only own enumerable string keys count", () => {
    const inherited = Object.create({ typo: 1 }) as object;
    Object.defineProperty(inherited, "hidden", { value: 1, enumerable: false });
    expect(() => checkOptions(inherited, { a: true }, "f")).not.toThrow();
    expect(() => checkOptions({ [Symbol("s")]: 1 }, { a: true }, "f")).not.toThrow();
    expect(() => checkOptions({ b: 1 }, { a: true }, "f")).toThrow(new TypeError('expected the options of f to have only the keys "a", got unknown key "b"'));
  });
});

suite("describe", () => {
  it("says which class came, and shows values and short strings", () => {
    class Foo {}
    const named = function parse(): void {};
    const throwing = new Proxy(
      {},
      {
        getPrototypeOf() {
          throw new Error("no");
        },
      },
    );
    const cases: [unknown, string][] = [
      [null, "null"],
      [undefined, "undefined"],
      [3, "3"],
      [Number.NaN, "NaN"],
      [true, "true"],
      [5n, "5n"],
      ["text", '"text"'],
      ["x".repeat(100), `"${"x".repeat(60)}"... (100 characters)`],
      [Symbol("s"), "Symbol(s)"],
      [named, "a function (parse)"],
      [[1, 2], "an array"],
      [{}, "an object"],
      [Object.create(null), "an object"],
      [new Map(), "a Map"],
      [Int32Array.of(1), "an Int32Array"],
      [new Foo(), "a Foo"],
      [new TokenTextEncoder([]), "a TokenTextEncoder"],
      [throwing, "an object"],
    ];
    for (const [value, expected] of cases) expect(describe(value)).toBe(expected);
  });

  it("a wrong class in place of a TokenCounter or TokenTextEncoder is named in the message", async () => {
    await expect(countTexts(new TokenTextEncoder(["a"]) as never, ["a"])).rejects.toThrow(
      new TypeError("expected counter to be a TokenCounter, got a TokenTextEncoder"),
    );
    await expect(encodeTexts(new Map() as never, ["a"])).rejects.toThrow(new TypeError("expected encoder to be a TokenTextEncoder, got a Map"));
    expect(() => new TokenTextEncoder(new Set(["a"]) as never)).toThrow(new TypeError("expected tokens to be an array of strings, got a Set"));
  });
});
