import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { smallModel, toyBatches, values } from "../__fixtures__/toy-sentiment";
import { expectClose } from "../expect-close";
import {
  buildCharLanguageModel,
  buildSentimentModel,
  decodeCheckpoint,
  evaluateLanguageModel,
  evaluateSentimentModel,
  fusedAdam,
  memoryCheckpointStore,
  ModelsError,
  trainModel,
  type TrainingBatch,
  type TrainingProgress,
} from "../index";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

const train = toyBatches(1, 6);
const validation = toyBatches(2, 2);

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
    expect((error as ModelsError).message).toBe("training aborted at epoch 1, batch 3 (step 3); checkpoint saved (step 3)");
    expect((error as ModelsError).details).toMatchObject({ step: 3, checkpointWritten: true, checkpointStep: 3 });
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
      "expected epochs to be an integer >= 1, got 0",
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

/** The optimizer's `getWeights` (iterations, then its slots), copied. */
async function optimizerArrays(optimizer: tf.Optimizer): Promise<{ name: string; data: Float32Array }[]> {
  const named = await optimizer.getWeights();
  const copy = named.map(({ name, tensor }) => ({ name, data: Float32Array.from(tensor.dataSync()) }));
  tf.dispose(named.map((n) => n.tensor).filter((t) => !(t instanceof tf.Variable)));
  return copy;
}

async function rejection(promise: Promise<unknown>): Promise<ModelsError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelsError);
  return error as ModelsError;
}

/** A store holding the checkpoint of 2 good steps (fusedAdam 0.01), with those bytes kept aside. */
async function storeAfterTwoSteps(seed: number) {
  const store = memoryCheckpointStore();
  const model = smallModel(seed);
  await trainModel(model, { task: "binary-classification", train: () => train, epochs: 2, optimizer: fusedAdam(0.01), checkpoint: store, maxSteps: 2 });
  model.dispose();
  return { store, bytes: store.bytes!.slice() };
}

describe("trainModel faults", () => {
  for (const [name, make] of [
    ["fusedAdam", (lr: number) => fusedAdam(lr)],
    ["tf.train.adam", (lr: number) => tf.train.adam(lr)],
  ] as const) {
    it(`${name}: learning rate 1e20 on step 1 leaves weights and optimizer state bit-identical and writes no checkpoint`, async () => {
      const model = smallModel(40);
      const optimizer = make(1e20);
      const store = memoryCheckpointStore();
      const before = values(model);
      const error = await rejection(trainModel(model, { task: "binary-classification", train: () => train, optimizer, checkpoint: store, checkpointEverySteps: 1 }));
      expect(error.code).toBe("NON_FINITE_WEIGHTS");
      expect(error.message).toMatch(/^step 1 \(epoch 1, batch 1\): the update would make .* not finite or too large for float32/);
      expect(error.message).toMatch(/; no checkpoint was written$/);
      expect(error.details).toMatchObject({ step: 1, checkpointWritten: false, checkpointStep: null });
      values(model).forEach((w, i) => expectClose(w, before[i]!, { atol: 0 }));
      expect(optimizer.iterations).toBe(0);
      expect((await optimizerArrays(optimizer)).map((a) => a.name)).toStrictEqual(["iter"]); // no moments left behind
      expect(store.bytes).toBeNull();
      model.dispose();
      optimizer.dispose();
    });

    it(`${name}: learning rate 1e20 after resuming keeps the weights, the optimizer state and the checkpoint of step 2`, async () => {
      const { store, bytes } = await storeAfterTwoSteps(41);
      const saved = decodeCheckpoint(bytes);
      const model = smallModel(99);
      const optimizer = make(1e20);
      const error = await rejection(trainModel(model, { task: "binary-classification", train: () => train, optimizer, checkpoint: store, checkpointEverySteps: 1 }));
      expect(error.code).toBe("NON_FINITE_WEIGHTS");
      expect(error.message).toMatch(/^step 3 \(epoch 1, batch 3\)/);
      expect(error.message).toMatch(/the checkpoint of step 2 was kept$/);
      expect(error.details).toMatchObject({ step: 3, checkpointWritten: false, checkpointStep: 2 });
      expect(store.bytes).toStrictEqual(bytes);
      values(model).forEach((w, i) => expectClose(w, saved.weights[i]!.data, { atol: 0 }));
      const state = await optimizerArrays(optimizer);
      expect(state.map((a) => a.name)).toStrictEqual(saved.optimizer.map((a) => a.name));
      state.forEach((a, i) => expectClose(a.data, saved.optimizer[i]!.data, { atol: 0 }));
      model.dispose();
      optimizer.dispose();
    });
  }

  it("stops a finite divergence (learning rate 1e9) with DIVERGED and keeps the last good checkpoint", async () => {
    const { store, bytes } = await storeAfterTwoSteps(42);
    const model = smallModel(99);
    const losses: number[] = [];
    const error = await rejection(
      trainModel(model, {
        task: "binary-classification",
        train: () => train,
        epochs: 20,
        optimizer: fusedAdam(1e9),
        checkpoint: store,
        checkpointEverySteps: 1, // a checkpoint is due after every step: none may be written
        divergence: { patience: 10 },
        onProgress: (p) => losses.push(p.loss),
      }),
    );
    expect(error.code).toBe("DIVERGED");
    expect(losses.every(Number.isFinite)).toBe(true); // it never produced a NaN: only the divergence check stops it
    expect(losses.length).toBeGreaterThanOrEqual(10);
    expect(error.message).toMatch(/^training diverged at step \d+: the loss \(moving average [\d.]+\) has been above 5 × its lowest level [\d.]+ for 10 steps; the checkpoint of step 2 was kept\./);
    expect(error.details).toMatchObject({ checkpointWritten: false, checkpointStep: 2 });
    expect(store.bytes).toStrictEqual(bytes);
    model.dispose();
  });

  it("with the default divergence check, a run at learning rate 1e9 from the start writes no checkpoint; with divergence: false it trains on", async () => {
    const store = memoryCheckpointStore();
    const model = smallModel(43);
    const error = await rejection(
      trainModel(model, { task: "binary-classification", train: () => train, epochs: 20, optimizer: fusedAdam(1e9), checkpoint: store, checkpointEverySteps: 1 }),
    );
    expect(error.code).toBe("DIVERGED");
    expect(error.message).toContain("for 50 steps; no checkpoint was written.");
    expect(store.bytes).toBeNull();
    const unchecked = smallModel(43);
    const result = await trainModel(unchecked, { task: "binary-classification", train: () => train, epochs: 2, optimizer: fusedAdam(1e9), divergence: false });
    expect(result.stopReason).toBe("epochs");
    expect(result.history[1]!.loss).toBeGreaterThan(10 * result.history[0]!.loss * 0.1); // garbage, as asked
    model.dispose();
    unchecked.dispose();
  });

  it("refuses a NaN injected into a gradient, naming the variable, and keeps the checkpoint", async () => {
    const { store, bytes } = await storeAfterTwoSteps(44);
    const model = smallModel(99);
    const target = model.trainableWeights[4]!.name;
    class PoisonedAdam extends tf.AdamOptimizer {
      override computeGradients(f: () => tf.Scalar, varList?: tf.Variable[]) {
        const result = super.computeGradients(f, varList);
        if (this.iterations >= 3) result.grads[target] = tf.mul(result.grads[target]!, Number.NaN);
        return result;
      }
    }
    const error = await rejection(
      trainModel(model, { task: "binary-classification", train: () => train, optimizer: new PoisonedAdam(0.01, 0.9, 0.999), checkpoint: store, checkpointEverySteps: 1 }),
    );
    expect(error.code).toBe("NON_FINITE_GRADIENT");
    expect(error.message).toMatch(new RegExp(`^step 4 \\(epoch 1, batch 4\\): the gradient of ${target.replace(/[/_]/g, ".")} \\(sum of squares NaN\\)`));
    expect(error.details).toMatchObject({ step: 4, variables: [target], checkpointStep: 3 });
    expect(store.bytes).not.toStrictEqual(bytes); // step 3 was good and was checkpointed at step 4's batch
    expect(decodeCheckpoint(store.bytes!).step).toBe(3);
    model.dispose();
  });

  it("says whether the interrupt checkpoint was written: none without a store, none while diverging", async () => {
    const controller = new AbortController();
    const model = smallModel(45);
    const noStore = await rejection(
      trainModel(model, { task: "binary-classification", train: () => train, signal: controller.signal, onProgress: (p) => p.step === 2 && controller.abort() }),
    );
    expect(noStore.code).toBe("ABORTED");
    expect(noStore.message).toBe("training aborted at epoch 1, batch 2 (step 2); no checkpoint store was given, so nothing was saved");
    expect(noStore.details).toMatchObject({ checkpointWritten: false, checkpointStep: null });

    const { store, bytes } = await storeAfterTwoSteps(46);
    const second = new AbortController();
    const diverging = await rejection(
      trainModel(smallModel(99), {
        task: "binary-classification",
        train: () => train,
        epochs: 5,
        optimizer: fusedAdam(1e9),
        checkpoint: store,
        divergence: { patience: 100 },
        signal: second.signal,
        onProgress: (p) => p.step === 8 && second.abort(),
      }),
    );
    expect(diverging.code).toBe("ABORTED");
    expect(diverging.message).toBe(
      "training aborted at epoch 2, batch 2 (step 8); no checkpoint was written because the loss is diverging; the checkpoint of step 2 was kept",
    );
    expect(store.bytes).toStrictEqual(bytes);
    model.dispose();
  });
});

describe("trainModel options", () => {
  it("checks every option before loading a checkpoint or asking for a batch", async () => {
    const model = smallModel(50);
    let trainCalls = 0;
    let loads = 0;
    const spyTrain = () => {
      trainCalls++;
      return train;
    };
    const store = { load: async () => (loads++, null), save: async () => undefined };
    const base = { task: "binary-classification" as const, train: spyTrain, checkpoint: store };
    const bad: [Record<string, unknown>, ErrorConstructor, string | RegExp][] = [
      [{ maxStep: 3 }, TypeError, /^unknown option "maxStep" in trainModel options \(did you mean "maxSteps"\?\); expected one of task, train,/],
      [{ maxSteps: 2.5 }, RangeError, "expected maxSteps to be an integer >= 1 (or Infinity), got 2.5"],
      [{ maxSteps: 0 }, RangeError, "expected maxSteps to be an integer >= 1 (or Infinity), got 0"],
      [{ epochs: 1.5 }, RangeError, "expected epochs to be an integer >= 1, got 1.5"],
      [{ epochs: "3" }, TypeError, 'expected epochs to be an integer >= 1, got "3"'],
      [{ checkpointEverySteps: 0 }, RangeError, "expected checkpointEverySteps to be an integer >= 1, got 0"],
      [{ clipNorm: -1 }, RangeError, "expected clipNorm to be a finite number > 0, got -1"],
      [{ clipNorm: Number.NaN }, RangeError, "expected clipNorm to be a finite number > 0, got NaN"],
      [{ batchesPerEpoch: 0 }, RangeError, "expected batchesPerEpoch to be an integer >= 1, got 0"],
      [{ resume: "yes" }, TypeError, 'expected resume to be true or false, got "yes"'],
      [{ optimizer: {} }, TypeError, "expected optimizer to be a tf.Optimizer (computeGradients, applyGradients), got an object (Object)"],
      [{ checkpoint: { load: 1 } }, TypeError, "expected checkpoint to be a CheckpointStore (load() and save(bytes)), got an object (Object)"],
      [{ signal: {} }, TypeError, "expected signal to be an AbortSignal, got an object (Object)"],
      [{ onProgress: 1 }, TypeError, "expected onProgress to be a function, got 1"],
      [{ onEpochEnd: "log" }, TypeError, 'expected onEpochEnd to be a function, got "log"'],
      [{ validation: [] }, TypeError, "expected validation to be a function, got an array of length 0"],
      [{ task: "regression" }, RangeError, 'expected task to be one of "binary-classification" | "language-model", got "regression"'],
      [{ train: undefined }, TypeError, "expected train to be a function, got undefined"],
      [{ earlyStopping: { monitor: "val_acc" }, validation: () => validation }, RangeError, 'expected earlyStopping.monitor to be one of "val_loss" | "val_accuracy" | "loss" | "accuracy", got "val_acc"'],
      [{ earlyStopping: { minDelta: Number.NaN }, validation: () => validation }, RangeError, "expected earlyStopping.minDelta to be a finite number >= 0, got NaN"],
      [{ earlyStopping: { patinece: 2 } }, TypeError, /^unknown option "patinece" in earlyStopping \(did you mean "patience"\?\)/],
      [{ earlyStopping: { monitor: "val_loss" } }, RangeError, "expected a validation source to monitor val_loss, got none"],
      [{ divergence: true }, TypeError, "expected divergence to be false or { factor, patience }, got true"],
      [{ divergence: { factor: 0.5 } }, RangeError, "expected divergence.factor to be a finite number > 1, got 0.5"],
      [{ divergence: { patience: 0 } }, RangeError, "expected divergence.patience to be an integer >= 1, got 0"],
    ];
    for (const [patch, type, message] of bad) {
      const error = await trainModel(model, { ...base, ...patch } as never).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error, JSON.stringify(patch)).toBeInstanceOf(type);
      expect((error as Error).message).toMatch(typeof message === "string" ? new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`) : message);
    }
    await expect(trainModel(model, null as never)).rejects.toThrow("expected trainModel options to be an object, got null");
    expect(trainCalls).toBe(0);
    expect(loads).toBe(0);
    model.dispose();
  });

  it("has exact option types: a misspelt option fails to compile, and at run time", async () => {
    const model = smallModel(51);
    await expect(
      // @ts-expect-error -- "maxStep" is not an option (object literals get excess-property checks)
      trainModel(model, { task: "binary-classification", train: () => train, maxStep: 3 }),
    ).rejects.toThrow('unknown option "maxStep" in trainModel options (did you mean "maxSteps"?)');
    await expect(
      // @ts-expect-error -- nested option objects are exact too
      trainModel(model, { task: "binary-classification", train: () => train, earlyStopping: { monitor: "loss", patinece: 1 } }),
    ).rejects.toThrow('unknown option "patinece" in earlyStopping');
    await expect(
      // @ts-expect-error -- monitors are a closed set
      trainModel(model, { task: "binary-classification", train: () => train, earlyStopping: { monitor: "val_acc" } }),
    ).rejects.toThrow(RangeError);
    model.dispose();
  });

  it("maxSteps counts exactly (2 steps, not 3)", async () => {
    const model = smallModel(52);
    const result = await trainModel(model, { task: "binary-classification", train: () => train, maxSteps: 2 });
    expect([result.steps, result.session.steps, result.stopReason]).toStrictEqual([2, 2, "max-steps"]);
    model.dispose();
  });
});

describe("trainModel bookkeeping across resumed runs", () => {
  it("reports steps and step time of this call and of the whole run", async () => {
    const store = memoryCheckpointStore();
    const model = smallModel(60);
    const first = await trainModel(model, { task: "binary-classification", train: () => train, epochs: 3, checkpoint: store, maxSteps: 8 });
    expect([first.steps, first.session.steps, first.trained, first.resumed]).toStrictEqual([8, 8, true, false]);
    expect(first.stepSeconds).toBeGreaterThan(0);
    expect(first.stepSeconds).toBeCloseTo(first.session.stepSeconds, 9);
    expect(first.seconds).toBeGreaterThanOrEqual(first.stepSeconds);
    expect(first.session.seconds).toBeGreaterThanOrEqual(first.session.stepSeconds);
    const second = await trainModel(smallModel(61), { task: "binary-classification", train: () => train, epochs: 3, checkpoint: store });
    expect([second.steps, second.session.steps, second.trained, second.resumed]).toStrictEqual([18, 10, true, true]);
    expect(second.stepSeconds).toBeCloseTo(first.stepSeconds + second.session.stepSeconds, 9);
    expect(second.stepSeconds).toBeCloseTo(second.history.reduce((s, r) => s + r.stepSeconds!, 0), 9);
    expect(second.seconds).toBeCloseTo(second.history.reduce((s, r) => s + r.seconds, 0), 9);
    expect(second.history.every((r) => r.stepSeconds! > 0 && r.seconds >= r.stepSeconds!)).toBe(true);
    // the whole run's ms/step is over all 18 steps, not this call's 10
    expect((1000 * second.stepSeconds) / second.steps).toBeGreaterThan(0);
    const again = await trainModel(smallModel(62), { task: "binary-classification", train: () => train, epochs: 3, checkpoint: store });
    expect([again.steps, again.session.steps, again.trained]).toStrictEqual([18, 0, false]);
    model.dispose();
  });

  it("trains the extra epochs when a finished run is resumed with more, ending where an uninterrupted run ends", async () => {
    const options = {
      task: "binary-classification" as const,
      train: () => train,
      validation: () => validation,
      earlyStopping: { patience: 5 },
    };
    const straight = smallModel(63);
    const reference = await trainModel(straight, { ...options, epochs: 3 });
    const store = memoryCheckpointStore();
    const grown = smallModel(63);
    const one = await trainModel(grown, { ...options, epochs: 1, checkpoint: store });
    expect([one.stopReason, one.history.length]).toStrictEqual(["epochs", 1]);
    const more = await trainModel(grown, { ...options, epochs: 3, checkpoint: store });
    expect([more.trained, more.steps, more.session.steps, more.history.length]).toStrictEqual([true, 18, 12, 3]);
    expect(more.bestEpoch).toBe(reference.bestEpoch);
    more.history.forEach((r, i) => expectClose([r.loss, r.valLoss!], [reference.history[i]!.loss, reference.history[i]!.valLoss!], { atol: 1e-5 }));
    const expected = values(straight);
    values(grown).forEach((w, i) => expectClose(w, expected[i]!, { atol: 1e-6 }));
    const same = await trainModel(grown, { ...options, epochs: 3, checkpoint: store });
    expect([same.trained, same.steps]).toStrictEqual([false, 18]);
    straight.dispose();
    grown.dispose();
  });

  it("does not train on after early stopping, even with more epochs", async () => {
    const store = memoryCheckpointStore();
    const model = smallModel(64);
    const opposite = toyBatches(2, 2, 16, 6, true);
    const options = { task: "binary-classification" as const, train: () => train, validation: () => opposite, optimizer: tf.train.adam(0.05), earlyStopping: { patience: 1 }, checkpoint: store };
    const stopped = await trainModel(model, { ...options, epochs: 10 });
    expect(stopped.stopReason).toBe("early-stopping");
    const again = await trainModel(model, { ...options, epochs: 20 });
    expect([again.trained, again.stopReason, again.steps]).toStrictEqual([false, "early-stopping", stopped.steps]);
    model.dispose();
  });
});
