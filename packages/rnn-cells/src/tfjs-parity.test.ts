// Parity with TensorFlow.js layers (dev dependency only): identical float32 weights and inputs,
// tfjs's float32 outputs and autodiff gradients against this package's float64 reference.
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectClose } from "./expect-close";
import { initWeights, rnnBackward, rnnForward, seededRandom } from "./index";
import type { ActivationName, CellKind, RnnSpec, RnnWeights } from "./index";

const [B, T, F, U] = [3, 7, 4, 5];
const OUTPUT_TOL = 1e-5;
const GRAD_TOL = 1e-4;

function randomF32(n: number, seed: number, scale = 1): Float32Array {
  const rand = seededRandom(seed);
  return Float32Array.from({ length: n }, () => (2 * rand() - 1) * scale);
}

interface F32Weights extends RnnWeights {
  readonly kernel: Float32Array;
  readonly recurrentKernel: Float32Array;
  readonly bias: Float32Array;
}

/** Weights rounded to float32, so both sides see exactly the same numbers. */
function f32Weights(spec: RnnSpec, seed: number): F32Weights {
  const w = initWeights(spec, { seed, scale: 0.6 });
  return { kernel: Float32Array.from(w.kernel), recurrentKernel: Float32Array.from(w.recurrentKernel), bias: Float32Array.from(w.bias!) };
}

interface LayerCase {
  cell: CellKind;
  recurrentActivation: ActivationName;
  returnSequences: boolean;
  goBackwards?: boolean;
  masked?: boolean;
  withInitialState?: boolean;
}

function makeLayer(c: LayerCase): tf.layers.Layer {
  const common = {
    units: U,
    returnSequences: c.returnSequences,
    goBackwards: c.goBackwards ?? false,
    activation: "tanh" as const,
    inputShape: [T, F],
  };
  const recurrentActivation = c.recurrentActivation as "sigmoid" // our names are tfjs's: no mapping;
  if (c.cell === "simple-rnn") return tf.layers.simpleRNN(common);
  if (c.cell === "lstm") return tf.layers.lstm({ ...common, recurrentActivation });
  return tf.layers.gru({ ...common, recurrentActivation });
}

const MASK = Float32Array.from([1, 1, 0, 1, 1, 0, 1, /**/ 1, 1, 1, 1, 1, 1, 1, /**/ 0, 1, 1, 0, 0, 1, 1]);
const maxErrors = { output: 0, gradient: 0 };

beforeAll(async () => {
  await tf.setBackend("cpu");
});
afterAll(() => {
  console.log(
    `tfjs parity: max |output diff| ${maxErrors.output.toExponential(2)}, max |gradient diff| ${maxErrors.gradient.toExponential(2)}`,
  );
});

function runCase(c: LayerCase, seed: number, withGradients: boolean): void {
  const spec: RnnSpec = { cell: c.cell, units: U, inputDim: F, recurrentActivation: c.recurrentActivation };
  const w = f32Weights(spec, seed);
  const x = randomF32(B * T * F, seed + 100, 1.5);
  const h0 = randomF32(B * U, seed + 200, 0.5);
  const c0 = randomF32(B * U, seed + 300, 0.5);
  const G = spec.cell === "lstm" ? 4 : spec.cell === "gru" ? 3 : 1;

  const before = tf.memory().numTensors;
  const layer = makeLayer(c);
  const xT = tf.tensor3d(x, [B, T, F]);
  const maskT = c.masked ? tf.tensor2d(MASK, [B, T]) : undefined;
  const initT = c.withInitialState ? (c.cell === "lstm" ? [tf.tensor2d(h0, [B, U]), tf.tensor2d(c0, [B, U])] : [tf.tensor2d(h0, [B, U])]) : undefined;
  tf.dispose(layer.apply(xT) as tf.Tensor); // builds the weights
  const weightTensors = [tf.tensor2d(w.kernel, [F, G * U]), tf.tensor2d(w.recurrentKernel, [U, G * U]), tf.tensor1d(w.bias)];
  layer.setWeights(weightTensors);
  tf.dispose(weightTensors);
  const kwargs = { ...(maskT ? { mask: maskT } : {}), ...(initT ? { initialState: initT } : {}) };
  const yT = layer.apply(xT, kwargs) as tf.Tensor;

  const ref = rnnForward(spec, w, x, [B, T, F], {
    returnSequences: c.returnSequences,
    goBackwards: c.goBackwards ?? false,
    ...(c.masked ? { mask: MASK } : {}),
    ...(c.withInitialState ? { initialState: c.cell === "lstm" ? { h: h0, c: c0 } : { h: h0 } } : {}),
  });
  expect(yT.shape).toEqual(ref.outputShape);
  expect(yT.dtype).toBe("float32");
  const out = expectClose(yT.dataSync(), ref.output, { atol: OUTPUT_TOL, shape: ref.outputShape, label: "output" });
  maxErrors.output = Math.max(maxErrors.output, out);

  if (withGradients) {
    const upstream = randomF32(ref.output.length, seed + 400);
    const upT = tf.tensor(upstream, ref.outputShape as number[]);
    const vars = layer.trainableWeights.map((v) => v.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(xT, kwargs) as tf.Tensor, upT)) as tf.Scalar, vars);
    const dx = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(layer.apply(input, kwargs) as tf.Tensor, upT)))(xT);
    const g = rnnBackward(w, ref, { output: upstream });
    const names = layer.trainableWeights.map((v) => v.originalName);
    const expected = [g.kernel, g.recurrentKernel, g.bias!];
    vars.forEach((v, i) => {
      const err = expectClose(grads[v.name]!.dataSync(), expected[i]!, { atol: GRAD_TOL, rtol: GRAD_TOL, label: names[i] ?? v.name });
      maxErrors.gradient = Math.max(maxErrors.gradient, err);
    });
    maxErrors.gradient = Math.max(maxErrors.gradient, expectClose(dx.dataSync(), g.inputs, { atol: GRAD_TOL, rtol: GRAD_TOL, label: "inputs" }));
    tf.dispose([value, dx, upT, ...Object.values(grads)]);
  }

  tf.dispose([xT, yT, ...(maskT ? [maskT] : []), ...(initT ?? [])]);
  layer.dispose();
  expect(tf.memory().numTensors).toBe(before);
}

describe("parity with tf.layers (float32, outputs within 1e-5)", () => {
  const cells: CellKind[] = ["simple-rnn", "lstm", "gru"];
  const acts: ActivationName[] = ["sigmoid", "hardSigmoid"];
  const grid = cells.flatMap((cell) =>
    (cell === "simple-rnn" ? (["sigmoid"] as ActivationName[]) : acts).flatMap((recurrentActivation) =>
      [true, false].map((returnSequences) => ({ cell, recurrentActivation, returnSequences })),
    ),
  );
  it.each(grid)("$cell, recurrentActivation $recurrentActivation, returnSequences $returnSequences", (c) => {
    runCase(c, 1, false);
  });

  it.each(cells)("%s with goBackwards, a mask and an initial state", (cell) => {
    runCase({ cell, recurrentActivation: "hardSigmoid", returnSequences: true, goBackwards: true, masked: true, withInitialState: true }, 2, false);
    runCase({ cell, recurrentActivation: "sigmoid", returnSequences: false, masked: true }, 3, false);
  });
});

describe("gradient parity with tfjs autodiff (kernel, recurrentKernel, bias, inputs within 1e-4)", () => {
  it.each(["simple-rnn", "lstm", "gru"] as CellKind[])("%s, every output", (cell) => {
    runCase({ cell, recurrentActivation: "sigmoid", returnSequences: true }, 4, true);
  });
  it.each(["simple-rnn", "lstm", "gru"] as CellKind[])("%s, last output, masked, reversed, hardSigmoid", (cell) => {
    runCase({ cell, recurrentActivation: "hardSigmoid", returnSequences: false, masked: true, goBackwards: true }, 5, true);
  });
});

describe("what tfjs does not implement", () => {
  it("tf.layers.gru rejects resetAfter: true (this package implements it)", () => {
    expect(() => tf.layers.gru({ units: 2, resetAfter: true } as Parameters<typeof tf.layers.gru>[0])).toThrow(/reset_after|resetAfter/i);
  });
});
