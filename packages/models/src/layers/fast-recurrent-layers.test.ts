import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { setRecurrentKernelSwitches } from "@recurrent/backends/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectClose } from "../expect-close";
import { fastBidirectional } from "./fast-bidirectional";
import { fastGru } from "./fast-gru";
import { fastLstm } from "./fast-lstm";
import { fastPathBlocker } from "./fast-recurrent-call";
import { fastSimpleRnn } from "./fast-simple-rnn";

// Equivalence of the fast layers with the stock tf.layers ones: with identical weights and inputs, outputs agree
// within 1e-5 and the gradients of a random linear functional of the outputs (w.r.t. the input and every weight,
// computed by tfjs autodiff through the stock layer) within 1e-4. Shapes are tiny to keep the suite fast.

type Cell = "lstm" | "gru" | "simple-rnn";
type Config = Parameters<typeof tf.layers.lstm>[0];

const STOCK: Record<Cell, (c: Config) => tf.layers.Layer> = {
  lstm: (c) => tf.layers.lstm(c),
  gru: (c) => tf.layers.gru(c),
  "simple-rnn": (c) => tf.layers.simpleRNN(c),
};
const FAST: Record<Cell, (c: Config) => tf.layers.Layer> = {
  lstm: (c) => fastLstm(c),
  gru: (c) => fastGru(c),
  "simple-rnn": (c) => fastSimpleRnn(c),
};

const BATCH = 3;
const TIME = 5;
const FEATURES = 4;
const UNITS = 6;

/** Deterministic pseudo-random values in [-1, 1) (LCG), so failures reproduce. */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32) * 2 - 1;
  }
  return out;
}

/** 1 = real step; row 0 unpadded, row 1 post-padded (last 2 steps), row 2 pre-padded (first 3 steps). */
function paddingMask(): tf.Tensor2D {
  const m = [
    [1, 1, 1, 1, 1],
    [1, 1, 1, 0, 0],
    [0, 0, 0, 1, 1],
  ];
  return tf.tensor2d(m, [BATCH, TIME], "bool") as tf.Tensor2D;
}

interface Run {
  outputs: { shape: number[]; data: Float32Array }[];
  grads: { name: string; shape: number[]; data: Float32Array }[];
}

/** Runs a layer on fixed inputs; returns outputs and the gradients of Σ outputs ⊙ probe w.r.t. x and the weights. */
function run(layer: tf.layers.Layer, mask: tf.Tensor2D | null, initialState: boolean): Run {
  let result: Run | null = null;
  tf.tidy(() => {
    const x = tf.variable(tf.tensor3d(values(BATCH * TIME * FEATURES, 7), [BATCH, TIME, FEATURES]), true, `x_${Math.random()}`);
    const states = initialState
      ? [tf.tensor2d(values(BATCH * UNITS, 11), [BATCH, UNITS]), tf.tensor2d(values(BATCH * UNITS, 13), [BATCH, UNITS])]
      : null;
    const kwargs: Record<string, unknown> = {};
    if (mask !== null) kwargs.mask = mask;
    const apply = (): tf.Tensor[] => {
      const cellStates = states === null ? null : layer.getClassName() === "LSTM" ? states : states.slice(0, 1);
      if (cellStates !== null) kwargs.initialState = cellStates;
      const y = layer.apply(x, kwargs) as tf.Tensor | tf.Tensor[];
      return Array.isArray(y) ? y : [y];
    };
    const outs = apply();
    const vars = [x, ...layer.trainableWeights.map((w) => w.read() as tf.Variable)];
    const { grads } = tf.variableGrads(() => {
      const ys = apply();
      let total = tf.scalar(0);
      ys.forEach((y, i) => {
        total = tf.add(total, tf.sum(tf.mul(y, tf.tensor(values(y.size, 100 + i), y.shape))));
      });
      return total as tf.Scalar;
    }, vars);
    result = {
      outputs: outs.map((y) => ({ shape: y.shape, data: y.dataSync() as Float32Array })),
      grads: vars.map((v, i) => {
        const g = grads[v.name]!;
        return { name: i === 0 ? "x" : layer.trainableWeights[i - 1]!.name, shape: g.shape, data: g.dataSync() as Float32Array };
      }),
    };
    x.dispose();
  });
  return result!;
}

function compare(fast: Run, stock: Run): void {
  expect(fast.outputs.length).toBe(stock.outputs.length);
  fast.outputs.forEach((o, i) => {
    expectClose(o.data, stock.outputs[i]!.data, { atol: 1e-5, shape: stock.outputs[i]!.shape, actualShape: o.shape });
  });
  const suffix = (name: string): string => name.split("/").slice(-1)[0]!;
  expect(fast.grads.map((g) => suffix(g.name))).toEqual(stock.grads.map((g) => suffix(g.name)));
  fast.grads.forEach((g, i) => {
    expectClose(g.data, stock.grads[i]!.data, { atol: 1e-4, shape: stock.grads[i]!.shape, actualShape: g.shape });
  });
}

/** Builds a layer by applying it once (calling `build` directly leaves tfjs layers marked unbuilt). */
function buildLayer(layer: tf.layers.Layer): void {
  tf.tidy(() => {
    layer.apply(tf.zeros([BATCH, TIME, FEATURES]));
  });
}

/** Builds a stock and a fast layer of the same configuration with identical weights. */
function pair(cell: Cell, config: Config): { stock: tf.layers.Layer; fast: tf.layers.Layer } {
  const stock = STOCK[cell]({ ...config, name: `stock_${cell}_${Math.random().toString(36).slice(2)}` });
  const fast = FAST[cell]({ ...config, name: `fast_${cell}_${Math.random().toString(36).slice(2)}` });
  buildLayer(stock);
  buildLayer(fast);
  const weights = stock.getWeights();
  fast.setWeights(weights);
  return { stock, fast };
}

for (const backend of ["cpu", "wasm"] as const) {
  describe(`fast recurrent layers on ${backend}`, () => {
    beforeAll(async () => {
      await tf.setBackend(backend);
      await tf.ready();
    });
    afterAll(() => {
      tf.disposeVariables();
    });

    for (const cell of ["lstm", "gru", "simple-rnn"] as const) {
      const cases: { name: string; config: Partial<Config>; masked: boolean; initialState?: boolean }[] = [
        { name: "last output", config: {}, masked: false },
        { name: "sequences", config: { returnSequences: true }, masked: false },
        { name: "sequences, goBackwards, masked", config: { returnSequences: true, goBackwards: true }, masked: true },
        { name: "last output, masked", config: {}, masked: true },
        {
          name: "returnState, sigmoid gates, initial state, masked",
          config: { returnSequences: true, returnState: true, recurrentActivation: "sigmoid" },
          masked: true,
          initialState: true,
        },
        { name: "relu, no bias", config: { activation: "relu", useBias: false, returnSequences: true }, masked: false },
      ];
      for (const c of cases) {
        it(`${cell}: ${c.name} matches the stock layer (outputs 1e-5, gradients 1e-4)`, () => {
          const config = { units: UNITS, ...c.config } as Config;
          const { stock, fast } = pair(cell, config);
          const mask = c.masked ? paddingMask() : null;
          expect(fastPathBlocker(fast)).toBeNull();
          const numBefore = tf.memory().numTensors;
          const f = run(fast, mask, c.initialState ?? false);
          const s = run(stock, mask, c.initialState ?? false);
          expect(tf.memory().numTensors).toBe(numBefore);
          compare(f, s);
          mask?.dispose();
          stock.dispose();
          fast.dispose();
        });
      }
    }

    for (const cell of ["lstm", "gru", "simple-rnn"] as const) {
      it(`${cell}: stateful layers carry their states across calls like the stock layer`, () => {
        const config = { units: UNITS, stateful: true, returnSequences: true, batchInputShape: [BATCH, TIME, FEATURES] } as Config;
        const stock = STOCK[cell]({ ...config, name: `stock_stateful_${cell}` });
        const fast = FAST[cell]({ ...config, name: `fast_stateful_${cell}` });
        const models = [stock, fast].map((layer) => tf.sequential({ layers: [layer] }));
        fast.setWeights(stock.getWeights());
        expect(fastPathBlocker(fast)).toBeNull();
        const x = tf.tensor3d(values(BATCH * TIME * FEATURES, 23), [BATCH, TIME, FEATURES]);
        const before = tf.memory().numTensors;
        for (let call = 0; call < 3; call++) {
          if (call === 2) models.forEach((m) => m.resetStates());
          const [a, b] = models.map((m) => m.predict(x) as tf.Tensor);
          expectClose(b!.dataSync(), a!.dataSync(), { atol: 1e-5, shape: a!.shape, actualShape: b!.shape });
          tf.dispose([a!, b!]);
        }
        expect(tf.memory().numTensors).toBe(before);
        x.dispose();
        models.forEach((m) => m.dispose());
      });
    }

    for (const cell of ["lstm", "gru", "simple-rnn"] as const) {
      it(`bidirectional ${cell} (concat, sum, ave, mul; sequences or last output) matches the stock wrapper`, () => {
        for (const [mergeMode, returnSequences] of [
          ["concat", false],
          ["sum", true],
          ["ave", false],
          ["mul", true],
          ["concat", true],
          [null, true],
        ] as const) {
          // null (a list of both outputs) works at run time but is missing from tfjs' type
          const mode = mergeMode as "concat";
          const stock = tf.layers.bidirectional({ layer: STOCK[cell]({ units: UNITS, returnSequences }) as never, mergeMode: mode });
          const fast = fastBidirectional({ layer: FAST[cell]({ units: UNITS, returnSequences }) as never, mergeMode: mode });
          buildLayer(stock);
          buildLayer(fast);
          fast.setWeights(stock.getWeights());
          expect(fast.getWeights().map((w) => w.shape)).toEqual(stock.getWeights().map((w) => w.shape));
          const mask = paddingMask();
          compare(run(fast, mask, false), run(stock, mask, false));
          mask.dispose();
        }
      });
    }

    // the kernels a training step of each layer runs: its cell's whole-sequence kernels, forward and backward, alone
    const layers: { name: string; stem: string; make: () => tf.layers.Layer }[] = [
      { name: "LSTM", stem: "Lstm", make: () => fastLstm({ units: UNITS, returnSequences: true }) },
      { name: "GRU", stem: "Gru", make: () => fastGru({ units: UNITS, returnSequences: true }) },
      { name: "GRU resetAfter", stem: "Gru", make: () => fastGru({ units: UNITS, returnSequences: true, resetAfter: true } as Config) },
      { name: "SimpleRNN", stem: "SimpleRnn", make: () => fastSimpleRnn({ units: UNITS, returnSequences: true }) },
    ];
    const recurrentKernels = async (layer: tf.layers.Layer, kwargs: Record<string, unknown> = {}): Promise<string[]> => {
      buildLayer(layer);
      const x = tf.tensor3d(values(BATCH * TIME * FEATURES, 5), [BATCH, TIME, FEATURES]);
      const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
      const profile = await tf.profile(() => {
        const { value, grads } = tf.variableGrads(() => tf.sum(layer.apply(x, kwargs) as tf.Tensor) as tf.Scalar, vars);
        tf.dispose([value, ...Object.values(grads)]);
      });
      x.dispose();
      layer.dispose();
      return profile.kernelNames.filter((n) => n.startsWith("Recurrent")).sort();
    };
    for (const l of layers) {
      it(`${l.name} runs one whole-sequence kernel call forward and one backward, masked or not`, async () => {
        const mask = paddingMask();
        expect(await recurrentKernels(l.make())).toEqual([`Recurrent${l.stem}Sequence`, `Recurrent${l.stem}SequenceGrad`]);
        expect(await recurrentKernels(l.make(), { mask })).toEqual([`Recurrent${l.stem}Sequence`, `Recurrent${l.stem}SequenceGrad`]);
        mask.dispose();
      });

      it(`bidirectional ${l.name} runs both directions in one kernel call forward and one backward`, async () => {
        expect(await recurrentKernels(fastBidirectional({ layer: l.make() as never }))).toEqual([
          `RecurrentBidirectional${l.stem}Sequence`,
          `RecurrentBidirectional${l.stem}SequenceGrad`,
        ]);
      });
    }

    it("bidirectional GRU resetAfter on both directions at once equals one call per direction on the per-step kernels", () => {
      for (const returnSequences of [true, false]) {
        const config = { units: UNITS, returnSequences, resetAfter: true, recurrentActivation: "sigmoid", biasInitializer: "randomNormal" } as Config;
        const both = fastBidirectional({ layer: fastGru(config) as never });
        const perStep = fastBidirectional({ layer: fastGru(config) as never });
        buildLayer(both);
        buildLayer(perStep);
        perStep.setWeights(both.getWeights());
        const mask = paddingMask();
        const f = run(both, mask, false);
        const before = setRecurrentKernelSwitches({ sequenceKernels: false });
        try {
          compare(f, run(perStep, mask, false));
        } finally {
          setRecurrentKernelSwitches(before);
        }
        mask.dispose();
        both.dispose();
        perStep.dispose();
      }
    });
  });
}
