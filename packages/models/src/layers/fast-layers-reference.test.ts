import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { setRecurrentKernelSwitches } from "@recurrent/backends/testing";
import { rnnBackward, rnnForward } from "@recurrent/rnn-cells";
import type { ActivationName, CellKind } from "@recurrent/rnn-cells";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectClose } from "../expect-close";
import { fastGru } from "./fast-gru";
import { fastLstm } from "./fast-lstm";
import { fastSimpleRnn } from "./fast-simple-rnn";

// Gradients of the fast layers against the float64 BPTT reference of @recurrent/rnn-cells (the project's ground
// truth): same weights, inputs and mask; loss Σ output ⊙ probe. Outputs within 1e-5, gradients within 1e-4.

const B = 3;
const T = 6;
const D = 4;
const H = 5;

function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32) * 2 - 1;
  }
  return out;
}

// row 0 full, row 1 post-padded (2 steps), row 2 pre-padded (3 steps)
const MASK = Float32Array.from([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1]);

const CASES: { cell: CellKind; make: typeof fastLstm; rec: ActivationName; goBackwards: boolean; returnSequences: boolean }[] = [
  { cell: "lstm", make: fastLstm, rec: "hardSigmoid", goBackwards: false, returnSequences: true },
  { cell: "lstm", make: fastLstm, rec: "sigmoid", goBackwards: true, returnSequences: false },
  { cell: "gru", make: fastGru as unknown as typeof fastLstm, rec: "hardSigmoid", goBackwards: true, returnSequences: true },
  { cell: "simple-rnn", make: fastSimpleRnn as unknown as typeof fastLstm, rec: "sigmoid", goBackwards: false, returnSequences: true },
];

// Every cell runs twice: through the whole-sequence kernels (the default) and through the per-step kernels.
for (const [backend, kernelPath] of [["cpu", "sequence"], ["wasm", "sequence"], ["cpu", "per-step"], ["wasm", "per-step"]] as const) {
  describe(`fast layers against the @recurrent/rnn-cells reference on ${backend} (${kernelPath} kernels)`, () => {
    let before = true;
    beforeAll(async () => {
      await tf.setBackend(backend);
      before = setRecurrentKernelSwitches({ sequenceKernels: kernelPath === "sequence" }).sequenceKernels;
    });
    afterAll(() => {
      setRecurrentKernelSwitches({ sequenceKernels: before });
    });

    for (const c of CASES) {
      it(`${c.cell}, recurrent ${c.rec}, goBackwards ${c.goBackwards}, returnSequences ${c.returnSequences}, masked`, () => {
        const layer = c.make({
          units: H,
          recurrentActivation: c.rec, // the reference spells activations as tfjs does
          goBackwards: c.goBackwards,
          returnSequences: c.returnSequences,
          kernelInitializer: "glorotUniform",
          recurrentInitializer: "glorotUniform",
          biasInitializer: "randomNormal",
        });
        const xValues = values(B * T * D, 3);
        tf.tidy(() => {
          layer.apply(tf.zeros([B, T, D])); // build: creates the layer's 3 weight variables
        });
        const before = tf.memory().numTensors;
        const xInit = tf.tensor3d(xValues, [B, T, D]);
        const x = tf.variable(xInit);
        xInit.dispose();
        const mask = tf.tensor2d(MASK, [B, T]);
        const weights = layer.getWeights().map((w) => Float64Array.from(w.dataSync()));
        const vars = [x, ...layer.trainableWeights.map((w) => w.read() as tf.Variable)];
        const y = layer.apply(x, { mask }) as tf.Tensor;
        const probe = values(y.size, 17);
        const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x, { mask }) as tf.Tensor, tf.tensor(probe, y.shape))) as tf.Scalar, vars);

        const spec = { cell: c.cell, units: H, inputDim: D, activation: "tanh" as const, recurrentActivation: c.rec };
        const refWeights = { kernel: weights[0]!, recurrentKernel: weights[1]!, bias: weights[2]! };
        const forward = rnnForward(spec, refWeights, Float64Array.from(xValues), [B, T, D], {
          mask: MASK,
          goBackwards: c.goBackwards,
          returnSequences: c.returnSequences,
        });
        expectClose(y.dataSync(), forward.output, { atol: 1e-5, shape: forward.outputShape, actualShape: y.shape });
        const ref = rnnBackward(refWeights, forward, { output: Float64Array.from(probe) });
        expectClose(grads[x.name]!.dataSync(), ref.inputs, { atol: 1e-4 });
        const [kernel, recurrentKernel, bias] = layer.trainableWeights.map((w) => grads[(w.read() as tf.Variable).name]!);
        expectClose(kernel!.dataSync(), ref.kernel, { atol: 1e-4 });
        expectClose(recurrentKernel!.dataSync(), ref.recurrentKernel, { atol: 1e-4 });
        expectClose(bias!.dataSync(), ref.bias!, { atol: 1e-4 });
        tf.dispose([x, mask, y, value, ...Object.values(grads)]);
        expect(tf.memory().numTensors).toBe(before);
        tf.dispose(layer.trainableWeights.map((w) => w.read()));
      });
    }
  });
}
