import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { beforeAll, describe, expect, it } from "vitest";
import { expectClose } from "../expect-close";
import { fastBidirectional } from "./fast-bidirectional";
import { fastGru } from "./fast-gru";
import { fastLstm } from "./fast-lstm";

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
