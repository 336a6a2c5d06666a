import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { setRecurrentKernelSwitches } from "@recurrent/backends/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { expectClose } from "../expect-close";
import { ModelsError } from "../models-error";
import { fastBidirectional } from "./fast-bidirectional";
import { fastGru } from "./fast-gru";
import { fastLstm } from "./fast-lstm";
import { fastPathBlocker } from "./fast-recurrent-call";
import { fastSimpleRnn } from "./fast-simple-rnn";
import { stockLayerClass } from "./stock-layer-class";

// Dropout and recurrent dropout on the fast path. With fixed masks (tf.layers' own test hook, `dropoutFunc`, which
// both implementations call to draw their masks), the fused layers equal tf.layers' computation with the same masks:
// outputs within 1e-5, gradients (input and every weight, tfjs autodiff through the stock layer) within 1e-4, masked
// and goBackwards, on cpu and wasm. For Keras's reset-after GRU, which tf.layers lacks, the reference is the layer's
// own stock code path: its cell in plain tf ops, with tf.layers' dropout semantics. And: dropout 0 changes nothing,
// seeded masks repeat, fallbacks are reported (fastPath "auto" warns once, "require" throws).

type Config = Parameters<typeof tf.layers.lstm>[0] & { resetAfter?: boolean; seed?: number; fastPath?: "auto" | "require" };

const BATCH = 3;
const TIME = 5;
const FEATURES = 4;
const UNITS = 6;

function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32) * 2 - 1;
  }
  return out;
}

/**
 * A fixed dropout mask for tf.layers' `dropoutFunc(ones, rate)` hook: 0 or 1 / (1 − rate), a pattern that depends on
 * the mask's shape only (so input masks [batch, features] and recurrent masks [batch, units] differ).
 */
const fixedDropout = (ones: tf.Tensor, rate: number): tf.Tensor =>
  tf.tidy(() => {
    const u = values(ones.size, 31 * (ones.shape[1] ?? 1));
    return tf.mul(ones, tf.tensor(Float32Array.from(u, (v) => ((v + 1) / 2 >= rate ? 1 / (1 - rate) : 0)), ones.shape));
  });

function paddingMask(): tf.Tensor2D {
  return tf.tensor2d([1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1], [BATCH, TIME], "bool") as tf.Tensor2D;
}

interface Run {
  outputs: { shape: number[]; data: Float32Array }[];
  grads: { shape: number[]; data: Float32Array }[];
}

/** Outputs, and gradients of Σ outputs ⊙ probe w.r.t. x and the weights, of one training call. */
function run(layer: tf.layers.Layer, mask: tf.Tensor | null, initialState: boolean): Run {
  let result: Run | null = null;
  tf.tidy(() => {
    const x = tf.variable(tf.tensor3d(values(BATCH * TIME * FEATURES, 7), [BATCH, TIME, FEATURES]), true, `x_${Math.random()}`);
    const states = [tf.tensor2d(values(BATCH * UNITS, 11), [BATCH, UNITS]), tf.tensor2d(values(BATCH * UNITS, 13), [BATCH, UNITS])];
    const kwargs: Record<string, unknown> = { training: true };
    if (mask !== null) kwargs.mask = mask;
    if (initialState) kwargs.initialState = layer.getClassName() === "LSTM" ? states : states.slice(0, 1);
    const apply = (): tf.Tensor[] => {
      const y = layer.apply(x, kwargs) as tf.Tensor | tf.Tensor[];
      return Array.isArray(y) ? y : [y];
    };
    const outs = apply();
    const vars = [x, ...layer.trainableWeights.map((w) => w.read() as tf.Variable)];
    const { grads } = tf.variableGrads(() => {
      let total = tf.scalar(0);
      apply().forEach((y, i) => {
        total = tf.add(total, tf.sum(tf.mul(y, tf.tensor(values(y.size, 100 + i), y.shape))));
      });
      return total as tf.Scalar;
    }, vars);
    result = {
      outputs: outs.map((y) => ({ shape: y.shape, data: y.dataSync() as Float32Array })),
      grads: vars.map((v) => ({ shape: grads[v.name]!.shape, data: grads[v.name]!.dataSync() as Float32Array })),
    };
    x.dispose();
  });
  return result!;
}

function compare(fast: Run, reference: Run): void {
  expect(fast.outputs.length).toBe(reference.outputs.length);
  fast.outputs.forEach((o, i) => expectClose(o.data, reference.outputs[i]!.data, { atol: 1e-5, shape: reference.outputs[i]!.shape, actualShape: o.shape }));
  expect(fast.grads.length).toBe(reference.grads.length);
  fast.grads.forEach((g, i) => expectClose(g.data, reference.grads[i]!.data, { atol: 1e-4, shape: reference.grads[i]!.shape, actualShape: g.shape }));
}

function build(layer: tf.layers.Layer): tf.layers.Layer {
  tf.tidy(() => {
    layer.apply(tf.zeros([BATCH, TIME, FEATURES]));
  });
  return layer;
}

type Cell = "lstm" | "gru" | "gru-reset-after" | "simple-rnn";
const FAST: Record<Cell, (c: Config) => tf.layers.Layer> = {
  lstm: (c) => fastLstm(c),
  gru: (c) => fastGru(c),
  "gru-reset-after": (c) => fastGru({ ...c, resetAfter: true }),
  "simple-rnn": (c) => fastSimpleRnn(c),
};
const StockGRU = stockLayerClass<never, { call(inputs: unknown, kwargs: unknown): unknown }>("GRU");

/** The reference of a fast layer: the stock tf.layers layer with the same weights, or (reset-after GRU) its own stock code path. */
function reference(cell: Cell, config: Config, fast: tf.layers.Layer): tf.layers.Layer {
  if (cell === "gru-reset-after") {
    const layer = build(fastGru({ ...config, resetAfter: true }));
    layer.call = (inputs, kwargs) => StockGRU.prototype.call.call(layer, inputs, kwargs) as tf.Tensor;
    layer.setWeights(fast.getWeights());
    return layer;
  }
  const make = cell === "lstm" ? tf.layers.lstm : cell === "gru" ? tf.layers.gru : tf.layers.simpleRNN;
  const layer = build(make(config));
  layer.setWeights(fast.getWeights());
  return layer;
}

for (const backend of ["cpu", "wasm"] as const) {
  describe(`dropout on the fast path, ${backend}`, () => {
    beforeAll(async () => {
      await tf.setBackend(backend);
      await tf.ready();
    });
    afterAll(() => {
      setRecurrentKernelSwitches({ sequenceKernels: true });
    });

    const cases: { name: string; config: Partial<Config>; masked: boolean; initialState?: boolean }[] = [
      { name: "dropout and recurrent dropout, sequences, goBackwards, masked", config: { dropout: 0.3, recurrentDropout: 0.4, returnSequences: true, goBackwards: true }, masked: true },
      { name: "input dropout only, last output, masked", config: { dropout: 0.5 }, masked: true },
      { name: "recurrent dropout only, sigmoid gates, initial state, returnState", config: { recurrentDropout: 0.25, recurrentActivation: "sigmoid", returnSequences: true, returnState: true }, masked: false, initialState: true },
    ];
    for (const cell of ["lstm", "gru", "gru-reset-after", "simple-rnn"] as const) {
      for (const c of cases) {
        for (const kernelPath of ["sequence", "per-step"] as const) {
          it(`${cell} (${kernelPath} kernels where they apply): ${c.name}, fixed masks: equals the stock computation`, () => {
            setRecurrentKernelSwitches({ sequenceKernels: kernelPath === "sequence" });
            const config = { units: UNITS, biasInitializer: "randomNormal", dropoutFunc: fixedDropout, ...c.config } as Config;
            const fast = build(FAST[cell](config));
            const stock = reference(cell, config, fast);
            expect(fastPathBlocker(fast, { training: true })).toBeNull();
            const mask = c.masked ? paddingMask() : null;
            const before = tf.memory().numTensors;
            const warn = vi.spyOn(console, "warn");
            const f = run(fast, mask, c.initialState ?? false);
            expect(warn).not.toHaveBeenCalled();
            warn.mockRestore();
            expect(tf.memory().numTensors).toBe(before);
            compare(f, run(stock, mask, c.initialState ?? false));
            mask?.dispose();
            fast.dispose();
            stock.dispose();
          });
        }
      }
    }

    const KERNEL_STEM: Record<Cell, string> = { lstm: "Lstm", gru: "Gru", "gru-reset-after": "Gru", "simple-rnn": "SimpleRnn" };
    const PER_STEP: Record<Cell, string[]> = {
      lstm: ["RecurrentLstmStep", "RecurrentLstmStepGrad"],
      gru: ["RecurrentGruGates", "RecurrentGruGatesGrad", "RecurrentGruState", "RecurrentGruStateGrad"],
      "gru-reset-after": ["RecurrentGruGates", "RecurrentGruGatesGrad", "RecurrentGruState", "RecurrentGruStateGrad"],
      "simple-rnn": ["RecurrentSimpleRnnStep", "RecurrentSimpleRnnStepGrad"],
    };
    for (const cell of ["lstm", "gru", "gru-reset-after", "simple-rnn"] as const) {
      it(`${cell}: input and recurrent dropout keep the whole-sequence kernels (the per-step ones when switched off)`, async () => {
        setRecurrentKernelSwitches({ sequenceKernels: true });
        const kernels = async (config: Config): Promise<string[]> => {
          const layer = build(FAST[cell]({ ...config, units: UNITS, dropoutFunc: fixedDropout }));
          const x = tf.ones([BATCH, TIME, FEATURES]);
          const profile = await tf.profile(() => {
            const { value, grads } = tf.variableGrads(() => tf.sum(layer.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, layer.trainableWeights.map((w) => w.read() as tf.Variable));
            tf.dispose([value, ...Object.values(grads)]);
          });
          x.dispose();
          layer.dispose();
          return [...new Set(profile.kernelNames.filter((n) => n.startsWith("Recurrent")))].sort();
        };
        const stem = KERNEL_STEM[cell];
        expect(await kernels({ dropout: 0.5 } as Config)).toStrictEqual([`Recurrent${stem}Sequence`, `Recurrent${stem}SequenceGrad`]);
        expect(await kernels({ recurrentDropout: 0.5 } as Config)).toStrictEqual([`Recurrent${stem}Sequence`, `Recurrent${stem}SequenceGrad`]);
        // without the whole-sequence kernels, the per-step ones take the recurrent mask
        setRecurrentKernelSwitches({ sequenceKernels: false });
        expect(await kernels({ recurrentDropout: 0.5 } as Config)).toStrictEqual(PER_STEP[cell]);
        setRecurrentKernelSwitches({ sequenceKernels: true });
      });
    }

    it("dropout 0, or dropout outside training, changes nothing", () => {
      for (const cell of ["lstm", "gru", "gru-reset-after", "simple-rnn"] as const) {
        const plain = build(FAST[cell]({ units: UNITS, returnSequences: true }));
        const zero = build(FAST[cell]({ units: UNITS, returnSequences: true, dropout: 0, recurrentDropout: 0 }));
        const dropped = build(FAST[cell]({ units: UNITS, returnSequences: true, dropout: 0.5, recurrentDropout: 0.5 }));
        for (const layer of [zero, dropped]) layer.setWeights(plain.getWeights());
        tf.tidy(() => {
          const x = tf.tensor3d(values(BATCH * TIME * FEATURES, 3), [BATCH, TIME, FEATURES]);
          const expected = (plain.apply(x) as tf.Tensor).dataSync();
          expect((zero.apply(x, { training: true }) as tf.Tensor).dataSync()).toStrictEqual(expected);
          expect((dropped.apply(x, { training: false }) as tf.Tensor).dataSync()).toStrictEqual(expected);
          expect((dropped.apply(x) as tf.Tensor).dataSync()).toStrictEqual(expected);
        });
        for (const layer of [plain, zero, dropped]) layer.dispose();
      }
    });

    it("seeded masks: the same seed gives the same masks call by call, each call new ones; the bidirectional directions differ", () => {
      const make = (seed: number): tf.layers.Layer =>
        build(fastBidirectional({ layer: fastGru({ units: UNITS, dropout: 0.5, recurrentDropout: 0.5, returnSequences: true, seed }) as never, mergeMode: null as never }));
      const [a, b, c] = [make(7), make(7), make(8)];
      b!.setWeights(a!.getWeights());
      c!.setWeights(a!.getWeights());
      expect(fastPathBlocker(a, { training: true })).toBeNull();
      tf.tidy(() => {
        const x = tf.tensor3d(values(BATCH * TIME * FEATURES, 3), [BATCH, TIME, FEATURES]);
        const call = (layer: tf.layers.Layer): Float32Array[] => (layer.apply(x, { training: true }) as tf.Tensor[]).map((y) => y.dataSync() as Float32Array);
        const a1 = call(a!);
        const a2 = call(a!);
        const b1 = call(b!);
        const b2 = call(b!);
        const c1 = call(c!);
        expect(b1).toStrictEqual(a1);
        expect(b2).toStrictEqual(a2);
        expect(a2).not.toStrictEqual(a1);
        expect(c1).not.toStrictEqual(a1);
        expect((a as unknown as { forwardLayer: tf.layers.Layer }).forwardLayer.getConfig().seed).toBe(7);
      });
      // the two directions draw different masks: with equal weights and an input that reads the same backwards, the
      // backward direction's outputs are the forward's reversed, unless their masks differ
      const sym = make(7);
      const half = a!.getWeights().slice(0, 3);
      sym.setWeights([...half, ...half]);
      tf.tidy(() => {
        const steps = values(BATCH * 3 * FEATURES, 5);
        const x = tf.concat([tf.tensor3d(steps, [BATCH, 3, FEATURES]), tf.reverse(tf.tensor3d(steps, [BATCH, 3, FEATURES]).slice([0, 0, 0], [BATCH, 2, FEATURES]), 1)], 1);
        for (const training of [false, true]) {
          const [forward, backward] = sym.apply(x, { training }) as tf.Tensor[];
          const mirrored = tf.reverse(backward!, 1).dataSync();
          if (training) expect(forward!.dataSync()).not.toStrictEqual(mirrored);
          else expectClose(forward!.dataSync(), mirrored, { atol: 1e-6 });
        }
      });
      for (const layer of [a!, b!, c!, sym]) layer.dispose();
    });
  });
}

describe("fastPath: every fallback is visible", () => {
  beforeAll(async () => {
    await tf.setBackend("cpu");
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('"require" throws FAST_PATH_UNAVAILABLE with the reason; "auto" warns once per layer and runs the stock code', () => {
    const x = tf.ones([BATCH, TIME, FEATURES]);
    const strict = fastLstm({ units: UNITS, activation: "swish", fastPath: "require", name: "strict_lstm" });
    let error: unknown;
    try {
      strict.apply(x);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ModelsError);
    expect(error).toMatchObject({
      code: "FAST_PATH_UNAVAILABLE",
      message: 'strict_lstm (LSTM) cannot run on the fused kernels (fastPath: "require"): activation "swish" is not fused',
    });

    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const auto = fastGru({ units: UNITS, activation: "swish", name: "auto_gru" });
    const stock = tf.layers.gru({ units: UNITS, activation: "swish" });
    const y1 = auto.apply(x) as tf.Tensor;
    const y2 = auto.apply(x) as tf.Tensor;
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toContain('auto_gru (GRU) runs the stock tf.layers code path (15–23× slower): activation "swish" is not fused');
    stock.apply(x);
    stock.setWeights(auto.getWeights());
    expectClose(y2.dataSync(), (stock.apply(x) as tf.Tensor).dataSync(), { atol: 1e-6 });
    tf.dispose([x, y1, y2]);
  });

  it("fastBidirectional passes its fastPath (or the wrapped layer's) to both directions", () => {
    const x = tf.ones([BATCH, TIME, FEATURES]);
    const strict = fastBidirectional({ layer: fastSimpleRnn({ units: 2, activation: "swish" }) as never, fastPath: "require" });
    expect(() => strict.apply(x)).toThrow(/forward_.*cannot run on the fused kernels \(fastPath: "require"\): activation "swish" is not fused/);
    const inherited = fastBidirectional({ layer: fastSimpleRnn({ units: 2, activation: "swish", fastPath: "require" }) as never });
    expect(() => inherited.apply(x)).toThrow(ModelsError);
    x.dispose();
  });

  it("fastPath is not saved; seed is saved when set, and stock tfjs loads it; bad values are refused", async () => {
    const layer = fastLstm({ units: 2, fastPath: "require", seed: 5, name: "l" });
    const config = layer.getConfig();
    expect(config.seed).toBe(5);
    expect("fastPath" in config).toBe(false);
    const { seed: _, ...rest } = config;
    expect(rest).toStrictEqual(tf.layers.lstm({ units: 2, name: "l" }).getConfig());
    expect(fastSimpleRnn({ units: 2 }).getConfig().seed).toBeUndefined();

    const model = tf.sequential({ layers: [fastGru({ units: 2, inputShape: [3, 2], seed: 9, dropout: 0.2 })] });
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }));
    expect(JSON.stringify(saved!.modelTopology)).toContain('"seed":9');
    const stock = await tf.loadLayersModel(tf.io.fromMemory(saved!)); // the stock GRU class (registerFastLayers not called)
    expect(stock.layers[0]!.constructor.name).not.toBe("FastGRU");
    model.dispose();
    stock.dispose();

    expect(() => fastLstm({ units: 2, fastPath: "always" as never })).toThrow('expected fastPath "auto" | "require", got "always"');
    expect(() => fastGru({ units: 2, seed: 1.5 })).toThrow("expected an integer seed (or null), got 1.5");
  });
});
