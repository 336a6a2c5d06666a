import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { expectClose } from "../expect-close";
import { buildCharLanguageModel, buildSentimentModel, FastBidirectional, FastLSTM, resolveSentimentModelOptions } from "../index";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

const weight = (model: tf.LayersModel, suffix: string, nth = 0) =>
  model.weights.filter((w) => w.originalName.endsWith(suffix))[nth]!;

describe("buildSentimentModel", () => {
  it("builds Embedding → BiLSTM → Dense relu → Dense sigmoid with the chapter's sizes by default", () => {
    const before = tf.memory().numTensors;
    const model = buildSentimentModel({ vocabSize: 50, implementation: "stock" });
    const shapes = model.weights.map((w) => [w.originalName.split("/").pop(), ...w.shape]);
    expect(shapes).toStrictEqual([
      ["embeddings", 50, 20],
      ["kernel", 20, 256],
      ["recurrent_kernel", 64, 256],
      ["bias", 256],
      ["kernel", 20, 256],
      ["recurrent_kernel", 64, 256],
      ["bias", 256],
      ["kernel", 128, 64],
      ["bias", 64],
      ["kernel", 64, 1],
      ["bias", 1],
    ]);
    const out = tf.tidy(() => (model.predict(tf.tensor2d([[1, 2, 3], [4, 5, 0]], [2, 3], "int32")) as tf.Tensor).arraySync());
    expect((out as number[][]).map((r) => r.length)).toStrictEqual([1, 1]);
    for (const [p] of out as number[][]) expect(p! > 0 && p! < 1).toBe(true);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("sets Keras's defaults explicitly: sigmoid gates, forget bias 1, orthogonal recurrent kernel, embedding in ±0.05", () => {
    const model = buildSentimentModel({ vocabSize: 30, units: 8, embeddingDim: 4, seed: 1, implementation: "stock" });
    const config = JSON.stringify(model.getConfig());
    expect(config).toContain('"recurrentActivation":"sigmoid"');
    expect(config).not.toContain('"distribution":"normal"'); // Dense kernels: Glorot uniform, as Keras
    const bias = weight(model, "bias").read().dataSync();
    // LSTM gate order i, f, c, o: the forget slice [units, 2 units) is 1, the rest 0
    expect(Array.from(bias)).toStrictEqual(Array.from({ length: 32 }, (_, i) => (i >= 8 && i < 16 ? 1 : 0)));
    const r = weight(model, "recurrent_kernel");
    const product = tf.tidy(() => {
      const w = r.read() as tf.Tensor2D;
      return tf.matMul(w, w, false, true).dataSync();
    });
    expectClose(product, Float32Array.from({ length: 64 }, (_, i) => (i % 9 === 0 ? 1 : 0)), { atol: 1e-5 });
    const e = weight(model, "embeddings").read().dataSync();
    expect(Math.max(...e)).toBeLessThanOrEqual(0.05);
    expect(Math.min(...e)).toBeGreaterThanOrEqual(-0.05);
    // the two directions of the Bidirectional layer are initialized independently
    expect(weight(model, "recurrent_kernel", 1).read().dataSync()).not.toStrictEqual(r.read().dataSync());
    model.dispose();
  });

  it("is reproducible from the seed", () => {
    const a = buildSentimentModel({ vocabSize: 30, units: 4, embeddingDim: 3, seed: 5, implementation: "stock" });
    const b = buildSentimentModel({ vocabSize: 30, units: 4, embeddingDim: 3, seed: 5, implementation: "stock" });
    const c = buildSentimentModel({ vocabSize: 30, units: 4, embeddingDim: 3, seed: 6, implementation: "stock" });
    const values = (m: tf.LayersModel) => m.weights.map((w) => Array.from(w.read().dataSync()));
    expect(values(a)).toStrictEqual(values(b));
    expect(values(a)).not.toStrictEqual(values(c));
    for (const m of [a, b, c]) m.dispose();
  });

  it("stacks layers (all but the last returning sequences), and builds GRU, SimpleRNN, unidirectional, masked variants", () => {
    const gru = buildSentimentModel({ vocabSize: 20, cell: "gru", layers: 2, units: 4, bidirectional: false, implementation: "stock" });
    expect(gru.layers.map((l) => l.getClassName())).toStrictEqual(["InputLayer", "Embedding", "GRU", "GRU", "Dense", "Dense"]);
    expect((gru.layers[2]!.getConfig() as { returnSequences?: boolean }).returnSequences).toBe(true);
    expect((gru.layers[3]!.getConfig() as { returnSequences?: boolean }).returnSequences).toBe(false);
    const rnn = buildSentimentModel({ vocabSize: 20, cell: "simple-rnn", units: 4, maskPadding: true, dropout: 0.2, implementation: "stock" });
    expect(rnn.layers.map((l) => l.getClassName())).toContain("Bidirectional");
    expect(rnn.layers.map((l) => l.getClassName())).toContain("Dropout");
    // with masking, padding after the last token does not change the prediction
    const [p1, p2] = tf.tidy(() => [
      (rnn.predict(tf.tensor2d([[3, 4, 5]], [1, 3], "int32")) as tf.Tensor).dataSync()[0]!,
      (rnn.predict(tf.tensor2d([[3, 4, 5, 0, 0]], [1, 5], "int32")) as tf.Tensor).dataSync()[0]!,
    ]);
    expect(Math.abs(p1 - p2)).toBeLessThan(1e-6);
    gru.dispose();
    rnn.dispose();
  });

  it("uses the fast layers by default: same weights and outputs (1e-5) as the stock layers from the same seed", () => {
    const fast = buildSentimentModel({ vocabSize: 30, units: 6, embeddingDim: 5, seed: 3, maskPadding: true });
    const stock = buildSentimentModel({ vocabSize: 30, units: 6, embeddingDim: 5, seed: 3, maskPadding: true, implementation: "stock" });
    expect(fast.layers[2]).toBeInstanceOf(FastBidirectional);
    expect(stock.layers[2]).not.toBeInstanceOf(FastBidirectional);
    expect(fast.layers[2]!.getClassName()).toBe("Bidirectional");
    expect(JSON.stringify(fast.getConfig())).toBe(JSON.stringify(stock.getConfig()));
    const [a, b] = tf.tidy(() => {
      const x = tf.tensor2d([[3, 4, 5, 0, 0], [7, 1, 2, 9, 8]], [2, 5], "int32");
      return [(fast.predict(x) as tf.Tensor).dataSync(), (stock.predict(x) as tf.Tensor).dataSync()];
    });
    expectClose(a, b, { atol: 1e-5 });
    const char = buildCharLanguageModel({ vocabSize: 7, embeddingDim: 4, units: 5 });
    expect(char.layers[2]).toBeInstanceOf(FastLSTM);
    for (const m of [fast, stock, char]) m.dispose();
  });

  it("takes the one cell spelling of every package, and the tfjs / Keras spellings as aliases", () => {
    expect(resolveSentimentModelOptions({ vocabSize: 5, cell: "simple-rnn" }).cell).toBe("simple-rnn");
    expect(resolveSentimentModelOptions({ vocabSize: 5, cell: "SimpleRNN" as never }).cell).toBe("simple-rnn");
    expect(resolveSentimentModelOptions({ vocabSize: 5, cell: "GRU" as never }).cell).toBe("gru");
  });

  it("rejects invalid options with the expected and received values", () => {
    expect(() => resolveSentimentModelOptions({ vocabSize: 0 })).toThrow("expected vocabSize to be a positive integer, got 0");
    expect(() => resolveSentimentModelOptions({ vocabSize: 5, dropout: 1 })).toThrow("expected dropout in [0, 1), got 1");
    expect(() => resolveSentimentModelOptions({ vocabSize: 5, cell: "rnn" as never })).toThrow(
      'expected cell to be one of lstm, gru, simple-rnn (or simpleRNN, SimpleRNN, simple_rnn, LSTM, GRU), got "rnn"',
    );
  });
});

describe("buildCharLanguageModel", () => {
  it("returns logits [batch, time, vocab] from Embedding → LSTM (sequences) → Dense", () => {
    const model = buildCharLanguageModel({ vocabSize: 12, embeddingDim: 8, units: 16, implementation: "stock" });
    expect(model.layers.map((l) => l.getClassName())).toStrictEqual(["InputLayer", "Embedding", "LSTM", "Dense"]);
    const shape = tf.tidy(() => (model.predict(tf.zeros([3, 7], "int32")) as tf.Tensor).shape);
    expect(shape).toStrictEqual([3, 7, 12]);
    // no softmax: the last Dense is linear
    expect((model.layers[3]!.getConfig() as { activation: string }).activation).toBe("linear");
    model.dispose();
  });

  it("builds the chapter's full-size model quickly (no QR-based tfjs initializer)", () => {
    const start = performance.now();
    const model = buildCharLanguageModel({ vocabSize: 80, implementation: "stock" });
    const seconds = (performance.now() - start) / 1000;
    expect(model.countParams()).toBe(80 * 256 + (256 + 512 + 1) * 2048 + 512 * 80 + 80);
    // not a timing test of speed, a guard against falling back to tfjs's orthogonal initializer (≥ 1 s here)
    expect(seconds).toBeLessThan(30);
    model.dispose();
  });
});
