import * as tf from "@tensorflow/tfjs";
import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { expectClose } from "../expect-close";
import {
  BUNDLE_FILES,
  BUNDLE_FORMAT_VERSION,
  buildSentimentModel,
  decodeBundle,
  encodeBundle,
  FastBidirectional,
  httpBundleReader,
  ModelsError,
  type BundleManifest,
} from "../index";
import { editUnits, formatOne, memoryReader, reseal, text, ToyEncoder, utf8, withWeight } from "../__fixtures__/bundle-fixtures";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

const encoder = new ToyEncoder(["a", "b", "c", "d", "e", "f"]); // vocabSize 8
const inputs = () => tf.tensor2d([1, 2, 3, 4, 5, 6, 0, 0], [2, 4], "int32");
const predict = (model: tf.LayersModel) => tf.tidy(() => (model.predict(inputs()) as tf.Tensor).dataSync() as Float32Array);

async function failure(promise: Promise<unknown>): Promise<ModelsError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelsError);
  return error as ModelsError;
}

describe("model bundles", () => {
  let model: tf.LayersModel;
  let files: Map<string, Uint8Array>;
  beforeAll(async () => {
    model = buildSentimentModel({ vocabSize: 8, embeddingDim: 3, units: 4, seed: 2, implementation: "stock" });
    files = await encodeBundle({ kind: "toy", model, encoder, config: { maxLength: 100 }, metrics: { accuracy: 0.5 } });
  });

  it("round-trip in memory (the browser path): same predictions, encoder, config and metrics", async () => {
    expect([...files.keys()].sort()).toStrictEqual(Object.values(BUNDLE_FILES).sort());
    const before = tf.memory().numTensors;
    const loaded = await decodeBundle(memoryReader(files), { reviveEncoder: ToyEncoder.fromJSON, expectedKind: "toy" });
    expect(loaded.verified).toBe(true);
    expect(loaded.encoder.tokens).toStrictEqual(encoder.tokens);
    expect(loaded.config).toStrictEqual({ maxLength: 100 });
    expect(loaded.metrics).toStrictEqual({ accuracy: 0.5 });
    expect(loaded.manifest).toMatchObject({ formatVersion: BUNDLE_FORMAT_VERSION, kind: "toy", encoderVocabSize: 8, embeddingInputSize: 8 });
    expectClose(predict(loaded.model), predict(model), { atol: 0 });
    // fast recurrent layers by default, stock on request, same predictions (float32 rounding)
    expect(loaded.model.layers[2]).toBeInstanceOf(FastBidirectional);
    const stock = await decodeBundle(memoryReader(files), { implementation: "stock" });
    expect(stock.model.layers[2]).not.toBeInstanceOf(FastBidirectional);
    // the serialization registry holds the stock classes again after loading
    const registry = tf.serialization.SerializationMap.getMap().classNameMap as Record<string, [unknown, unknown]>;
    expect(registry.Bidirectional![0]).not.toBe(FastBidirectional);
    expectClose(predict(stock.model), predict(model), { atol: 1e-6 });
    loaded.model.dispose();
    stock.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("records the size and SHA-256 of every part in bundle.json (format 2)", async () => {
    const manifest = JSON.parse(text(files.get(BUNDLE_FILES.manifest)!)) as BundleManifest;
    expect(manifest.formatVersion).toBe(2);
    expect(Object.keys(manifest.files!).sort()).toStrictEqual(["config.json", "encoder.json", "metrics.json", "model.json", "weights.bin"]);
    for (const [name, entry] of Object.entries(manifest.files!)) {
      const bytes = files.get(name)!;
      expect(entry.bytes).toBe(bytes.length);
      // the WebCrypto digest equals Node's createHash
      expect(entry.sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
    }
  });

  it("fails a changed, truncated or swapped part with BUNDLE_MALFORMED naming the file and the location", async () => {
    const shuffled = JSON.stringify({ kind: "toy", tokens: ["b", "a", "c", "d", "e", "f"] }); // same size, other order
    const flipped = files.get(BUNDLE_FILES.weights)!.slice();
    flipped[100]! ^= 0x01;
    const cases: [string, Map<string, Uint8Array>, string][] = [
      ["one flipped bit in weights.bin", new Map(files).set(BUNDLE_FILES.weights, flipped), "weights.bin fails its SHA-256 check"],
      ["a NaN in weights.bin", withWeight(files, 3, Number.NaN), "weights.bin fails its SHA-256 check"],
      ["a shuffled vocabulary of the same size", new Map(files).set(BUNDLE_FILES.encoder, utf8(`${shuffled}\n`)), "encoder.json has"],
      ["model.json edited to other unit counts", editUnits(files, 4, 5), "model.json fails its SHA-256 check"],
      ["a truncated weights.bin", new Map(files).set(BUNDLE_FILES.weights, files.get(BUNDLE_FILES.weights)!.subarray(0, 100)), "weights.bin has 100 bytes, bundle.json says"],
      ["config.json edited", new Map(files).set(BUNDLE_FILES.config, utf8('{"maxLength": 10}\n')), "config.json has"],
      ["metrics.json edited, same length", new Map(files).set(BUNDLE_FILES.metrics, utf8(text(files.get(BUNDLE_FILES.metrics)!).replace("0.5", "0.9"))), "metrics.json fails its SHA-256 check"],
    ];
    for (const [what, tampered, message] of cases) {
      const error = await failure(decodeBundle(memoryReader(tampered), { reviveEncoder: ToyEncoder.fromJSON }));
      expect(error.code, what).toBe("BUNDLE_MALFORMED");
      expect(error.message, what).toContain("model bundle mem://bundle: ");
      expect(error.message, what).toContain(message);
    }
  });

  it("checks the parts against each other even when their checksums were recomputed", async () => {
    const units = await failure(decodeBundle(memoryReader(await reseal(editUnits(files, 4, 5)))));
    expect(units.code).toBe("BUNDLE_MALFORMED");
    expect(units.message).toMatch(/model\.json: its layers need weight .*kernel of shape \[3,20\], its weights manifest gives \[3,16\]/);
    const nan = await failure(decodeBundle(memoryReader(await reseal(withWeight(files, 3, Number.NaN)))));
    expect(nan).toMatchObject({ code: "BUNDLE_MALFORMED", message: expect.stringMatching(/weights\.bin: weight \S+ holds NaN at index 3 \(of 24 values\)/) });
    const infinite = await failure(decodeBundle(memoryReader(await reseal(withWeight(files, 30, Number.NEGATIVE_INFINITY)))));
    expect(infinite.message).toContain("holds -Infinity at index 6");
    const wrong = new ToyEncoder(["a", "b"]);
    const vocabulary = await failure(decodeBundle(memoryReader(await reseal(new Map(files).set(BUNDLE_FILES.encoder, utf8(JSON.stringify(wrong.toJSON()))))), { reviveEncoder: ToyEncoder.fromJSON }));
    expect(vocabulary.code).toBe("VOCABULARY_MISMATCH");
    expect(vocabulary.message).toContain("cannot load the bundle mem://bundle: the encoder has a vocabulary of 4 ids but the model's Embedding accepts 8");
    const notEncoder = await failure(decodeBundle(memoryReader(await reseal(new Map(files).set(BUNDLE_FILES.encoder, utf8("[1, 2]")))), { reviveEncoder: ToyEncoder.fromJSON }));
    expect(notEncoder).toMatchObject({ code: "BUNDLE_MALFORMED", message: expect.stringContaining("encoder.json does not hold a valid encoder: expected tokens") });
  });

  it("loads a format 1 bundle (no checksums) with a warning, or refuses it on request; its parts are still checked", async () => {
    const warnings: string[] = [];
    const old = formatOne(files);
    const loaded = await decodeBundle(memoryReader(old), { reviveEncoder: ToyEncoder.fromJSON, onWarning: (m) => warnings.push(m) });
    expect(loaded.verified).toBe(false);
    expect(warnings).toStrictEqual([expect.stringContaining("model bundle mem://bundle: no checksums (format 1")]);
    loaded.model.dispose();
    const refused = await failure(decodeBundle(memoryReader(old), { unverified: "refuse" }));
    expect(refused).toMatchObject({ code: "BUNDLE_MALFORMED", message: expect.stringContaining("bundle.json has no checksums (format 1") });
    const quiet = { onWarning: () => {} };
    expect((await failure(decodeBundle(memoryReader(editUnits(old, 4, 5)), quiet))).message).toContain("its layers need weight");
    expect((await failure(decodeBundle(memoryReader(withWeight(old, 0, Number.NaN)), quiet))).message).toContain("holds NaN at index 0");
  });

  it("refuses to save a model with a NaN weight (NON_FINITE_WEIGHTS)", async () => {
    const broken = buildSentimentModel({ vocabSize: 8, embeddingDim: 3, units: 4, implementation: "stock" });
    const dense = broken.layers[3]!;
    const [kernel, bias] = dense.getWeights();
    const values = kernel!.dataSync().slice();
    values[5] = Number.NaN;
    dense.setWeights([tf.tensor(values, kernel!.shape), bias!]);
    const error = await failure(encodeBundle({ kind: "toy", model: broken, encoder, config: null }));
    expect(error.code).toBe("NON_FINITE_WEIGHTS");
    expect(error.message).toMatch(/cannot save the bundle: weight \S+kernel holds NaN at index 5 \(of 512 values\)/);
    broken.dispose();
  });

  it('a reset-after GRU loaded with implementation "stock" says so and names the layer, instead of tfjs\'s GRUCell message', async () => {
    const gru = buildSentimentModel({ vocabSize: 8, embeddingDim: 3, units: 4, seed: 2, cell: "gru", resetAfter: true });
    const gruFiles = await encodeBundle({ kind: "toy", model: gru, encoder, config: {} });
    const before = tf.memory().numTensors;
    const error = await failure(decodeBundle(memoryReader(gruFiles), { implementation: "stock" }));
    expect(error.code).toBe("BUNDLE_MALFORMED");
    expect(error.message).toMatch(
      /model\.json has a GRU with reset_after true \([^)]+: Keras's default GRU\), which tf\.layers cannot build; expected implementation "fast" \(the default\) to load it, got "stock"$/,
    );
    expect(tf.memory().numTensors).toBe(before);
    const fast = await decodeBundle(memoryReader(gruFiles));
    expectClose(predict(fast.model), predict(gru), { atol: 0 });
    fast.model.dispose();
    gru.dispose();
  });

  it("refuses an encoder whose vocabulary size differs from the Embedding on save", async () => {
    await expect(encodeBundle({ kind: "toy", model, encoder: new ToyEncoder(["a", "b"]), config: null })).rejects.toMatchObject({
      code: "VOCABULARY_MISMATCH",
      message: expect.stringContaining("the encoder has a vocabulary of 4 ids but the model's Embedding accepts 8"),
    });
  });

  it("says BUNDLE_NOT_FOUND without bundle.json, BUNDLE_MALFORMED for other missing or foreign files", async () => {
    const without = (name: string) => {
      const m = new Map(files);
      m.delete(name);
      return m;
    };
    expect(await failure(decodeBundle(memoryReader(without(BUNDLE_FILES.manifest))))).toMatchObject({
      code: "BUNDLE_NOT_FOUND",
      message: "no model bundle at mem://bundle: bundle.json not found",
    });
    for (const [tampered, message] of [
      [without(BUNDLE_FILES.weights), "weights.bin is missing (an incomplete bundle)"],
      [new Map(files).set(BUNDLE_FILES.manifest, utf8('{"formatVersion": 7}')), "with formatVersion 2 (or 1), got 7"],
      [new Map(files).set(BUNDLE_FILES.manifest, Uint8Array.of(0xff, 0xfe, 0x00)), "bundle.json is not UTF-8 text"],
      [new Map(files).set(BUNDLE_FILES.manifest, utf8("[]")), "expected bundle.json to hold an object, got []"],
      [formatOne(new Map(files).set(BUNDLE_FILES.model, utf8("{not json"))), "model.json is not valid JSON"],
      [await reseal(new Map(files).set(BUNDLE_FILES.model, utf8('{"modelTopology": {}, "weightsManifest": [{"weights": [{"name": "e/embeddings", "shape": [8, 3], "dtype": "float16"}]}]}'))), 'weight e/embeddings has dtype "float16"'],
    ] as const) {
      expect(await failure(decodeBundle(memoryReader(tampered), { onWarning: () => {} }))).toMatchObject({ code: "BUNDLE_MALFORMED", message: expect.stringContaining(message) });
    }
    await expect(decodeBundle(memoryReader(files), { expectedKind: "imdb-sentiment" })).rejects.toThrow('expected kind "imdb-sentiment", got "toy"');
  });

  it("reads over HTTP with fetch; a 404 for bundle.json is BUNDLE_NOT_FOUND naming the URL", async () => {
    const fetchFrom = (served: Map<string, Uint8Array>) =>
      (async (url: string) => {
        const body = served.get(url.slice("https://example.org/m/".length));
        return body === undefined ? new Response("nope", { status: 404 }) : new Response(body);
      }) as typeof fetch;
    const loaded = await decodeBundle(httpBundleReader("https://example.org/m", fetchFrom(files)));
    expect(loaded.verified).toBe(true);
    loaded.model.dispose();
    const empty = await failure(decodeBundle(httpBundleReader("https://example.org/m", fetchFrom(new Map()))));
    expect(empty).toMatchObject({ code: "BUNDLE_NOT_FOUND", message: "no model bundle at https://example.org/m/: bundle.json not found" });
  });
});
