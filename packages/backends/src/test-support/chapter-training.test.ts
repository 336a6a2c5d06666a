import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  binaryCrossEntropy,
  buildCharModel,
  buildSentimentModel,
  loadWeights,
  randomIds,
  snapshotWeights,
  sparseCrossEntropyFromLogits,
  trainStep,
} from "./chapter-models";
import type { CharSizes, SentimentSizes } from "./chapter-models";
import { expectClose } from "./expect-close";
import { registerKernels } from "../register-kernels";
import { TEST_BACKENDS, useBackend } from "./test-backends";

// Tiny versions of the chapter's two models: same layers, small sizes, so the suite stays fast.
// The chapter's sizes are run by bench/training-step.ts.
const SENTIMENT: SentimentSizes = { vocab: 500, embed: 8, units: 8, dense: 8 };
const CHAR: CharSizes = { vocab: 24, embed: 12, units: 16 };
const T = 12;

function sentimentData(batch: number) {
  const xs = randomIds(batch, T, SENTIMENT.vocab, 42);
  const ys = tf.tensor2d(Array.from({ length: batch }, (_, i) => i % 2), [batch, 1]);
  return { xs, ys };
}

function charData(batch: number) {
  return tf.tidy(() => {
    const ids = randomIds(batch, T + 1, CHAR.vocab, 7);
    return { xs: tf.slice(ids, [0, 0], [batch, T]), ys: tf.cast(tf.slice(ids, [0, 1], [batch, T]), "int32") };
  });
}

beforeAll(() => {
  registerKernels();
});

describe.each(TEST_BACKENDS)("the chapter's models train on %s", (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it("sentiment model (Embedding → BiLSTM → Dense relu → Dense sigmoid): model.fit lowers the loss", async () => {
    const before = tf.memory().numTensors;
    const model = buildSentimentModel(SENTIMENT);
    model.compile({ optimizer: tf.train.adam(0.01), loss: "binaryCrossentropy" });
    const { xs, ys } = sentimentData(16);
    const history = await model.fit(xs, ys, { epochs: 6, batchSize: 16, verbose: 0, shuffle: false });
    const losses = history.history["loss"] as number[];
    expect(losses).toHaveLength(6);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[5] as number).toBeLessThan((losses[0] as number) - 0.01);
    tf.dispose([xs, ys]);
    model.dispose();
    (model.optimizer as tf.Optimizer).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("char model (Embedding → LSTM sequences → Dense logits): optimizer.minimize lowers the loss", () => {
    const before = tf.memory().numTensors;
    const model = buildCharModel(CHAR);
    const optimizer = tf.train.adam(0.01);
    const { xs, ys } = charData(4);
    const losses = Array.from({ length: 6 }, () => trainStep(model, optimizer, sparseCrossEntropyFromLogits, xs, ys));
    expect(losses.every(Number.isFinite)).toBe(true);
    // Untrained logits are near 0, so the first loss is close to ln(vocab).
    expect(losses[0] as number).toBeCloseTo(Math.log(CHAR.vocab), 1);
    expect(losses[5] as number).toBeLessThan((losses[0] as number) - 0.05);
    tf.dispose([xs, ys]);
    model.dispose();
    optimizer.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("one training step from identical weights gives the same result on cpu and wasm", () => {
  afterAll(async () => {
    await useBackend("cpu");
  });

  /** Runs one Adam step of `build()` on `backend` from `weights`; returns the loss and the updated weights. */
  async function stepOn(
    backend: string,
    build: () => tf.LayersModel,
    weights: ReturnType<typeof snapshotWeights>,
    data: () => { xs: tf.Tensor; ys: tf.Tensor },
    loss: (y: tf.Tensor, p: tf.Tensor) => tf.Scalar,
  ) {
    await useBackend(backend);
    const model = build();
    loadWeights(model, weights);
    const optimizer = tf.train.adam(1e-3);
    const { xs, ys } = data();
    const value = trainStep(model, optimizer, loss, xs, ys);
    const after = snapshotWeights(model);
    tf.dispose([xs, ys]);
    model.dispose();
    optimizer.dispose();
    return { loss: value, weights: after };
  }

  it.each([
    { name: "sentiment", build: () => buildSentimentModel(SENTIMENT, 3), data: () => sentimentData(8), loss: binaryCrossEntropy },
    { name: "char", build: () => buildCharModel(CHAR, 3), data: () => charData(4), loss: sparseCrossEntropyFromLogits },
  ])("$name model: loss and every weight within 1e-4", async ({ build, data, loss }) => {
    await useBackend("cpu");
    const seedModel = build();
    const initial = snapshotWeights(seedModel);
    seedModel.dispose();
    const cpu = await stepOn("cpu", build, initial, data, loss);
    const wasm = await stepOn("wasm", build, initial, data, loss);
    expect(Math.abs(cpu.loss - wasm.loss)).toBeLessThanOrEqual(1e-4);
    expect(wasm.weights).toHaveLength(cpu.weights.length);
    cpu.weights.forEach((w, i) => {
      const other = wasm.weights[i];
      if (other === undefined) throw new Error(`weight ${i} missing on wasm`);
      expectClose(other, w, { atol: 1e-4, rtol: 0 });
    });
    // The step did change the weights (so the comparison is not between two untouched copies).
    const moved = cpu.weights.some((w, i) => w.values.some((v, j) => v !== initial[i]?.values[j]));
    expect(moved).toBe(true);
  });
});
