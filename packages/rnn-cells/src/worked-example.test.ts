// The chapter's worked example (Raschka & Mirjalili, ch. 16): a SimpleRNN layer with 2 units on
// inputs of 5 features, return_sequences, fed [1]*5, [2]*5, [3]*5. The manual step-by-step
// computation h_t = x_t W_xh + b_h, o_t = tanh(h_t + o_{t−1} W_oo) equals the layer's output at
// each of the 3 steps: for tfjs's layer (float32) and for this package (float64).
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { expectClose } from "./expect-close";
import { chapterRnnForward, rnnForward } from "./index";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

/** The chapter's loop, in plain float64 arithmetic on the layer's weights. */
function manual(wxh: Float32Array, woo: Float32Array, bh: Float32Array, xs: number[][]): number[][] {
  const out: number[][] = [];
  for (let t = 0; t < xs.length; t++) {
    const xt = xs[t]!;
    const ht = [0, 1].map((j) => bh[j]! + xt.reduce((acc, v, k) => acc + v * wxh[k * 2 + j]!, 0));
    const prev = t > 0 ? out[t - 1]! : [0, 0];
    out.push([0, 1].map((j) => Math.tanh(ht[j]! + prev[0]! * woo[j]! + prev[1]! * woo[2 + j]!)));
  }
  return out;
}

describe("worked example: SimpleRNN(units=2) on [1]*5, [2]*5, [3]*5", () => {
  const xs = [1, 2, 3].map((v) => Array.from({ length: 5 }, () => v));
  const flat = Float32Array.from(xs.flat());

  it("the manual computation equals tf.layers.simpleRNN's output at every step (1e-5), and so does rnnForward", () => {
    const before = tf.memory().numTensors;
    const layer = tf.layers.simpleRNN({
      units: 2,
      useBias: true,
      returnSequences: true,
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
      recurrentInitializer: tf.initializers.orthogonal({ seed: 1 }),
      biasInitializer: tf.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: 1 }),
    });
    const input = tf.tensor3d(flat, [1, 3, 5]);
    const output = layer.apply(input) as tf.Tensor;
    const [wxhT, wooT, bhT] = layer.getWeights();
    expect(wxhT!.shape).toEqual([5, 2]);
    expect(wooT!.shape).toEqual([2, 2]);
    expect(bhT!.shape).toEqual([2]);
    const wxh = wxhT!.dataSync() as Float32Array;
    const woo = wooT!.dataSync() as Float32Array;
    const bh = bhT!.dataSync() as Float32Array;
    expect(output.shape).toEqual([1, 3, 2]);
    const layerOut = output.dataSync();

    const man = manual(wxh, woo, bh, xs);
    for (let t = 0; t < 3; t++) {
      expectClose(layerOut.subarray(t * 2, t * 2 + 2), man[t]!, { atol: 1e-5, shape: [2], label: `step ${t}` });
    }
    const ours = rnnForward({ cell: "simple-rnn", units: 2, inputDim: 5 }, { kernel: wxh, recurrentKernel: woo, bias: bh }, flat, [1, 3, 5], {
      returnSequences: true,
    });
    expectClose(ours.output, man.flat(), { atol: 1e-12, shape: [1, 3, 2], label: "rnnForward" });
    const chapter = chapterRnnForward(
      { recurrence: "output-to-output", inputDim: 5, hiddenUnits: 2, outputUnits: 2, hiddenActivation: "linear", outputActivation: "tanh" },
      { wxh, bh, who: Float64Array.of(1, 0, 0, 1), bo: new Float64Array(2), woo },
      flat,
      [1, 3, 5],
    );
    expectClose(chapter.outputs, man.flat(), { atol: 1e-12, shape: [1, 3, 2], label: "chapterRnnForward" });
    // the inputs grow, so the outputs are not all equal: the test can tell the steps apart
    expect(Math.abs(man[2]![0]! - man[0]![0]!)).toBeGreaterThan(1e-3);

    // getWeights() hands out the layer's own variables: layer.dispose() frees them
    tf.dispose([input, output]);
    layer.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
