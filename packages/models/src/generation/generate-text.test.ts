import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { buildCharLanguageModel, generateText, trainModel } from "../index";

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

describe("generateText", () => {
  it("continues the start text, and a trained model follows the pattern at a high scale factor", () => {
    const text = generateText(model, codec, { start: "ab", length: 20, scale: 5, seed: 1 });
    expect(text).toHaveLength(22);
    expect(text.startsWith("abcd abcd")).toBe(true);
  });

  it("is reproducible from the seed, and other seeds give other text at a low scale factor", () => {
    const a = generateText(model, codec, { start: "a", length: 60, scale: 0.3, seed: 4 });
    expect(generateText(model, codec, { start: "a", length: 60, scale: 0.3, seed: 4 })).toBe(a);
    expect(generateText(model, codec, { start: "a", length: 60, scale: 0.3, seed: 5 })).not.toBe(a);
  });

  it("stateful generation (one step per character) equals re-feeding the whole context, and leaks nothing", () => {
    const before = tf.memory().numTensors;
    const options = { start: "abc", length: 25, scale: 0.5, topK: 4, seed: 9 };
    const refeed = generateText(model, codec, { ...options, method: "refeed", contextLength: 1000 });
    const stateful = generateText(model, codec, { ...options, method: "stateful" });
    expect(stateful).toBe(refeed);
    // the chapter's window of 40 characters
    expect(generateText(model, codec, { ...options, length: 60, contextLength: 40 })).toHaveLength(63);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("rejects bad options", () => {
    expect(() => generateText(model, codec, { start: "" })).toThrow('expected a non-empty start string, got ""');
    expect(() => generateText(model, codec, { start: "a", length: -1 })).toThrow("expected length >= 0, got -1");
    expect(() => generateText(model, codec, { start: "a", temperature: 0 })).toThrow("expected temperature > 0, got 0");
  });
});
