import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { smallModel, toyBatches, values } from "../__fixtures__/toy-sentiment";
import { expectClose } from "../expect-close";
import { CheckpointKeeper } from "./checkpoint-keeper";
import { DivergenceMonitor } from "./divergence-monitor";
import { fusedAdam } from "./fused-adam";
import { memoryCheckpointStore, type TrainingCheckpoint } from "./training-checkpoint";
import { TrainingStep } from "./training-step";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

const state = (step: number): TrainingCheckpoint => ({
  epoch: 0,
  batchesDone: step,
  step,
  partial: { lossSum: 0, sequences: 0, correct: 0, examples: 0, tokens: 0, seconds: 0, stepSeconds: 0 },
  history: [],
  best: null,
  wait: 0,
  finished: false,
  stopReason: null,
  weights: [],
  optimizer: [],
  divergence: DivergenceMonitor.initial(),
});

describe("CheckpointKeeper", () => {
  it("writes the model's and optimizer's values, loads them into a fresh pair, and says which step the store holds", async () => {
    const store = memoryCheckpointStore();
    const model = smallModel(70);
    const optimizer = fusedAdam(0.01);
    const keeper = new CheckpointKeeper(model, optimizer, store);
    expect(keeper.enabled).toBe(true);
    expect(await keeper.load()).toBeNull();
    expect(keeper.describeKept()).toBe("no checkpoint was written");
    const step = new TrainingStep(model, optimizer, "binary-classification", undefined);
    toyBatches(3, 2).forEach((b, i) => step.run(b, { step: i + 1, epoch: 1, batch: i + 1 }));
    await keeper.write(state(2));
    expect([keeper.storedStep, keeper.written]).toStrictEqual([2, 1]);
    expect(keeper.describeKept()).toBe("the checkpoint of step 2 was kept");

    const other = smallModel(71);
    const otherOptimizer = fusedAdam(0.01);
    const loader = new CheckpointKeeper(other, otherOptimizer, store);
    const loaded = await loader.load();
    expect(loaded!.step).toBe(2);
    expect([loader.storedStep, loader.written]).toStrictEqual([2, 0]);
    const expected = values(model);
    values(other).forEach((w, i) => expectClose(w, expected[i]!, { atol: 0 }));
    expect(otherOptimizer.iterations).toBe(2);
    [model, other].forEach((m) => m.dispose());
    [optimizer, otherOptimizer].forEach((o) => o.dispose());
  });

  it("without a store writes nothing and says so", async () => {
    const model = smallModel(72);
    const optimizer = tf.train.sgd(0.1);
    const keeper = new CheckpointKeeper(model, optimizer, undefined);
    expect(keeper.enabled).toBe(false);
    expect(await keeper.load()).toBeNull();
    const s = state(5);
    await keeper.write(s);
    expect([keeper.storedStep, keeper.written, s.weights.length]).toStrictEqual([null, 0, 0]);
    expect(keeper.describeKept()).toBe("no checkpoint store was given, so nothing was saved");
    model.dispose();
    optimizer.dispose();
  });
});
