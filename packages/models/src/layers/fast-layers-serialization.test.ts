import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { beforeAll, describe, expect, it } from "vitest";
import { expectClose } from "../expect-close";
import { FastBidirectional, fastBidirectional } from "./fast-bidirectional";
import { fastGru } from "./fast-gru";
import { FastLSTM, fastLstm } from "./fast-lstm";
import { fastPathBlocker } from "./fast-recurrent-call";
import { fastSimpleRnn } from "./fast-simple-rnn";
import { registerFastLayers } from "./register-fast-layers";

// A model built with the fast layers saves as stock tf.layers classes, loads in stock tfjs with the same
// predictions, and stock weights load back into the fast layers.

async function saveToMemory(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }),
  );
  return saved!;
}

function chapterLikeModel(fast: boolean): tf.Sequential {
  const rnn = fast ? fastLstm({ units: 3 }) : tf.layers.lstm({ units: 3 });
  return tf.sequential({
    layers: [
      tf.layers.embedding({ inputDim: 12, outputDim: 4, inputLength: 6, maskZero: true }),
      (fast ? fastBidirectional : tf.layers.bidirectional)({ layer: rnn as never, mergeMode: "concat" }),
      tf.layers.dense({ units: 1, activation: "sigmoid" }),
    ],
  });
}

describe("fast layers and stock tfjs exchange models", () => {
  beforeAll(async () => {
    await tf.setBackend("cpu");
  });

  it("a fast model saves as stock classes and predicts the same after loading in stock tfjs", async () => {
    const before = tf.memory().numTensors;
    const model = chapterLikeModel(true);
    const ids = tf.tensor2d(
      [
        [0, 0, 3, 4, 5, 6],
        [1, 2, 3, 0, 0, 0],
      ],
      [2, 6],
      "float32",
    );
    const artifacts = await saveToMemory(model);
    const topology = JSON.stringify(artifacts.modelTopology);
    expect(topology).toContain('"class_name":"Bidirectional"');
    expect(topology).toContain('"class_name":"LSTM"');
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
    expect(loaded.layers[1]!.constructor.name).not.toBe("FastBidirectional");
    const a = model.predict(ids) as tf.Tensor;
    const b = loaded.predict(ids) as tf.Tensor;
    expectClose(a.dataSync(), b.dataSync(), { atol: 1e-5, shape: b.shape, actualShape: a.shape });
    tf.dispose([a, b, ids]);
    model.dispose();
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("stock weights load into fast layers (and gru works through the wrapper)", async () => {
    const stock = tf.sequential({
      layers: [tf.layers.bidirectional({ layer: tf.layers.gru({ units: 2, returnSequences: true }) as never, inputShape: [4, 3] })],
    });
    const fast = tf.sequential({
      layers: [fastBidirectional({ layer: fastGru({ units: 2, returnSequences: true }) as never, inputShape: [4, 3] })],
    });
    expect(fast.getWeights().map((w) => w.shape)).toEqual(stock.getWeights().map((w) => w.shape));
    fast.setWeights(stock.getWeights());
    const x = tf.randomNormal([2, 4, 3], 0, 1, "float32", 5);
    const a = fast.predict(x) as tf.Tensor;
    const b = stock.predict(x) as tf.Tensor;
    expectClose(a.dataSync(), b.dataSync(), { atol: 1e-5, shape: b.shape, actualShape: a.shape });
    tf.dispose([a, b, x]);
    stock.dispose();
    fast.dispose();
  });
});

describe("registerFastLayers", () => {
  beforeAll(async () => {
    await tf.setBackend("cpu");
  });

  it("makes tf.loadLayersModel give fast layers back, and its undo gives stock ones again", async () => {
    const model = chapterLikeModel(true);
    const artifacts = await saveToMemory(model);
    const ids = tf.tensor2d([[0, 0, 3, 4, 5, 6]], [1, 6], "float32");
    const unregister = registerFastLayers();
    try {
      expect(registerFastLayers).not.toThrow(); // idempotent
      const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
      const wrapper = loaded.layers[1]!;
      expect(wrapper).toBeInstanceOf(FastBidirectional);
      expect((wrapper as unknown as { forwardLayer: unknown }).forwardLayer).toBeInstanceOf(FastLSTM);
      expect(fastPathBlocker(wrapper)).toBeNull();
      // saved again, it still names the stock classes (stock tfjs and Keras read it)
      const again = JSON.stringify((await saveToMemory(loaded)).modelTopology);
      expect(again).toContain('"class_name":"LSTM"');
      expect(again).not.toContain("Custom>");
      const a = model.predict(ids) as tf.Tensor;
      const b = loaded.predict(ids) as tf.Tensor;
      expectClose(a.dataSync(), b.dataSync(), { atol: 1e-6, shape: b.shape, actualShape: a.shape });
      tf.dispose([a, b]);
      loaded.dispose();
    } finally {
      unregister();
    }
    const stock = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
    expect(stock.layers[1]).not.toBeInstanceOf(FastBidirectional);
    expect(fastPathBlocker(stock.layers[1])).toBe("stock tf.layers.bidirectional (use fastBidirectional)");
    stock.dispose();
    model.dispose();
    ids.dispose();
  });
});

describe("fastPathBlocker", () => {
  it("answers for every exported layer and says why when the stock path would run", async () => {
    await tf.setBackend("cpu");
    expect(fastPathBlocker(fastLstm({ units: 2 }))).toBeNull();
    expect(fastPathBlocker(fastGru({ units: 2 }))).toBeNull();
    expect(fastPathBlocker(fastSimpleRnn({ units: 2 }))).toBeNull();
    expect(fastPathBlocker(fastBidirectional({ layer: fastSimpleRnn({ units: 2 }) as never }))).toBeNull();
    // dropout while training runs fused now; activations outside the fused set do not
    expect(fastPathBlocker(fastLstm({ units: 2, dropout: 0.1, recurrentDropout: 0.2 }), { training: true })).toBeNull();
    expect(fastPathBlocker(fastGru({ units: 2, resetAfter: true }))).toBeNull();
    expect(fastPathBlocker(fastLstm({ units: 2, activation: "swish" }))).toBe('activation "swish" is not fused');
    expect(fastPathBlocker(fastBidirectional({ layer: fastGru({ units: 2, recurrentActivation: "gelu" }) as never }))).toBe(
      'forward layer: recurrent activation "gelu" is not fused',
    );
    expect(fastPathBlocker(tf.layers.lstm({ units: 2 }))).toBe("stock tf.layers LSTM (use the fast layer of this package)");
    expect(fastPathBlocker(tf.layers.dense({ units: 2 }))).toBe(
      'layer class "Dense" is not a recurrent layer (LSTM, GRU, SimpleRNN or Bidirectional)',
    );
    expect(fastPathBlocker({})).toBe("not a tfjs layer");
  });
});
