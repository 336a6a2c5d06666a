// The chapter's worked example (Raschka & Mirjalili, ch. 16, "Computing activations in a SimpleRNN"):
// a SimpleRNN layer with 2 units over inputs of 5 features, return_sequences, fed [1]*5, [2]*5, [3]*5.
// Computes the outputs step by step by hand (h_t = x_t W_xh + b_h, o_t = tanh(h_t + o_{t−1} W_oo)),
// and compares them with tf.layers.simpleRNN and with this package's rnnForward.
//
// Run: pnpm --filter @recurrent/rnn-cells run example:worked
import * as tf from "@tensorflow/tfjs";
import { rnnForward } from "../src/index";

const fmt = (v: ArrayLike<number>) => `[${Array.from(v, (x) => x.toFixed(6).padStart(10)).join(" ")}]`;

async function main(): Promise<void> {
  await tf.setBackend("cpu");
  const layer = tf.layers.simpleRNN({
    units: 2,
    useBias: true,
    returnSequences: true,
    kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
    recurrentInitializer: tf.initializers.orthogonal({ seed: 1 }),
  });
  const xs = [1, 2, 3].map((v) => Array.from({ length: 5 }, () => v));
  const input = tf.tensor3d(xs.flat(), [1, 3, 5]);
  const output = layer.apply(input) as tf.Tensor;
  const [wxhT, wooT, bhT] = layer.getWeights();
  const wxh = wxhT!.dataSync() as Float32Array;
  const woo = wooT!.dataSync() as Float32Array;
  const bh = bhT!.dataSync() as Float32Array;
  console.log(`W_xh shape: [${wxhT!.shape.join(", ")}]   W_oo shape: [${wooT!.shape.join(", ")}]   b_h shape: [${bhT!.shape.join(", ")}]`);

  const layerOut = output.dataSync();
  const ours = rnnForward(
    { cell: "simple-rnn", units: 2, inputDim: 5 },
    { kernel: wxh, recurrentKernel: woo, bias: bh },
    Float32Array.from(xs.flat()),
    [1, 3, 5],
    { returnSequences: true },
  ).output;

  let prev = [0, 0];
  let maxDiff = 0;
  for (let t = 0; t < 3; t++) {
    const xt = xs[t]!;
    const ht = [0, 1].map((j) => bh[j]! + xt.reduce((acc, v, k) => acc + v * wxh[k * 2 + j]!, 0));
    const ot = [0, 1].map((j) => Math.tanh(ht[j]! + prev[0]! * woo[j]! + prev[1]! * woo[2 + j]!));
    const fromLayer = layerOut.subarray(t * 2, t * 2 + 2);
    console.log(`Time step ${t} =>`);
    console.log(`   Input             : ${fmt(xt)}`);
    console.log(`   Hidden            : ${fmt(ht)}`);
    console.log(`   Output (manual)   : ${fmt(ot)}`);
    console.log(`   SimpleRNN output  : ${fmt(fromLayer)}   (tf.layers.simpleRNN, float32)`);
    console.log(`   rnnForward output : ${fmt(ours.subarray(t * 2, t * 2 + 2))}   (@recurrent/rnn-cells, float64)`);
    for (let j = 0; j < 2; j++) maxDiff = Math.max(maxDiff, Math.abs(ot[j]! - fromLayer[j]!));
    prev = ot;
  }
  console.log(`max |manual − layer| = ${maxDiff.toExponential(2)}`);
  tf.dispose([input, output]);
  layer.dispose();
  if (maxDiff > 1e-5) {
    console.error("the manual computation does not match the layer");
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
