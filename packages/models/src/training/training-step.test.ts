import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { smallModel, toyBatches, values } from "../__fixtures__/toy-sentiment";
import { expectClose } from "../expect-close";
import { ModelsError } from "../models-error";
import { fusedAdam } from "./fused-adam";
import { batchTensors, taskLoss } from "./losses";
import { TrainingStep } from "./training-step";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

const batches = toyBatches(1, 4);
const at = (step: number) => ({ step, epoch: 1, batch: step });

async function optimizerState(optimizer: tf.Optimizer): Promise<{ name: string; data: Float32Array }[]> {
  const named = await optimizer.getWeights();
  const copy = named.map(({ name, tensor }) => ({ name, data: Float32Array.from(tensor.dataSync()) }));
  tf.dispose(named.map((n) => n.tensor).filter((t) => !(t instanceof tf.Variable)));
  return copy;
}

function expectSameState(actual: { name: string; data: Float32Array }[], expected: { name: string; data: Float32Array }[]) {
  expect(actual.map((s) => s.name)).toStrictEqual(expected.map((s) => s.name));
  actual.forEach((s, i) => expectClose(s.data, expected[i]!.data, { atol: 0 }));
}

function caught(f: () => unknown): ModelsError {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(ModelsError);
    return error as ModelsError;
  }
  throw new Error("expected the step to throw");
}

/** An optimizer whose learning rate a test can raise between steps (a fault: a schedule gone wrong). */
const setLearningRate = (optimizer: tf.Optimizer, lr: number) => ((optimizer as unknown as { learningRate: number }).learningRate = lr);

describe("TrainingStep", () => {
  it("takes exactly the step a plain computeGradients + applyGradients takes, and reports its figures", () => {
    const [checked, plain] = [smallModel(21), smallModel(21)];
    const [o1, o2] = [tf.train.adam(0.01), tf.train.adam(0.01)];
    const step = new TrainingStep(checked, o1, "binary-classification", undefined);
    const baseline = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const batch = batches[i]!;
      const expectedLoss = step.loss(batch); // before the update, in inference mode (no dropout here: the same)
      const figures = step.run(batch, at(i + 1));
      const reference = tf.tidy(() => {
        const { x, y } = batchTensors("binary-classification", batch);
        const vars = plain.trainableWeights.map((w) => w.read() as tf.Variable);
        const { value, grads } = o2.computeGradients(() => taskLoss("binary-classification", plain.apply(x, { training: true }) as tf.Tensor, y), vars);
        const norm = Math.sqrt(Object.values(grads).reduce((s, g) => s + (tf.sum(tf.square(g)).dataSync()[0] as number), 0));
        (o2 as tf.Optimizer).applyGradients(grads);
        return { loss: value.dataSync()[0] as number, norm };
      });
      expect(figures.loss).toBe(reference.loss);
      expectClose([figures.loss], [expectedLoss], { atol: 1e-6 });
      expectClose([figures.gradientNorm], [reference.norm], { rtol: 1e-6 });
      expect(figures.clipped).toBe(false);
      expect(figures.correct).toBeGreaterThanOrEqual(0);
      expect(figures.correct).toBeLessThanOrEqual(16);
      if (i === 0) expect(tf.memory().numTensors).toBeGreaterThan(baseline); // Adam's moments appeared
    }
    const expected = values(plain);
    values(checked).forEach((w, i) => expectClose(w, expected[i]!, { atol: 0 }));
    [checked, plain].forEach((m) => m.dispose());
    [o1, o2].forEach((o) => o.dispose());
  });

  for (const [name, make] of [
    ["fusedAdam", (lr: number) => fusedAdam(lr)],
    ["tf.train.adam", (lr: number) => tf.train.adam(lr)],
  ] as const) {
    it(`${name}: learning rate 1e20 on step 1 is refused with weights and optimizer state bit-identical (NON_FINITE_WEIGHTS)`, async () => {
      const model = smallModel(22);
      const optimizer = make(1e20);
      const step = new TrainingStep(model, optimizer, "binary-classification", undefined);
      const weights = values(model);
      const state = await optimizerState(optimizer);
      const before = tf.memory().numTensors;
      const error = caught(() => step.run(batches[0]!, at(1)));
      expect(error.code).toBe("NON_FINITE_WEIGHTS");
      expect(error.message).toMatch(/^step 1 \(epoch 1, batch 1\): the update would make .*embeddings.* not finite or too large for float32/);
      expect(error.message).toContain("the weights and the optimizer state were put back as they were before it");
      expect(error.details).toMatchObject({ step: 1, epoch: 1, batch: 1 });
      expect(error.details!.variables).toContain(model.trainableWeights[0]!.name); // the embeddings, first of 11
      values(model).forEach((w, i) => expectClose(w, weights[i]!, { atol: 0 }));
      expectSameState(await optimizerState(optimizer), state);
      expect(optimizer.iterations).toBe(0);
      expect(tf.memory().numTensors).toBe(before); // the moments it made on the way were disposed
      model.dispose();
      optimizer.dispose();
    });

    it(`${name}: a learning rate raised to 1e20 after two good steps is refused with the state of step 2 kept`, async () => {
      const model = smallModel(23);
      const optimizer = make(0.01);
      const step = new TrainingStep(model, optimizer, "binary-classification", undefined);
      step.run(batches[0]!, at(1));
      step.run(batches[1]!, at(2));
      const weights = values(model);
      const state = await optimizerState(optimizer);
      setLearningRate(optimizer, 1e20);
      expect(caught(() => step.run(batches[2]!, at(3))).code).toBe("NON_FINITE_WEIGHTS");
      values(model).forEach((w, i) => expectClose(w, weights[i]!, { atol: 0 }));
      expectSameState(await optimizerState(optimizer), state);
      expect(optimizer.iterations).toBe(2);
      // and the run can go on from there: the same step at a sane rate is taken
      setLearningRate(optimizer, 0.01);
      expect(Number.isFinite(step.run(batches[2]!, at(3)).loss)).toBe(true);
      expect(optimizer.iterations).toBe(3);
      model.dispose();
      optimizer.dispose();
    });
  }

  it("refuses a NaN injected into one gradient, naming that variable (NON_FINITE_GRADIENT)", () => {
    const model = smallModel(24);
    const target = model.trainableWeights[2]!.name;
    class PoisonedSgd extends tf.SGDOptimizer {
      override computeGradients(f: () => tf.Scalar, varList?: tf.Variable[]) {
        const result = super.computeGradients(f, varList);
        const g = result.grads[target]!;
        result.grads[target] = tf.where(tf.onesLike(g).cumsum().equal(2), tf.fill(g.shape, Number.NaN), g); // element 1 is NaN
        return result;
      }
    }
    const optimizer = new PoisonedSgd(0.1);
    const step = new TrainingStep(model, optimizer, "binary-classification", 1);
    const weights = values(model);
    const before = tf.memory().numTensors;
    const error = caught(() => step.run(batches[0]!, at(5)));
    expect(error.code).toBe("NON_FINITE_GRADIENT");
    expect(error.message).toContain(`step 5 (epoch 1, batch 5): the gradient of ${target} (sum of squares NaN) is not finite`);
    expect(error.details!.variables).toStrictEqual([target]);
    values(model).forEach((w, i) => expectClose(w, weights[i]!, { atol: 0 }));
    expect(optimizer.iterations).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
    optimizer.dispose();
  });

  it("refuses a NaN loss before computing anything else (NON_FINITE_LOSS)", () => {
    const model = smallModel(25);
    const optimizer = tf.train.sgd(0.1);
    const step = new TrainingStep(model, optimizer, "binary-classification", undefined);
    const bad = { ...batches[0]!, targets: new Float32Array(16).fill(Number.NaN) };
    const weights = values(model);
    const error = caught(() => step.run(bad, at(1)));
    expect(error.code).toBe("NON_FINITE_LOSS");
    expect(error.message).toMatch(/^step 1 \(epoch 1, batch 1\): the loss is NaN/);
    values(model).forEach((w, i) => expectClose(w, weights[i]!, { atol: 0 }));
    model.dispose();
    optimizer.dispose();
  });

  it("checks the state of optimizers other than SGD and Adam: a momentum that turns NaN is put back", () => {
    const model = smallModel(26);
    class LeakyMomentum extends tf.MomentumOptimizer {
      poison = false;
      override applyGradients(g: Parameters<tf.MomentumOptimizer["applyGradients"]>[0]) {
        super.applyGradients(g);
        if (!this.poison) return;
        const slot = (this as unknown as { accumulations: { variable: tf.Variable }[] }).accumulations[0]!.variable;
        slot.assign(tf.tidy(() => tf.mul(slot, Number.NaN))); // state ruined, weights still finite
      }
    }
    const optimizer = new LeakyMomentum(0.01, 0.9);
    const step = new TrainingStep(model, optimizer, "binary-classification", undefined);
    step.run(batches[0]!, at(1));
    const weights = values(model);
    const stateBefore = (optimizer as unknown as { accumulations: { variable: tf.Variable }[] }).accumulations.map((a) => Float32Array.from(a.variable.dataSync()));
    optimizer.poison = true;
    const error = caught(() => step.run(batches[1]!, at(2)));
    expect(error.code).toBe("NON_FINITE_WEIGHTS");
    expect(error.message).toContain("(optimizer state, sum NaN)");
    values(model).forEach((w, i) => expectClose(w, weights[i]!, { atol: 0 }));
    (optimizer as unknown as { accumulations: { variable: tf.Variable }[] }).accumulations.forEach((a, i) =>
      expectClose(a.variable.dataSync(), stateBefore[i]!, { atol: 0 }),
    );
    model.dispose();
    optimizer.dispose();
    (optimizer as unknown as { c: tf.Tensor }).c.dispose(); // tfjs 4.22's MomentumOptimizer.dispose forgets it
  });

  it("clips to clipNorm and says so", () => {
    const model = smallModel(27);
    const optimizer = tf.train.sgd(1);
    const step = new TrainingStep(model, optimizer, "binary-classification", 1e-3);
    const before = values(model);
    const figures = step.run(batches[0]!, at(1));
    expect(figures.clipped).toBe(true);
    expect(figures.gradientNorm).toBeGreaterThan(1e-3);
    // plain SGD with learning rate 1: the update is minus the clipped gradient, of norm clipNorm
    let squared = 0;
    values(model).forEach((w, i) => w.forEach((v, k) => (squared += (v - before[i]![k]!) ** 2)));
    expectClose([Math.sqrt(squared)], [1e-3], { rtol: 1e-3 });
    model.dispose();
    optimizer.dispose();
  });
});
