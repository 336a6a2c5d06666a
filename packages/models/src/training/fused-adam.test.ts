import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { beforeAll, describe, expect, it } from "vitest";
import { expectClose } from "../expect-close";
import { fusedAdam, FusedAdamOptimizer } from "./fused-adam";

// The fused optimizer against tf.train.adam: identical starting weights and gradients, several steps, weights
// within 1e-5 (float32 rounding order); state exchangeable through getWeights/setWeights.

function makeVariables(prefix: string): tf.Variable[] {
  return [
    tf.variable(tf.randomNormal([13, 5], 0, 1, "float32", 1), true, `${prefix}_w`),
    tf.variable(tf.randomNormal([5], 0, 1, "float32", 2), true, `${prefix}_b`),
  ];
}

function gradients(vars: tf.Variable[], step: number): { name: string; tensor: tf.Tensor }[] {
  return vars.map((v, i) => ({ name: v.name, tensor: tf.randomNormal(v.shape, 0, 1, "float32", 10 * step + i + 1) })); // seed 0 means "no seed"
}

for (const backend of ["cpu", "wasm"] as const) {
  describe(`fusedAdam on ${backend}`, () => {
    beforeAll(async () => {
      await tf.setBackend(backend);
    });

    it("takes the same steps as tf.train.adam", () => {
      const stockVars = makeVariables(`s_${backend}`);
      const fusedVars = makeVariables(`f_${backend}`);
      const stock = tf.train.adam(0.01);
      const fused = fusedAdam(0.01);
      expect(fused).toBeInstanceOf(FusedAdamOptimizer);
      expect(fused.getClassName()).toBe("Adam");
      let before = 0;
      for (let step = 0; step < 4; step++) {
        if (step === 1) before = tf.memory().numTensors; // after the moments were created
        tf.tidy(() => {
          stock.applyGradients(gradients(stockVars, step));
          fused.applyGradients(gradients(fusedVars, step).map((g, i) => ({ name: fusedVars[i]!.name, tensor: g.tensor })));
        });
      }
      expect(tf.memory().numTensors).toBe(before);
      stockVars.forEach((v, i) => expectClose(fusedVars[i]!.dataSync(), v.dataSync(), { atol: 1e-5 }));
      tf.dispose([...stockVars, ...fusedVars]);
      stock.dispose();
      fused.dispose();
    });

    it("hands its state to tf.train.adam and back (checkpoints resume either way)", async () => {
      const a = makeVariables(`a_${backend}`);
      const b = makeVariables(`b_${backend}`);
      const fused = fusedAdam(0.01);
      const stock = tf.train.adam(0.01);
      for (let step = 0; step < 2; step++) tf.tidy(() => fused.applyGradients(gradients(a, step)));
      // the same two steps taken by tf.train.adam on b
      for (let step = 0; step < 2; step++) tf.tidy(() => stock.applyGradients(gradients(b, step).map((g, i) => ({ name: b[i]!.name, tensor: g.tensor }))));
      // move the fused optimizer's state (and a's weights) into a second stock optimizer, renamed to b's variables
      const weights = await fused.getWeights();
      const resumed = tf.train.adam(0.01);
      await resumed.setWeights(weights.map((w) => ({ name: w.name.replace(`a_${backend}`, `b2_${backend}`), tensor: w.tensor })));
      const b2 = a.map((v, i) => tf.variable(v.clone(), true, `b2_${backend}${i === 0 ? "_w" : "_b"}`));
      tf.tidy(() => resumed.applyGradients(gradients(b2, 2)));
      tf.tidy(() => stock.applyGradients(gradients(b, 2).map((g, i) => ({ name: b[i]!.name, tensor: g.tensor }))));
      b.forEach((v, i) => expectClose(b2[i]!.dataSync(), v.dataSync(), { atol: 1e-5 }));
      expect(resumed.iterations).toBe(3);
      tf.dispose([...a, ...b, ...b2]);
      [fused, stock, resumed].forEach((o) => o.dispose());
    });

    it("rejects a bad learning rate, beta or epsilon, from the factory and the constructor alike", () => {
      const before = tf.memory().numTensors;
      expect(() => fusedAdam(0)).toThrow(new RangeError("expected learningRate to be a finite number > 0, got 0"));
      expect(() => fusedAdam(Number.POSITIVE_INFINITY)).toThrow("expected learningRate to be a finite number > 0, got Infinity");
      expect(() => fusedAdam(0.1, 1)).toThrow("expected beta1 to be a finite number >= 0 and < 1, got 1");
      expect(() => fusedAdam(0.1, 0.9, -0.5)).toThrow("expected beta2 to be a finite number >= 0 and < 1, got -0.5");
      expect(() => fusedAdam(0.1, 0.9, 0.999, -1e-7)).toThrow("expected epsilon to be a finite number > 0, got -1e-7");
      expect(() => fusedAdam(0.1, 0.9, 0.999, 0)).toThrow("expected epsilon to be a finite number > 0, got 0");
      expect(() => fusedAdam(0.1, 0.9, 0.999, Number.NaN)).toThrow("expected epsilon to be a finite number > 0, got NaN");
      expect(() => fusedAdam("0.1" as unknown as number)).toThrow(new TypeError('expected learningRate to be a finite number > 0, got "0.1"'));
      expect(() => new FusedAdamOptimizer(-1, 0.9, 0.999)).toThrow("expected learningRate to be a finite number > 0, got -1");
      expect(tf.memory().numTensors).toBe(before); // refused before tf.AdamOptimizer made its β variables
    });

    it("keeps tf.train.adam's epsilon default and configuration", () => {
      const [fused, stock, chosen] = [fusedAdam(0.01), tf.train.adam(0.01), fusedAdam(0.01, 0.8, 0.99, 1e-5)];
      expect(fused.getConfig()).toStrictEqual(stock.getConfig());
      expect(chosen.getConfig()).toStrictEqual({ learningRate: 0.01, beta1: 0.8, beta2: 0.99, epsilon: 1e-5 });
      [fused, stock, chosen].forEach((o) => o.dispose());
    });
  });
}
