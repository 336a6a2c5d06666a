import * as tf from "@tensorflow/tfjs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectClose } from "../expect-close";
import {
  BUNDLE_FILES,
  buildSentimentModel,
  decodeBundle,
  encodeBundle,
  FastBidirectional,
  ModelsError,
  predictProbabilities,
} from "../index";
import { loadBundle, saveBundle } from "../node/index";

// a stand-in encoder with the shape TokenTextEncoder has (vocabSize, toJSON, fromJSON)
class ToyEncoder {
  constructor(readonly tokens: string[]) {}
  get vocabSize() {
    return this.tokens.length + 2;
  }
  toJSON() {
    return { kind: "toy", tokens: this.tokens };
  }
  static fromJSON(json: unknown) {
    return new ToyEncoder((json as { tokens: string[] }).tokens);
  }
}

let dir: string;
beforeAll(async () => {
  await tf.setBackend("cpu");
  dir = await mkdtemp(join(tmpdir(), "models-bundle-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const batch = { inputs: Int32Array.from([1, 2, 3, 4, 5, 6, 0, 0]), shape: [2, 4] as [number, number] };
const encoder = new ToyEncoder(["a", "b", "c", "d", "e", "f"]); // vocabSize 8

describe("model bundles", () => {
  it("round-trip in memory (the browser path): same predictions, encoder, config and metrics", async () => {
    const model = buildSentimentModel({ vocabSize: 8, embeddingDim: 3, units: 4, seed: 2, implementation: "stock" });
    const files = await encodeBundle({ kind: "toy", model, encoder, config: { maxLength: 100 }, metrics: { accuracy: 0.5 } });
    expect([...files.keys()].sort()).toStrictEqual(Object.values(BUNDLE_FILES).sort());
    const before = tf.memory().numTensors;
    const loaded = await decodeBundle(async (name) => files.get(name)!, { reviveEncoder: ToyEncoder.fromJSON, expectedKind: "toy" });
    expect(loaded.encoder.tokens).toStrictEqual(encoder.tokens);
    expect(loaded.config).toStrictEqual({ maxLength: 100 });
    expect(loaded.metrics).toStrictEqual({ accuracy: 0.5 });
    expect(loaded.manifest).toMatchObject({ formatVersion: 1, kind: "toy", encoderVocabSize: 8, embeddingInputSize: 8 });
    expectClose(predictProbabilities(loaded.model, batch), predictProbabilities(model, batch), { atol: 0 });
    // fast recurrent layers by default, stock on request, same predictions (float32 rounding)
    expect(loaded.model.layers[2]).toBeInstanceOf(FastBidirectional);
    const stock = await decodeBundle(async (name) => files.get(name)!, { implementation: "stock" });
    expect(stock.model.layers[2]).not.toBeInstanceOf(FastBidirectional);
    // the serialization registry holds the stock classes again after loading
    const registry = tf.serialization.SerializationMap.getMap().classNameMap as Record<string, [unknown, unknown]>;
    expect(registry.Bidirectional![0]).not.toBe(FastBidirectional);
    expectClose(predictProbabilities(stock.model, batch), predictProbabilities(model, batch), { atol: 1e-6 });
    loaded.model.dispose();
    stock.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it("refuses an encoder whose vocabulary size differs from the Embedding, on save and on load", async () => {
    const model = buildSentimentModel({ vocabSize: 8, embeddingDim: 3, units: 4, implementation: "stock" });
    const wrong = new ToyEncoder(["a", "b"]);
    await expect(encodeBundle({ kind: "toy", model, encoder: wrong, config: null })).rejects.toThrow(
      "the encoder has a vocabulary of 4 ids but the model's Embedding accepts 8",
    );
    const files = await encodeBundle({ kind: "toy", model, encoder, config: null });
    files.set(BUNDLE_FILES.encoder, new TextEncoder().encode(JSON.stringify(wrong.toJSON())));
    const error = await decodeBundle(async (name) => files.get(name)!, { reviveEncoder: ToyEncoder.fromJSON }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelsError);
    expect((error as ModelsError).code).toBe("VOCABULARY_MISMATCH");
    model.dispose();
  });

  it("reports missing, truncated, foreign and wrong-kind bundles as BUNDLE_MALFORMED", async () => {
    const model = buildSentimentModel({ vocabSize: 8, embeddingDim: 3, units: 4, implementation: "stock" });
    const files = await encodeBundle({ kind: "toy", model, encoder, config: null });
    const reader = (overrides: Record<string, Uint8Array | null>) => async (name: string) => {
      const v = name in overrides ? overrides[name] : files.get(name);
      if (v === null || v === undefined) throw new Error(`ENOENT ${name}`);
      return v;
    };
    const weights = files.get(BUNDLE_FILES.weights)!;
    for (const [overrides, message] of [
      [{ [BUNDLE_FILES.manifest]: null }, "cannot read bundle.json"],
      [{ [BUNDLE_FILES.weights]: weights.subarray(0, 100) }, `expected weights.bin of ${weights.length} bytes, got 100`],
      [{ [BUNDLE_FILES.manifest]: new TextEncoder().encode('{"formatVersion": 7}') }, "with formatVersion 1, got 7"],
      [{ [BUNDLE_FILES.model]: new TextEncoder().encode("{not json") }, "model.json is not valid JSON"],
    ] as const) {
      await expect(decodeBundle(reader(overrides))).rejects.toMatchObject({ code: "BUNDLE_MALFORMED", message: expect.stringContaining(message) });
    }
    await expect(decodeBundle(reader({}), { expectedKind: "imdb-sentiment" })).rejects.toThrow('expected kind "imdb-sentiment", got "toy"');
    model.dispose();
  });

  it("saves to a directory atomically, replaces an existing bundle, and loads it back", async () => {
    const target = join(dir, "bundle");
    const a = buildSentimentModel({ vocabSize: 8, embeddingDim: 3, units: 4, seed: 1, implementation: "stock" });
    const b = buildSentimentModel({ vocabSize: 8, embeddingDim: 3, units: 4, seed: 2, implementation: "stock" });
    await saveBundle(target, { kind: "toy", model: a, encoder, config: { v: 1 } });
    await writeFile(join(target, "stale.txt"), "from the old bundle");
    await saveBundle(target, { kind: "toy", model: b, encoder, config: { v: 2 } });
    expect((await readdir(dir)).sort()).toStrictEqual(["bundle"]); // no temporary or old directory left
    expect((await readdir(target)).sort()).toStrictEqual(Object.values(BUNDLE_FILES).sort());
    const loaded = await loadBundle(target, { reviveEncoder: ToyEncoder.fromJSON });
    expect(loaded.config).toStrictEqual({ v: 2 });
    expectClose(predictProbabilities(loaded.model, batch), predictProbabilities(b, batch), { atol: 0 });
    // model.json is a standard tfjs layers model
    const modelJson = JSON.parse(await readFile(join(target, BUNDLE_FILES.model), "utf8")) as { format: string };
    expect(modelJson.format).toBe("layers-model");
    for (const m of [a, b, loaded.model]) m.dispose();
  });
});
