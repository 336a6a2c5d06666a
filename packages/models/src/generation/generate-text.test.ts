import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { buildCharLanguageModel, generateText, streamText, trainModel } from "../index";

const alphabet = "abcd ";
const codec = {
  encode: (text: string) => Int32Array.from(text, (c) => alphabet.indexOf(c)),
  decode: (ids: ArrayLike<number>) => Array.from(ids, (i) => alphabet[i]).join(""),
};

let model: tf.LayersModel;
beforeAll(async () => {
  await tf.setBackend("cpu");
  model = buildCharLanguageModel({ vocabSize: 5, embeddingDim: 4, units: 8, seed: 1, implementation: "stock" });
  const ids = codec.encode("abcd abcd abcd abcd abcd abcd abcd");
  const batch = { inputs: ids.slice(0, 32), shape: [2, 16] as [number, number], targets: ids.slice(1, 33) };
  await trainModel(model, { task: "language-model", train: () => [batch], epochs: 60, optimizer: tf.train.adam(0.05) });
});

describe("generateText and streamText", () => {
  it("continues the start text, and a trained model follows the pattern at a high scale factor", async () => {
    const text = await generateText(model, codec, { start: "ab", length: 20, scale: 5, seed: 1 });
    expect(text).toHaveLength(22);
    expect(text.startsWith("abcd abcd")).toBe(true);
  });

  it("is reproducible from the seed, and other seeds give other text at a low scale factor", async () => {
    const a = await generateText(model, codec, { start: "a", length: 60, scale: 0.3, seed: 4 });
    expect(await generateText(model, codec, { start: "a", length: 60, scale: 0.3, seed: 4 })).toBe(a);
    expect(await generateText(model, codec, { start: "a", length: 60, scale: 0.3, seed: 5 })).not.toBe(a);
  });

  it("generateText is what streamText yields, one character at a time, after the start", async () => {
    const before = tf.memory().numTensors;
    const options = { start: "abc", length: 25, scale: 0.5, topK: 4, seed: 9 };
    const chars: string[] = [];
    for await (const char of streamText(model, codec, options)) chars.push(char);
    expect(chars).toHaveLength(25);
    expect(chars.every((c) => c.length === 1)).toBe(true);
    expect(await generateText(model, codec, options)).toBe(`abc${chars.join("")}`);
    // the chapter's method re-feeding the whole text gives the same text; with its window of 40, 60 characters
    expect(await generateText(model, codec, { ...options, method: "refeed", contextLength: 1000 })).toBe(`abc${chars.join("")}`);
    expect(await generateText(model, codec, { ...options, method: "refeed", length: 60 })).toHaveLength(63);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("rejects bad options", async () => {
    expect(() => streamText(model, codec, { start: "" })).toThrow('expected a non-empty start string, got ""');
    expect(() => streamText(model, codec, { start: "a", temperature: 0 })).toThrow("expected temperature > 0, got 0");
    expect(() => streamText(model, { encode: () => [] } as never, { start: "a" })).toThrow(
      "expected a codec with encode(text) and decode(ids), got object",
    );
    await expect(generateText(model, codec, { start: "" })).rejects.toThrow('expected a non-empty start string, got ""');
    await expect(generateText(model, codec, { start: "a", length: -1 })).rejects.toThrow("expected length to be an integer >= 0 or Infinity, got -1");
    await expect(generateText(model, codec, { start: "a", length: Number.POSITIVE_INFINITY })).rejects.toThrow(
      "expected a finite length for generateText, got Infinity (use streamText)",
    );
  });
});
