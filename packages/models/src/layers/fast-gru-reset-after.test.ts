import { readFile } from "node:fs/promises";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { setRecurrentKernelSwitches } from "@recurrent/backends/testing";
import { rnnBackward, rnnForward } from "@recurrent/rnn-cells";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSentimentModel, resolveSentimentModelOptions } from "../builders/build-sentiment-model";
import { decodeBundle, encodeBundle } from "../bundles/model-bundle";
import { expectClose } from "../expect-close";
import { FastBidirectional } from "./fast-bidirectional";
import { FastGRU, fastGru } from "./fast-gru";
import { fastPathBlocker } from "./fast-recurrent-call";
import { registerFastLayers } from "./register-fast-layers";
import { stockLayerClass } from "./stock-layer-class";

// Keras's GRU with reset_after=True (FastGRU resetAfter: true), which tf.layers refuses:
// - against the float64 reference of @recurrent/rnn-cells (which implements the variant): outputs within 1e-5,
//   gradients of x, kernel, recurrent kernel and the [2, 3·units] bias within 1e-4, masked, goBackwards, with and
//   without bias, on cpu and wasm, on the whole-sequence kernels, on the per-step kernels (each checked by the kernels
//   a call ran) and on the layer's stock (plain tf ops) code path;
// - against golden values from an independent implementation, PyTorch's nn.GRU (see the comment at GOLDEN);
// - loading a model.json as tensorflowjs_converter writes it for keras.layers.GRU(3, reset_after=True), through
//   registerFastLayers() + tf.loadLayersModel, and a round trip through this package's bundles.

const FIXTURE = join(import.meta.dirname, "__fixtures__", "keras-gru-reset-after");
const REPORT = process.env.REPORT_MAX_ERRORS !== undefined;
const maxErrors = new Map<string, number>();

/** expectClose, and (with REPORT_MAX_ERRORS set) the largest difference seen per label. */
function close(label: string, actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number): void {
  expectClose(actual, expected, { atol });
  let max = 0;
  for (let i = 0; i < expected.length; i++) max = Math.max(max, Math.abs((actual[i] as number) - (expected[i] as number)));
  maxErrors.set(label, Math.max(maxErrors.get(label) ?? 0, max));
}
afterAll(() => {
  if (REPORT) console.log([...maxErrors].map(([k, v]) => `${k}: ${v.toExponential(2)}`).join("\n"));
});

/** Deterministic pseudo-random values in [-1, 1) (LCG). */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32) * 2 - 1;
  }
  return out;
}

/** The weights and inputs of the golden script (gru-reset-after-golden.py's values()): exact decimals, as float32. */
function goldenValues(n: number, seed: number): Float32Array {
  return Float32Array.from({ length: n }, (_, k) => (((k * 7919 + seed * 104729) % 23) - 11) / 20);
}

const B = 3;
const T = 6;
const D = 4;
const H = 5; // not a multiple of 4: the SIMD kernels' scalar tail runs too
// row 0 full, row 1 post-padded (2 steps), row 2 pre-padded (3 steps)
const MASK = Float32Array.from([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1]);

const StockGRU = stockLayerClass<never, { call(inputs: unknown, kwargs: unknown): unknown }>("GRU");

/** Runs a call of `layer` on tf.layers' GRU code path (the layer's own cell in plain ops), not the fused one. */
function onStockPath(layer: tf.layers.Layer): () => void {
  const own = layer.call.bind(layer);
  layer.call = (inputs, kwargs) => StockGRU.prototype.call.call(layer, inputs, kwargs) as tf.Tensor;
  return () => {
    layer.call = own;
  };
}

/** The code paths of a call: the whole-sequence kernels (the default), the per-step kernels, the stock code path. */
const PATHS = ["sequence", "per-step", "stock"] as const;

/** Puts the calls of `layer` on `path` until the returned function is called. */
function onPath(layer: tf.layers.Layer, path: (typeof PATHS)[number]): () => void {
  if (path === "stock") return onStockPath(layer);
  const before = setRecurrentKernelSwitches({ sequenceKernels: path === "sequence" });
  return () => {
    setRecurrentKernelSwitches(before);
  };
}

/** The recurrent kernels `f` ran (sorted, each once). */
async function recurrentKernels(f: () => void): Promise<string[]> {
  const profile = await tf.profile(f);
  return [...new Set(profile.kernelNames.filter((n) => n.startsWith("Recurrent")))].sort();
}

const PATH_KERNELS: Record<(typeof PATHS)[number], string[]> = {
  sequence: ["RecurrentGruSequence", "RecurrentGruSequenceGrad"],
  "per-step": ["RecurrentGruGates", "RecurrentGruGatesGrad", "RecurrentGruState", "RecurrentGruStateGrad"],
  stock: [],
};

const CASES = [
  { returnSequences: true, goBackwards: false, useBias: true, rec: "sigmoid" },
  { returnSequences: false, goBackwards: true, useBias: true, rec: "sigmoid" },
  { returnSequences: true, goBackwards: true, useBias: false, rec: "hardSigmoid" },
] as const;

for (const backend of ["cpu", "wasm"] as const) {
  describe(`FastGRU resetAfter: true on ${backend}`, () => {
    beforeAll(async () => {
      await tf.setBackend(backend);
      await tf.ready();
    });

    for (const path of PATHS) {
      for (const c of CASES) {
        it(`${path} path: returnSequences ${c.returnSequences}, goBackwards ${c.goBackwards}, bias ${c.useBias}, recurrent ${c.rec}, masked: equals @recurrent/rnn-cells`, async () => {
          const layer = fastGru({
            units: H,
            resetAfter: true,
            recurrentActivation: c.rec,
            goBackwards: c.goBackwards,
            returnSequences: c.returnSequences,
            useBias: c.useBias,
            kernelInitializer: "glorotUniform",
            recurrentInitializer: "glorotUniform",
            biasInitializer: "randomNormal",
          });
          tf.tidy(() => {
            layer.apply(tf.zeros([B, T, D]));
          });
          expect(layer.getWeights().map((w) => w.shape)).toStrictEqual([[D, 3 * H], [H, 3 * H], ...(c.useBias ? [[2, 3 * H]] : [])]);
          expect(fastPathBlocker(layer)).toBeNull();
          const restore = onPath(layer, path);
          const xValues = values(B * T * D, 3);
          const before = tf.memory().numTensors;
          const xInit = tf.tensor3d(xValues, [B, T, D]);
          const x = tf.variable(xInit);
          xInit.dispose();
          const mask = tf.tensor2d(MASK, [B, T]);
          const vars = [x, ...layer.trainableWeights.map((w) => w.read() as tf.Variable)];
          const y = layer.apply(x, { mask }) as tf.Tensor;
          const probe = values(y.size, 17);
          let value: tf.Scalar | null = null;
          let grads: tf.NamedTensorMap = {};
          const kernels = await recurrentKernels(() => {
            ({ value, grads } = tf.variableGrads(
              () => tf.sum(tf.mul(layer.apply(x, { mask }) as tf.Tensor, tf.tensor(probe, y.shape))) as tf.Scalar,
              vars,
            ));
          });
          restore();
          expect(kernels).toStrictEqual(PATH_KERNELS[path]);

          const weights = layer.getWeights().map((w) => Float64Array.from(w.dataSync()));
          const spec = { cell: "gru", units: H, inputDim: D, resetAfter: true, useBias: c.useBias, recurrentActivation: c.rec } as const;
          const refWeights = { kernel: weights[0]!, recurrentKernel: weights[1]!, ...(c.useBias ? { bias: weights[2]! } : {}) };
          const forward = rnnForward(spec, refWeights, Float64Array.from(xValues), [B, T, D], {
            mask: MASK,
            goBackwards: c.goBackwards,
            returnSequences: c.returnSequences,
          });
          expect(y.shape).toStrictEqual(forward.outputShape);
          close(`${path} outputs`, y.dataSync(), forward.output, 1e-5);
          const ref = rnnBackward(refWeights, forward, { output: Float64Array.from(probe) });
          close(`${path} gradients`, grads[x.name]!.dataSync(), ref.inputs, 1e-4);
          const [kernel, recurrentKernel, bias] = layer.trainableWeights.map((w) => grads[(w.read() as tf.Variable).name]!);
          close(`${path} gradients`, kernel!.dataSync(), ref.kernel, 1e-4);
          close(`${path} gradients`, recurrentKernel!.dataSync(), ref.recurrentKernel, 1e-4);
          if (c.useBias) {
            expect(bias!.shape).toStrictEqual([2, 3 * H]);
            close(`${path} gradients`, bias!.dataSync(), ref.bias!, 1e-4);
          }
          tf.dispose([x, mask, y, value!, ...Object.values(grads)]);
          expect(tf.memory().numTensors).toBe(before);
          layer.dispose();
        });
      }
    }

    // GOLDEN: printed by packages/models/src/layers/__fixtures__/gru-reset-after-golden.py, run as
    //   /usr/bin/python3 packages/models/src/layers/__fixtures__/gru-reset-after-golden.py
    // with Debian 12's python3-torch 1.13.1+dfsg-4 (torch.__version__ "1.13.0a0"), Python 3.11: PyTorch's nn.GRU in
    // float64 (which computes the reset-after variant) on the Keras-layout weights below mapped to torch's layout
    // (gates r, z, n; transposed; bias_ih = bias[0], bias_hh = bias[1]). Units 3, features 2, batch 2, 4 steps, tanh
    // and sigmoid, every step's output; "goBackwards" is torch on the time-reversed inputs (processing order).
    const GOLDEN = {
      sequences: [
        0.045816275, -0.041501075, 0.14061721, -0.152003357, -0.15674328, 0.183352941, -0.187366656, -0.130040974, 0.326885865,
        -0.408267218, -0.189887127, 0.375839274, -0.035655636, -0.122191592, 0.041644141, -0.002309267, -0.110385832, 0.189965565,
        -0.208998162, -0.191342713, 0.235461311, -0.044347228, -0.191027624, 0.214085157,
      ],
      goBackwards: [
        -0.29310464, -0.13686148, 0.120468163, -0.23832789, -0.103253558, 0.291263332, -0.292027546, -0.158744913, 0.313441577,
        -0.125224829, -0.104128589, 0.374389499, 0.076754638, -0.1144858, 0.006479452, -0.1466261, -0.2025262, 0.09573875,
        -0.059266781, -0.144695071, 0.235807048, -0.095783833, -0.19283763, 0.237047976,
      ],
    };
    const golden = {
      kernel: goldenValues(2 * 9, 1),
      recurrentKernel: goldenValues(3 * 9, 2),
      bias: goldenValues(2 * 9, 3),
      x: goldenValues(2 * 4 * 2, 4),
    };

    for (const goBackwards of [false, true]) {
      for (const path of PATHS) {
        it(`${path} path, goBackwards ${goBackwards}: predicts PyTorch's nn.GRU (golden values) within 1e-5`, async () => {
          const layer = fastGru({ units: 3, resetAfter: true, recurrentActivation: "sigmoid", returnSequences: true, goBackwards });
          const before = tf.memory().numTensors;
          const x = tf.tensor3d(golden.x, [2, 4, 2]);
          tf.tidy(() => {
            layer.apply(x);
          });
          const weights = [tf.tensor2d(golden.kernel, [2, 9]), tf.tensor2d(golden.recurrentKernel, [3, 9]), tf.tensor2d(golden.bias, [2, 9])];
          layer.setWeights(weights);
          tf.dispose(weights);
          const restore = onPath(layer, path);
          let y: tf.Tensor | null = null;
          const kernels = await recurrentKernels(() => {
            y = tf.keep(layer.apply(x) as tf.Tensor);
          });
          restore();
          expect(kernels).toStrictEqual(PATH_KERNELS[path].filter((k) => !k.endsWith("Grad")));
          expect(y!.shape).toStrictEqual([2, 4, 3]);
          close(`golden (${path})`, y!.dataSync(), goBackwards ? GOLDEN.goBackwards : GOLDEN.sequences, 1e-5);
          tf.dispose([x, y!]);
          layer.dispose();
          expect(tf.memory().numTensors).toBe(before);
        });
      }
    }

    it("loads the model.json tensorflowjs_converter writes for keras.layers.GRU(3, reset_after=True) and predicts the golden values", async () => {
      const modelJson = JSON.parse(await readFile(join(FIXTURE, "model.json"), "utf8")) as {
        modelTopology: object;
        weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
      };
      const bin = await readFile(join(FIXTURE, modelJson.weightsManifest[0]!.paths[0]!));
      // the weights file holds exactly the golden weights (kernel, recurrent_kernel, bias; float32 little-endian)
      expect(Array.from(new Float32Array(bin.buffer, bin.byteOffset, bin.byteLength / 4))).toStrictEqual([
        ...golden.kernel,
        ...golden.recurrentKernel,
        ...golden.bias,
      ]);
      // what tf.loadLayersModel(url) does after fetching the two files
      const handler = (): tf.io.IOHandler =>
        tf.io.fromMemory({
          modelTopology: modelJson.modelTopology,
          weightSpecs: modelJson.weightsManifest.flatMap((group) => group.weights),
          weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
        });

      // stock tfjs cannot: this is tfjs issue #4621
      await expect(tf.loadLayersModel(handler())).rejects.toThrow("GRUCell does not support reset_after parameter set to true");

      const restore = registerFastLayers();
      try {
        const model = await tf.loadLayersModel(handler());
        const gru = model.layers.find((l) => l.getClassName() === "GRU")!;
        expect(gru).toBeInstanceOf(FastGRU);
        expect(gru.getConfig().resetAfter).toBe(true);
        expect(fastPathBlocker(gru)).toBeNull();
        const x = tf.tensor3d(golden.x, [2, 4, 2]);
        const y = model.predict(x) as tf.Tensor;
        close("model.json", y.dataSync(), GOLDEN.sequences, 1e-5);

        // and it saves as Keras would read it: reset_after true, the [2, 9] bias
        let saved: tf.io.ModelArtifacts | undefined;
        await model.save(
          tf.io.withSaveHandler(async (artifacts) => {
            saved = artifacts;
            return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
          }),
        );
        const topology = JSON.stringify(saved!.modelTopology);
        expect(topology).toContain('"reset_after":true');
        expect(topology).not.toContain("fast_path");
        expect(saved!.weightSpecs!.map((w) => w.shape)).toStrictEqual([[2, 9], [3, 9], [2, 9]]);
        const again = await tf.loadLayersModel(tf.io.fromMemory(saved!));
        const y2 = again.predict(x) as tf.Tensor;
        close("model.json", y2.dataSync(), GOLDEN.sequences, 1e-5);
        tf.dispose([x, y, y2]);
        model.dispose();
        again.dispose();
      } finally {
        restore();
      }
    });

    it("a sentiment model with a bidirectional reset-after GRU goes through a bundle and back", async () => {
      const model = buildSentimentModel({ vocabSize: 8, cell: "gru", resetAfter: true, units: 3, embeddingDim: 4, denseUnits: 4, seed: 2 });
      const wrapper = model.layers.find((l) => l instanceof FastBidirectional) as FastBidirectional;
      const inner = wrapper as unknown as { forwardLayer: tf.layers.Layer; backwardLayer: tf.layers.Layer };
      expect([inner.forwardLayer, inner.backwardLayer].map((l) => l instanceof FastGRU && l.getConfig().resetAfter)).toStrictEqual([true, true]);
      expect(fastPathBlocker(wrapper)).toBeNull();
      const encoder = { vocabSize: 8, toJSON: () => ({ size: 8 }) };
      const files = await encodeBundle({ kind: "toy", model, encoder, config: null });
      const loaded = await decodeBundle(async (name) => files.get(name)!, { reviveEncoder: () => encoder });
      const ids = tf.tensor2d([1, 2, 3, 4, 5, 6, 0, 0], [2, 4], "int32");
      const [a, b] = [model, loaded.model].map((m) => m.predict(ids) as tf.Tensor);
      close("bundle", b!.dataSync(), a!.dataSync(), 1e-6);
      const loadedWrapper = loaded.model.layers.find((l) => l.getClassName() === "Bidirectional") as unknown as { forwardLayer: tf.layers.Layer };
      expect(loadedWrapper.forwardLayer).toBeInstanceOf(FastGRU);
      // stock tf.layers cannot build it: the bundle error says so, naming the GRU inside the Bidirectional wrapper
      const error = (await decodeBundle(async (name) => files.get(name)!, { implementation: "stock" }).catch((e: unknown) => e)) as Error;
      expect(error).toMatchObject({ code: "BUNDLE_MALFORMED" });
      expect(error.message).toMatch(/model\.json has a GRU with reset_after true \(\S+: Keras's default GRU\), which tf\.layers cannot build; expected implementation "fast"/);
      tf.dispose([ids, a!, b!]);
      model.dispose();
      loaded.model.dispose();
    });
  });
}

describe("resetAfter in configurations and builders", () => {
  it("saves reset_after only where set; the default configuration is the stock GRU's", () => {
    const stock = tf.layers.gru({ units: 2, name: "g" }).getConfig();
    expect(fastGru({ units: 2, name: "g" }).getConfig()).toStrictEqual(stock);
    expect(fastGru({ units: 2, name: "g", resetAfter: true }).getConfig()).toStrictEqual({ ...stock, resetAfter: true });
  });

  it("builders accept resetAfter with the fast GRU only", () => {
    expect(resolveSentimentModelOptions({ vocabSize: 5, cell: "gru", resetAfter: true }).resetAfter).toBe(true);
    expect(resolveSentimentModelOptions({ vocabSize: 5 }).resetAfter).toBe(false);
    expect(() => resolveSentimentModelOptions({ vocabSize: 5, resetAfter: true })).toThrow('expected resetAfter only with cell "gru", got cell "lstm"');
    expect(() => resolveSentimentModelOptions({ vocabSize: 5, cell: "gru", resetAfter: true, implementation: "stock" })).toThrow(
      `expected resetAfter with implementation "fast" (tf.layers' GRU refuses reset_after), got implementation "stock"`,
    );
    expect(() => resolveSentimentModelOptions({ vocabSize: 5, cell: "gru", resetAfter: "yes" as never })).toThrow(TypeError);
  });
});
