import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { setRecurrentKernelSwitches } from "@recurrent/backends/testing";
import { rnnBackward, rnnForward } from "@recurrent/rnn-cells";
import type { ActivationName, CellKind } from "@recurrent/rnn-cells";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectClose } from "../expect-close";
import { fastGru } from "./fast-gru";
import { fastLstm } from "./fast-lstm";
import { fastPathBlocker } from "./fast-recurrent-call";
import { fastSimpleRnn } from "./fast-simple-rnn";

// The activations added to the fused set (softsign, elu, selu, softplus) on the fast path, against the float64
// reference of @recurrent/rnn-cells: outputs within 1e-5, gradients within 1e-4, masked, on cpu and wasm, for every
// cell (LSTM through the whole-sequence and the per-step kernels, both GRU variants).

const B = 3;
const T = 5;
const D = 4;
const H = 5;
const MASK = Float32Array.from([1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1]);

function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32) * 2 - 1;
  }
  return out;
}

type Case = { cell: CellKind; resetAfter?: boolean; activation: ActivationName; recurrentActivation: ActivationName };
const NEW: ActivationName[] = ["softsign", "elu", "selu", "softplus"];
const CASES: Case[] = [
  ...NEW.flatMap((activation): Case[] => [
    { cell: "lstm", activation, recurrentActivation: "sigmoid" },
    { cell: "gru", activation, recurrentActivation: "sigmoid" },
    { cell: "gru", resetAfter: true, activation, recurrentActivation: "sigmoid" },
    { cell: "simple-rnn", activation, recurrentActivation: "sigmoid" },
  ]),
  { cell: "lstm", activation: "tanh", recurrentActivation: "softsign" },
  { cell: "gru", resetAfter: true, activation: "tanh", recurrentActivation: "softplus" },
];

function make(c: Case, returnSequences: boolean): tf.layers.Layer {
  const config = { units: H, activation: c.activation, recurrentActivation: c.recurrentActivation, returnSequences, biasInitializer: "randomNormal" as const };
  if (c.cell === "lstm") return fastLstm(config);
  if (c.cell === "gru") return fastGru({ ...config, resetAfter: c.resetAfter === true });
  return fastSimpleRnn(config);
}

for (const [backend, kernelPath] of [["cpu", "sequence"], ["wasm", "sequence"], ["cpu", "per-step"], ["wasm", "per-step"]] as const) {
  describe(`fused softsign, elu, selu, softplus on ${backend} (${kernelPath} kernels)`, () => {
    let before = true;
    beforeAll(async () => {
      await tf.setBackend(backend);
      before = setRecurrentKernelSwitches({ sequenceKernels: kernelPath === "sequence" }).sequenceKernels;
    });
    afterAll(() => {
      setRecurrentKernelSwitches({ sequenceKernels: before });
    });

    for (const c of CASES) {
      it(`${c.cell}${c.resetAfter === true ? " resetAfter" : ""}, activation ${c.activation}, recurrent ${c.recurrentActivation}: equals @recurrent/rnn-cells`, () => {
        const returnSequences = c.cell !== "simple-rnn";
        const layer = make(c, returnSequences);
        expect(fastPathBlocker(layer)).toBeNull();
        tf.tidy(() => {
          layer.apply(tf.zeros([B, T, D]));
        });
        const numBefore = tf.memory().numTensors;
        const xValues = values(B * T * D, 3);
        const xInit = tf.tensor3d(xValues, [B, T, D]);
        const x = tf.variable(xInit);
        xInit.dispose();
        const mask = tf.tensor2d(MASK, [B, T]);
        const vars = [x, ...layer.trainableWeights.map((w) => w.read() as tf.Variable)];
        const y = layer.apply(x, { mask }) as tf.Tensor;
        const probe = values(y.size, 17);
        const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x, { mask }) as tf.Tensor, tf.tensor(probe, y.shape))) as tf.Scalar, vars);
        const w = layer.getWeights().map((t) => Float64Array.from(t.dataSync()));
        const spec = { cell: c.cell, units: H, inputDim: D, activation: c.activation, recurrentActivation: c.recurrentActivation, resetAfter: c.resetAfter === true };
        const refWeights = { kernel: w[0]!, recurrentKernel: w[1]!, bias: w[2]! };
        const forward = rnnForward(spec, refWeights, Float64Array.from(xValues), [B, T, D], { mask: MASK, returnSequences });
        expectClose(y.dataSync(), forward.output, { atol: 1e-5, shape: forward.outputShape, actualShape: y.shape });
        const ref = rnnBackward(refWeights, forward, { output: Float64Array.from(probe) });
        expectClose(grads[x.name]!.dataSync(), ref.inputs, { atol: 1e-4 });
        const [kernel, recurrentKernel, bias] = layer.trainableWeights.map((v) => grads[(v.read() as tf.Variable).name]!);
        expectClose(kernel!.dataSync(), ref.kernel, { atol: 1e-4 });
        expectClose(recurrentKernel!.dataSync(), ref.recurrentKernel, { atol: 1e-4 });
        expectClose(bias!.dataSync(), ref.bias!, { atol: 1e-4 });
        tf.dispose([x, mask, y, value, ...Object.values(grads)]);
        expect(tf.memory().numTensors).toBe(numBefore);
        layer.dispose();
      });
    }
  });
}
