import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { expectClose } from "../expect-close";
import {
  buildCharLanguageModel,
  buildSentimentModel,
  createRandom,
  decodeCheckpoint,
  evaluateLanguageModel,
  evaluateSentimentModel,
  memoryCheckpointStore,
  type ModelsError,
  trainModel,
  type TrainingBatch,
  type TrainingProgress,
} from "../index";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

// A learnable toy task: label 1 when token 7 occurs in the sequence.
function toyBatches(seed: number, count: number, batchSize = 16, timeSteps = 6, flipLabels = false): TrainingBatch[] {
  const random = createRandom(seed);
  const batches: TrainingBatch[] = [];
  for (let b = 0; b < count; b++) {
    const inputs = new Int32Array(batchSize * timeSteps);
    const targets = new Float32Array(batchSize);
    for (let i = 0; i < batchSize; i++) {
      const positive = random.next() < 0.5;
      for (let t = 0; t < timeSteps; t++) inputs[i * timeSteps + t] = 1 + Math.floor(random.next() * 6); // 1..6
      if (positive) inputs[i * timeSteps + Math.floor(random.next() * timeSteps)] = 7;
      targets[i] = positive !== flipLabels ? 1 : 0;
    }
    batches.push({ inputs, shape: [batchSize, timeSteps], targets });
  }
  return batches;
}
const train = toyBatches(1, 6);
const validation = toyBatches(2, 2);
const smallModel = (seed = 3) =>
  buildSentimentModel({ vocabSize: 9, embeddingDim: 4, units: 4, denseUnits: 8, seed, implementation: "stock" });
const values = (m: tf.LayersModel) => m.weights.map((w) => Float32Array.from(w.read().dataSync()));

describe("trainModel", () => {
  it("learns a toy sentiment task, records history and progress, and leaks no tensor", async () => {
    const model = smallModel();
    const optimizer = tf.train.adam(0.02);
    const progress: TrainingProgress[] = [];
    await trainModel(model, { task: "binary-classification", train: () => train, epochs: 1, optimizer });
    const before = tf.memory().numTensors; // optimizer state now exists
    const result = await trainModel(model, {
      task: "binary-classification",
      train: () => train,
      validation: () => validation,
      epochs: 8,
      optimizer,
      onProgress: (p) => progress.push(p),
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(result.history).toHaveLength(8);
    expect(result.stopReason).toBe("epochs");
    expect(result.steps).toBe(48);
    const last = result.history[7]!;
    expect(last.loss).toBeLessThan(result.history[0]!.loss);
    expect(last.valAccuracy).toBeGreaterThan(0.8);
    expect(last.batches).toBe(6);
    expect(last.tokens).toBe(6 * 16 * 6);
    expect(progress).toHaveLength(48);
    const p = progress[10]!;
    expect(p.batchesPerEpoch).toBe(6); // learned from the first epoch
    expect(p.batchesPerSecond).toBeGreaterThan(0);
    expect(p.tokensPerSecond).toBeCloseTo(p.batchesPerSecond * 96, 0);
    expect(p.etaSeconds).toBeGreaterThan(0);
    expect(progress[47]!.etaSeconds).toBe(0);
    const evaluation = await evaluateSentimentModel(model, validation);
    expect(evaluation.loss).toBeCloseTo(last.valLoss!, 5);
    model.dispose();
    optimizer.dispose();
  });

  it("is reproducible: same seed and batches give the same weights", async () => {
    const run = async () => {
      const model = smallModel(11);
      await trainModel(model, { task: "binary-classification", train: () => train, epochs: 2 });
      const v = values(model);
      model.dispose();
      return v;
    };
    const [a, b] = [await run(), await run()];
    a.forEach((w, i) => expectClose(w, b[i]!, { atol: 0 }));
  });

  it("resumes from a checkpoint mid-epoch and ends with the weights of an uninterrupted run", async () => {
    const full = smallModel(4);
    const fullResult = await trainModel(full, { task: "binary-classification", train: () => train, epochs: 3 });
    const store = memoryCheckpointStore();
    const first = smallModel(4);
    const stopped = await trainModel(first, { task: "binary-classification", train: () => train, epochs: 3, checkpoint: store, maxSteps: 8 });
    expect(stopped.stopReason).toBe("max-steps");
    expect(decodeCheckpoint(store.bytes!)).toMatchObject({ epoch: 1, batchesDone: 2, step: 8 });
    first.dispose();
    // a new process: fresh model (other initial weights) and a fresh optimizer
    const second = smallModel(99);
    const resumed = await trainModel(second, { task: "binary-classification", train: () => train, epochs: 3, checkpoint: store });
    expect(resumed.resumed).toBe(true);
    expect(resumed.steps).toBe(18);
    expect(resumed.history.map((h) => h.epoch)).toStrictEqual([1, 2, 3]);
    expect(resumed.history[2]!.loss).toBeCloseTo(fullResult.history[2]!.loss, 5);
    const expected = values(full);
    values(second).forEach((w, i) => expectClose(w, expected[i]!, { atol: 1e-6 }));
    // a finished run resumes as finished without training
    const again = await trainModel(second, { task: "binary-classification", train: () => train, epochs: 3, checkpoint: store });
    expect(again.steps).toBe(18);
    full.dispose();
    second.dispose();
  });

  it("stops early and restores the weights of the best epoch", async () => {
    // validation labels are the opposite of the training rule: validation loss rises as training learns
    const opposite = toyBatches(2, 2, 16, 6, true);
    const model = smallModel(5);
    const store = memoryCheckpointStore();
    const result = await trainModel(model, {
      task: "binary-classification",
      train: () => train,
      validation: () => opposite,
      epochs: 20,
      optimizer: tf.train.adam(0.05),
      earlyStopping: { patience: 2 },
      checkpoint: store,
    });
    expect(result.stopReason).toBe("early-stopping");
    const best = result.history.reduce((a, b) => (b.valLoss! < a.valLoss! ? b : a));
    expect(result.bestEpoch).toBe(best.epoch);
    expect(result.history.length).toBe(best.epoch + 2);
    const now = await evaluateSentimentModel(model, opposite);
    expect(now.loss).toBeCloseTo(best.valLoss!, 5);
    expect(decodeCheckpoint(store.bytes!).finished).toBe(true);
    model.dispose();
  });

  it("clips gradients by global norm", async () => {
    const model = smallModel(6);
    const before = values(model);
    // plain SGD with learning rate 1: the update is minus the (clipped) gradient
    await trainModel(model, { task: "binary-classification", train: () => train.slice(0, 1), epochs: 1, optimizer: tf.train.sgd(1), clipNorm: 0.01 });
    let squared = 0;
    values(model).forEach((w, i) => w.forEach((v, k) => (squared += (v - before[i]![k]!) ** 2)));
    expect(Math.sqrt(squared)).toBeCloseTo(0.01, 5);
    model.dispose();
  });

  it("refuses NaN labels before the step, leaving the weights untouched", async () => {
    const model = smallModel(7);
    const before = values(model);
    const bad = { ...train[0]!, targets: new Float32Array(16).fill(Number.NaN) };
    const error = await trainModel(model, { task: "binary-classification", train: () => [train[1]!, bad], epochs: 1, optimizer: tf.train.sgd(0) }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toBe("expected binary labels in [0, 1], got NaN at batch.targets[0]");
    values(model).forEach((w, i) => expectClose(w, before[i]!, { atol: 0 }));
    model.dispose();
  });

  it("saves a checkpoint and rejects with ABORTED when its signal is aborted", async () => {
    const model = smallModel(8);
    const controller = new AbortController();
    const store = memoryCheckpointStore();
    const error = await trainModel(model, {
      task: "binary-classification",
      train: () => train,
      epochs: 2,
      checkpoint: store,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.step === 3) controller.abort();
      },
    }).catch((e: unknown) => e);
    expect((error as ModelsError).code).toBe("ABORTED");
    expect(decodeCheckpoint(store.bytes!)).toMatchObject({ epoch: 0, batchesDone: 3, step: 3 });
    model.dispose();
  });

  it("lets a timer or signal handler abort a run over a synchronous source (the event loop gets turns)", async () => {
    const model = smallModel(10);
    const controller = new AbortController();
    function* endless() {
      for (let i = 0; i < 1_000_000; i++) yield train[i % train.length]!;
    }
    setTimeout(() => controller.abort(), 300);
    const error = await trainModel(model, { task: "binary-classification", train: endless, signal: controller.signal }).catch((e: unknown) => e);
    expect((error as ModelsError).code).toBe("ABORTED");
    model.dispose();
  });

  it("rejects a checkpoint of another model, malformed batches and bad options", async () => {
    const store = memoryCheckpointStore();
    const model = smallModel(9);
    await trainModel(model, { task: "binary-classification", train: () => train, epochs: 1, checkpoint: store });
    const other = buildSentimentModel({ vocabSize: 9, embeddingDim: 4, units: 5, denseUnits: 8, implementation: "stock" });
    await expect(trainModel(other, { task: "binary-classification", train: () => train, epochs: 2, checkpoint: store })).rejects.toMatchObject({
      code: "CHECKPOINT_MISMATCH",
    });
    const malformed: TrainingBatch = { inputs: new Int32Array(5), shape: [2, 3], targets: new Float32Array(2) };
    await expect(trainModel(model, { task: "binary-classification", train: () => [malformed] })).rejects.toThrow(
      "expected batch.inputs of length batchSize × timeSteps = 6, got 5",
    );
    const badLabel: TrainingBatch = { inputs: new Int32Array(6).fill(1), shape: [2, 3], targets: Float32Array.of(1, 2) };
    await expect(trainModel(model, { task: "binary-classification", train: () => [badLabel] })).rejects.toThrow(
      "expected binary labels in [0, 1], got 2 at batch.targets[1]",
    );
    const negativeId: TrainingBatch = { inputs: Int32Array.of(1, 1, -1, 1, 1, 1), shape: [2, 3], targets: Float32Array.of(1, 0) };
    await expect(trainModel(model, { task: "binary-classification", train: () => [negativeId] })).rejects.toThrow(
      "expected batch.inputs to hold ids >= 0, got -1 at index 2",
    );
    await expect(trainModel(model, { task: "binary-classification", train: () => train, epochs: 0 })).rejects.toThrow(
      "expected epochs to be a positive integer, got 0",
    );
    await expect(
      trainModel(model, { task: "binary-classification", train: () => train, earlyStopping: { patience: 1 } }),
    ).rejects.toThrow("expected a validation source to monitor val_loss, got none");
    model.dispose();
    other.dispose();
  });

  it("trains a tiny character model on a repeating text (language-model task)", async () => {
    const text = "abcdabcdabcdabcdabcdabcdabcdabcd";
    const ids = Int32Array.from(text, (c) => c.charCodeAt(0) - 97);
    const batch: TrainingBatch = { inputs: ids.slice(0, 31).subarray(0, 30), shape: [2, 15], targets: ids.slice(1, 31) };
    const model = buildCharLanguageModel({ vocabSize: 4, embeddingDim: 4, units: 8, implementation: "stock" });
    const outOfRange: TrainingBatch = { ...batch, targets: batch.targets.map((id, i) => (i === 7 ? 4 : id)) };
    await expect(trainModel(model, { task: "language-model", train: () => [outOfRange] })).rejects.toThrow(
      "expected next-id targets that are integers in [0, 4) (the model's output size), got 4 at batch.targets[7]",
    );
    const start = await evaluateLanguageModel(model, [batch]);
    expect(start.perplexity).toBeGreaterThan(3); // about uniform over 4 characters
    const result = await trainModel(model, { task: "language-model", train: () => [batch], epochs: 40, optimizer: tf.train.adam(0.05) });
    const end = await evaluateLanguageModel(model, [batch]);
    expect(end.loss).toBeLessThan(0.2);
    expect(end.accuracy).toBe(1);
    expect(result.history[39]!.accuracy).toBeGreaterThan(0.9);
    model.dispose();
  });
});
