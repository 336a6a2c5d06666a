import * as tf from "@tensorflow/tfjs";
import type { CellKind } from "@recurrent/rnn-cells";
import { fastBidirectional } from "../src/layers/fast-bidirectional";
import { fastGru } from "../src/layers/fast-gru";
import { fastLstm } from "../src/layers/fast-lstm";
import { fastSimpleRnn } from "../src/layers/fast-simple-rnn";

/** The chapter's two models at benchmark sizes. */
export type BenchModelName = "sentiment" | "char";

/** Architecture and batch of each benchmarked model. */
export const BENCH_MODELS = {
  sentiment: { vocab: 87_009, embed: 20, units: 64, dense: 64, batch: 32, times: [100, 250, 500] },
  char: { vocab: 80, embed: 256, units: 512, batch: 64, times: [40] },
} as const;

/** Gate blocks of each cell's kernels. */
const GATES: Readonly<Record<CellKind, number>> = { lstm: 4, gru: 3, "simple-rnn": 1 };

/**
 * FLOPs of one training step (forward + backward ≈ 3 × forward, multiply-add = 2 FLOPs) counting the matrix
 * products only, as the issue does: 2·B·T·(D+H)·G·H per direction for a cell of G gate blocks (LSTM 4, GRU 3,
 * SimpleRNN 1), dense layers 2·rows·in·out.
 */
export function stepFlops(model: BenchModelName, time: number, cell: CellKind = "lstm"): number {
  const G = GATES[cell];
  if (model === "sentiment") {
    const m = BENCH_MODELS.sentiment;
    const recurrent = 2 * 2 * m.batch * time * (m.embed + m.units) * G * m.units;
    const dense = 2 * m.batch * (2 * m.units * m.dense + m.dense);
    return 3 * (recurrent + dense);
  }
  const m = BENCH_MODELS.char;
  const recurrent = 2 * m.batch * time * (m.embed + m.units) * G * m.units;
  const dense = 2 * m.batch * time * m.units * m.vocab;
  return 3 * (recurrent + dense);
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

/** The recurrent layer of a cell, stock or fast; `resetAfter` (GRU only) exists only as a fast layer. */
function recurrentLayer(impl: "stock" | "fast", cell: CellKind, resetAfter: boolean): (config: tf.LSTMLayerArgs) => tf.layers.Layer {
  if (resetAfter && (impl !== "fast" || cell !== "gru")) throw new RangeError(`expected resetAfter with the fast GRU only, got ${impl} ${cell}`);
  if (cell === "gru") return impl === "fast" ? (c) => fastGru({ ...c, resetAfter }) : (c) => tf.layers.gru(c);
  if (cell === "simple-rnn") return impl === "fast" ? (c) => fastSimpleRnn(c) : (c) => tf.layers.simpleRNN(c);
  return impl === "fast" ? (c) => fastLstm(c) : (c) => tf.layers.lstm(c);
}

/**
 * Builds one of the chapter's models with stock or fast recurrent layers of a cell (the chapter's is the LSTM; a GRU
 * or SimpleRNN takes its place with the same units), `resetAfter` for Keras's GRU variant (fast layers only).
 */
export function buildBenchModel(model: BenchModelName, time: number, impl: "stock" | "fast", cell: CellKind = "lstm", resetAfter = false): tf.LayersModel {
  const lstm = recurrentLayer(impl, cell, resetAfter);
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
