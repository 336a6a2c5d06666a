import * as tf from "@tensorflow/tfjs";
import { fastBidirectional } from "../src/layers/fast-bidirectional";
import { fastLstm } from "../src/layers/fast-lstm";

/** The chapter's two models at benchmark sizes. */
export type BenchModelName = "sentiment" | "char";

/** Architecture and batch of each benchmarked model. */
export const BENCH_MODELS = {
  sentiment: { vocab: 87_009, embed: 20, units: 64, dense: 64, batch: 32, times: [100, 250, 500] },
  char: { vocab: 80, embed: 256, units: 512, batch: 64, times: [40] },
} as const;

/**
 * FLOPs of one training step (forward + backward ≈ 3 × forward, multiply-add = 2 FLOPs) counting the matrix
 * products only, as the issue does: LSTM 2·B·T·(D+H)·4H per direction, dense layers 2·rows·in·out.
 */
export function stepFlops(model: BenchModelName, time: number): number {
  if (model === "sentiment") {
    const m = BENCH_MODELS.sentiment;
    const lstm = 2 * 2 * m.batch * time * (m.embed + m.units) * 4 * m.units;
    const dense = 2 * m.batch * (2 * m.units * m.dense + m.dense);
    return 3 * (lstm + dense);
  }
  const m = BENCH_MODELS.char;
  const lstm = 2 * m.batch * time * (m.embed + m.units) * 4 * m.units;
  const dense = 2 * m.batch * time * m.units * m.vocab;
  return 3 * (lstm + dense);
}

/** Rows of orthonormal vectors (modified Gram–Schmidt on Gaussian rows), as Keras's `orthogonal` for rows ≤ cols. */
function orthogonal(rows: number, cols: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const uniform = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 2 ** 32;
  };
  const m = new Float64Array(rows * cols);
  for (let i = 0; i < m.length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(uniform()));
    const a = 2 * Math.PI * uniform();
    m[i] = r * Math.cos(a);
    if (i + 1 < m.length) m[i + 1] = r * Math.sin(a);
  }
  for (let i = 0; i < rows; i++) {
    const ri = i * cols;
    for (let k = 0; k < i; k++) {
      const rk = k * cols;
      let dot = 0;
      for (let j = 0; j < cols; j++) dot += m[ri + j]! * m[rk + j]!;
      for (let j = 0; j < cols; j++) m[ri + j]! -= dot * m[rk + j]!;
    }
    let norm = 0;
    for (let j = 0; j < cols; j++) norm += m[ri + j]! * m[ri + j]!;
    norm = Math.sqrt(norm);
    for (let j = 0; j < cols; j++) m[ri + j]! /= norm;
  }
  return Float32Array.from(m);
}

/**
 * Sets Keras's initialisation on every recurrent layer: orthogonal recurrent kernel (tfjs's own orthogonal
 * initializer takes minutes at 512 units), zero bias with forget-gate bias 1. Kernels are tfjs glorotUniform.
 */
function kerasRecurrentInit(model: tf.LayersModel, units: number): void {
  let seed = 1;
  for (const w of model.weights) {
    if (w.name.endsWith("recurrent_kernel")) {
      const [rows, cols] = w.shape as [number, number];
      w.write(tf.tensor2d(orthogonal(rows, cols, seed++), [rows, cols]));
    } else if (/lstm.*\/bias$/.test(w.name)) {
      const b = new Float32Array(4 * units);
      b.fill(1, units, 2 * units);
      w.write(tf.tensor1d(b));
    }
  }
}

/** Builds one of the chapter's models with stock or fast recurrent layers. */
export function buildBenchModel(model: BenchModelName, time: number, impl: "stock" | "fast"): tf.LayersModel {
  const lstm = impl === "fast" ? fastLstm : tf.layers.lstm;
  const bidirectional = impl === "fast" ? fastBidirectional : tf.layers.bidirectional;
  const common = { recurrentActivation: "sigmoid", recurrentInitializer: "zeros" } as const;
  let built: tf.LayersModel;
  if (model === "sentiment") {
    const m = BENCH_MODELS.sentiment;
    built = tf.sequential({
      layers: [
        tf.layers.embedding({ inputDim: m.vocab, outputDim: m.embed, inputLength: time }),
        bidirectional({ layer: lstm({ units: m.units, ...common }) as never }),
        tf.layers.dense({ units: m.dense, activation: "relu" }),
        tf.layers.dense({ units: 1, activation: "sigmoid" }),
      ],
    });
    kerasRecurrentInit(built, m.units);
  } else {
    const m = BENCH_MODELS.char;
    built = tf.sequential({
      layers: [
        tf.layers.embedding({ inputDim: m.vocab, outputDim: m.embed, inputLength: time }),
        lstm({ units: m.units, returnSequences: true, ...common }),
        tf.layers.dense({ units: m.vocab }),
      ],
    });
    kerasRecurrentInit(built, m.units);
  }
  return built;
}

/** Random token ids and targets for one batch. */
export function benchBatch(model: BenchModelName, time: number, seed: number): { x: tf.Tensor2D; y: tf.Tensor } {
  const m = BENCH_MODELS[model];
  const x = tf.randomUniform([m.batch, time], 1, m.vocab, "int32", seed).toFloat() as tf.Tensor2D;
  const y =
    model === "sentiment"
      ? tf.cast(tf.greater(tf.randomUniform([m.batch, 1], 0, 1, "float32", seed + 1), 0.5), "float32")
      : tf.randomUniform([m.batch, time], 0, m.vocab, "int32", seed + 1);
  return { x, y };
}

/** The chapter's losses: binary cross-entropy on the sigmoid output; softmax cross-entropy on the char logits. */
export function benchLoss(model: BenchModelName, output: tf.Tensor, y: tf.Tensor): tf.Scalar {
  if (model === "sentiment") return tf.losses.logLoss(y, output) as tf.Scalar;
  const vocab = BENCH_MODELS.char.vocab;
  return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.cast(y, "int32"), vocab), output);
}
