// What the benchmark times, shared by its Node side (bench/training-step.ts, in a child process) and its page
// (bench/page/bench-worker.ts, in a Web Worker): the chapter's two models as the app builds them, trained with
// `trainModel` and fusedAdam on fixed batches of random ids, timed step by step. The same code in both places, so the
// figures differ only by where they run.
import { buildCharLanguageModel, buildSentimentModel, createRandom, fusedAdam, trainModel, type TrainingBatch } from "@recurrent/models";
import type * as tf from "@tensorflow/tfjs";

/** The two benchmarked models. */
export type BenchModel = "sentiment" | "char";

/**
 * The chapter's configurations as the app trains them (src/main.ts `sentimentConfig()` / `charConfig()` with their
 * defaults): the sentiment model over the full IMDb vocabulary (87,009 ids, as the CLI's `pnpm main` builds it),
 * with padding masked as the app does by default; the char model over the novel's 80 distinct characters.
 */
export const BENCH_MODELS = {
  sentiment: { what: "Embedding 20 + Bidirectional LSTM 64 + Dense 64 + Dense 1", time: 250, batch: 32, vocab: 87_009 },
  char: { what: "Embedding 256 + LSTM 512 + Dense 80", time: 40, batch: 64, vocab: 80 },
} as const;

/** The model, built as the app's worker builds it (src/worker/app-worker.ts `runTraining`). */
export function buildBenchModel(name: BenchModel): tf.LayersModel {
  const m = BENCH_MODELS[name];
  if (name === "sentiment") {
    return buildSentimentModel({
      vocabSize: m.vocab,
      cell: "lstm",
      bidirectional: true,
      layers: 1,
      units: 64,
      embeddingDim: 20,
      denseUnits: 64,
      dropout: 0,
      maskPadding: true,
      seed: 1,
      implementation: "fast",
    });
  }
  return buildCharLanguageModel({ vocabSize: m.vocab, embeddingDim: 256, units: 512, seed: 1, implementation: "fast" });
}

/** `count` batches of random ids (no padding: every row is `time` long) and targets, the same on every run. */
export function benchBatches(name: BenchModel, count: number): TrainingBatch[] {
  const m = BENCH_MODELS[name];
  const random = createRandom(42);
  const id = (below: number) => 1 + Math.floor(random.next() * (below - 1));
  return Array.from({ length: count }, () => {
    const inputs = Int32Array.from({ length: m.batch * m.time }, () => id(m.vocab));
    const targets =
      name === "sentiment"
        ? Float32Array.from({ length: m.batch }, () => (random.next() < 0.5 ? 0 : 1))
        : Int32Array.from({ length: m.batch * m.time }, () => id(m.vocab));
    return { inputs, shape: [m.batch, m.time], lengths: new Int32Array(m.batch).fill(m.time), targets };
  });
}

/** What one measurement gives. */
export interface StepTimes {
  /** Median of the measured steps, in ms. */
  msPerStep: number;
  /** Each measured step, in ms. */
  stepMs: number[];
  /** Each warm-up step, in ms (not in the median: weight upload, operator set-up, WebAssembly tier-up). */
  warmupMs: number[];
}

const median = (values: readonly number[]): number => {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/**
 * Trains `warmup + steps` steps with `trainModel` (one epoch of fixed batches, fusedAdam 1e-3, no clipping, no
 * validation, as the app trains) and times each step from one progress report to the next. The backend must be
 * set up first (`initBackend`).
 */
export async function measureTrainingSteps(name: BenchModel, options: { steps: number; warmup: number }): Promise<StepTimes> {
  const { steps, warmup } = options;
  if (!Number.isInteger(steps) || steps < 1 || !Number.isInteger(warmup) || warmup < 1) {
    throw new RangeError(`expected steps and warmup to be integers >= 1, got ${steps} and ${warmup}`);
  }
  const model = buildBenchModel(name);
  const batches = benchBatches(name, warmup + steps);
  const times: number[] = [];
  let last = performance.now();
  try {
    await trainModel(model, {
      task: name === "sentiment" ? "binary-classification" : "language-model",
      train: () => batches,
      epochs: 1,
      optimizer: fusedAdam(1e-3),
      batchesPerEpoch: batches.length,
      divergence: false,
      onProgress: () => {
        const now = performance.now();
        times.push(now - last);
        last = now;
      },
    });
  } finally {
    model.dispose();
  }
  const stepMs = times.slice(warmup);
  return { msPerStep: median(stepMs), stepMs, warmupMs: times.slice(0, warmup) };
}
