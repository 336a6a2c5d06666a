import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { beforeAll, describe, expect, it } from "vitest";
import { expectClose } from "../expect-close";
import { fusedAdam } from "./fused-adam";
import { StepSnapshot, type WatchedVariable } from "./step-snapshot";

// A refused step must leave no trace: every optimizer of tfjs (and fusedAdam) is stepped, rolled back, and
// compared bit for bit with its state before, then with a twin that never took the refused step.

const OPTIMIZERS: [string, () => tf.Optimizer][] = [
  ["tf.train.adam", () => tf.train.adam(0.1)],
  ["fusedAdam", () => fusedAdam(0.1)],
  ["tf.train.sgd", () => tf.train.sgd(0.1)],
  ["tf.train.momentum", () => tf.train.momentum(0.1, 0.9, true)],
  ["tf.train.rmsprop (centered)", () => tf.train.rmsprop(0.1, 0.9, 0.5, 1e-7, true)],
  ["tf.train.adagrad", () => tf.train.adagrad(0.1)],
  ["tf.train.adadelta", () => tf.train.adadelta(0.1)],
  ["tf.train.adamax", () => tf.train.adamax(0.1)],
];

function makeVariables(prefix: string): WatchedVariable[] {
  // tidy frees the initial values (a variable shares their data, and keeps it)
  return tf.tidy(() => [
    { variable: tf.variable(tf.randomNormal([6, 3], 0, 1, "float32", 1), true, `${prefix}_w`), label: "w" },
    { variable: tf.variable(tf.randomNormal([3], 0, 1, "float32", 2), true, `${prefix}_b`), label: "b" },
  ]);
}

function gradients(vars: WatchedVariable[], step: number): { name: string; tensor: tf.Tensor }[] {
  return vars.map((w, i) => ({ name: w.variable.name, tensor: tf.randomNormal(w.variable.shape, 0, 1, "float32", 10 * step + i + 1) }));
}

const values = (vars: WatchedVariable[]) => vars.map((w) => Float32Array.from(w.variable.dataSync()));

/** The optimizer's `getWeights` (iterations and slots), copied; Adamax has none (its state is checked through the twin). */
async function optimizerState(optimizer: tf.Optimizer): Promise<{ name: string; data: Float32Array }[]> {
  if (optimizer.getClassName() === "Adamax") return [];
  const named = await optimizer.getWeights();
  const copy = named.map(({ name, tensor }) => ({ name, data: Float32Array.from(tensor.dataSync()) }));
  tf.dispose(named.map((n) => n.tensor).filter((t) => !(t instanceof tf.Variable)));
  return copy;
}

// the variable names in getWeights are the optimizer's own (`${variable}/m`); compare them up to the prefix
const renamed = (state: { name: string; data: Float32Array }[], from: string, to: string) => state.map((s) => ({ ...s, name: s.name.replace(from, to) }));

function expectSameState(actual: { name: string; data: Float32Array }[], expected: { name: string; data: Float32Array }[]) {
  expect(actual.map((s) => s.name)).toStrictEqual(expected.map((s) => s.name));
  actual.forEach((s, i) => expectClose(s.data, expected[i]!.data, { atol: 0 }));
}

for (const backend of ["cpu", "wasm"] as const) {
  describe(`StepSnapshot on ${backend}`, () => {
    beforeAll(async () => {
      await tf.setBackend(backend);
    });

    for (const [name, make] of OPTIMIZERS) {
      it(`${name}: restore undoes a first step and a later one, bit for bit, and leaks nothing`, async () => {
        const baseline = tf.memory().numTensors;
        const tag = `${backend}_${name.replace(/\W/g, "")}`;
        const vars = makeVariables(`${tag}_a`);
        const twinVars = makeVariables(`${tag}_t`);
        const optimizer = make();
        const twin = make();
        const apply = (o: tf.Optimizer, v: WatchedVariable[], step: number) => tf.tidy(() => o.applyGradients(gradients(v, step)));

        const fresh = await optimizerState(optimizer);
        const initial = values(vars);
        let snapshot = StepSnapshot.take(vars, optimizer);
        apply(optimizer, vars, 0);
        const changed = snapshot.changed();
        expect(changed.filter((c) => c.kind === "weight").map((c) => c.label)).toStrictEqual(["w", "b"]);
        snapshot.restore();
        values(vars).forEach((v, i) => expectClose(v, initial[i]!, { atol: 0 }));
        expectSameState(await optimizerState(optimizer), fresh);
        expect(optimizer.iterations).toBe(0);

        for (const step of [1, 2]) {
          snapshot = StepSnapshot.take(vars, optimizer);
          apply(optimizer, vars, step);
          snapshot.release();
          apply(twin, twinVars, step);
        }
        const kept = values(vars);
        const keptState = await optimizerState(optimizer);
        snapshot = StepSnapshot.take(vars, optimizer);
        apply(optimizer, vars, 99);
        snapshot.restore();
        values(vars).forEach((v, i) => expectClose(v, kept[i]!, { atol: 0 }));
        expectSameState(await optimizerState(optimizer), keptState);
        expect(optimizer.iterations).toBe(2);

        // the next step lands exactly where an optimizer that never took the refused one does
        apply(optimizer, vars, 3);
        apply(twin, twinVars, 3);
        const twinValues = values(twinVars);
        values(vars).forEach((v, i) => expectClose(v, twinValues[i]!, { atol: 0 }));
        expectSameState(renamed(await optimizerState(optimizer), `${tag}_a`, `${tag}_t`), await optimizerState(twin));

        for (const o of [optimizer, twin]) {
          o.dispose();
          // tfjs 4.22's MomentumOptimizer.dispose forgets the learning-rate scalar of the SGD it extends
          if (o.getClassName() === "Momentum") (o as unknown as { c: tf.Tensor }).c.dispose();
        }
        tf.dispose([...vars, ...twinVars].map((w) => w.variable));
        expect(tf.memory().numTensors).toBe(baseline);
      });
    }

    it("reports what a first Adam step changed and created, with their names", () => {
      const vars = makeVariables(`${backend}_names`);
      const optimizer = tf.train.adam(0.1);
      const snapshot = StepSnapshot.take(vars, optimizer);
      tf.tidy(() => optimizer.applyGradients(gradients(vars, 0)));
      const changed = snapshot.changed();
      expect(changed.filter((c) => c.kind === "weight" && !c.created).map((c) => c.label)).toStrictEqual(["w", "b"]);
      expect(changed.filter((c) => c.kind === "optimizer" && !c.created).map((c) => c.label).sort()).toStrictEqual(["accBeta1", "accBeta2"]);
      expect(changed.filter((c) => c.created).map((c) => c.label)).toStrictEqual([
        `${backend}_names_w/m`,
        `${backend}_names_b/m`,
        `${backend}_names_w/v`,
        `${backend}_names_b/v`,
      ]);
      snapshot.release();
      optimizer.dispose();
      tf.dispose(vars.map((w) => w.variable));
    });
  });
}
