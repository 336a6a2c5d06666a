/**
 * Times one training step (Adam) of the chapter's two models, built from stock tf.layers, on the cpu and wasm
 * engines, before (stock tfjs kernels) and after `registerKernels()`; checks that one step from identical initial
 * weights gives the same loss and weights on both engines; and shows the loss going down over the steps.
 *
 *   pnpm --filter @recurrent/backends bench:training-step [--steps 3] [--only sentiment|char] [--stock-cpu-sentiment]
 *     [--vocab 87009]   (sentiment vocabulary: a smaller one with --stock-cpu-sentiment checks the estimate)
 *
 * Sentiment: Embedding 87,009×20 → Bidirectional(LSTM 64) → Dense 64 relu → Dense 1 sigmoid, batch 32, T = 100.
 * Char LM:   Embedding 80×256 → LSTM 512 (sequences) → Dense 80 logits, batch 64, T = 40 (sparse CE from logits).
 * Random ids, one fixed batch per model (so the loss going down over steps is the optimiser at work on it).
 *
 * "Before" on wasm: the stock engine has no UnsortedSegmentSum, so the step fails; the error is printed.
 * "Before" on cpu for the sentiment model: the stock kernel's cost grows with the vocabulary (minutes per step at
 * 87,009 rows), so by default it is estimated: the stock kernel is timed alone on this step's gradient shape at
 * 500 and 1,000 rows, its per-row cost at 1,000 rows is scaled to 87,009 rows and swapped for our kernel's time in the
 * measured step. `--stock-cpu-sentiment` runs the real thing instead (expect many minutes and gigabytes).
 * Timings are medians of the steps after the first (which includes warm-up); the machine's cores are shared, so
 * expect noise.
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { parseArgs } from "node:util";
import {
  binaryCrossEntropy,
  buildCharModel,
  buildSentimentModel,
  CHAPTER_CHAR,
  CHAPTER_SENTIMENT,
  loadWeights,
  randomIds,
  snapshotWeights,
  sparseCrossEntropyFromLogits,
  trainStep,
} from "../src/test-support/chapter-models";
import { registerKernels, unregisterKernels } from "../src/register-kernels";

const { values: args } = parseArgs({
  options: {
    steps: { type: "string", default: "3" },
    only: { type: "string" },
    "stock-cpu-sentiment": { type: "boolean", default: false },
    vocab: { type: "string" },
  },
});
const STEPS = Number(args.steps);
if (!Number.isInteger(STEPS) || STEPS < 2) throw new RangeError(`expected --steps >= 2, got ${args.steps}`);
/** Sentiment vocabulary; smaller values let `--stock-cpu-sentiment` check the estimate against a real stock step. */
const VOCAB = args.vocab === undefined ? CHAPTER_SENTIMENT.vocab : Number(args.vocab);
if (!Number.isInteger(VOCAB) || VOCAB < 1001) throw new RangeError(`expected --vocab > 1000, got ${args.vocab}`);
const SENTIMENT_SIZES = { ...CHAPTER_SENTIMENT, vocab: VOCAB };

type Weights = ReturnType<typeof snapshotWeights>;

interface ModelSpec {
  name: "sentiment" | "char";
  build: () => tf.LayersModel;
  data: () => { xs: tf.Tensor; ys: tf.Tensor };
  loss: (y: tf.Tensor, p: tf.Tensor) => tf.Scalar;
  /** Shape of the Embedding gradient's UnsortedSegmentSum: ids, row width, rows. */
  segmentSum: { ids: number; inner: number; rows: number };
}

const SENTIMENT_BATCH = 32;
const SENTIMENT_T = 100;
const CHAR_BATCH = 64;
const CHAR_T = 40;

const MODELS: ModelSpec[] = [
  {
    name: "sentiment",
    build: () => buildSentimentModel(SENTIMENT_SIZES, 5),
    data: () =>
      tf.tidy(() => ({
        xs: randomIds(SENTIMENT_BATCH, SENTIMENT_T, VOCAB, 11),
        ys: tf.tensor2d(Array.from({ length: SENTIMENT_BATCH }, (_, i) => i % 2), [SENTIMENT_BATCH, 1]),
      })),
    loss: binaryCrossEntropy,
    segmentSum: { ids: SENTIMENT_BATCH * SENTIMENT_T, inner: CHAPTER_SENTIMENT.embed, rows: VOCAB },
  },
  {
    name: "char",
    build: () => buildCharModel(CHAPTER_CHAR, 5),
    data: () =>
      tf.tidy(() => {
        const ids = randomIds(CHAR_BATCH, CHAR_T + 1, CHAPTER_CHAR.vocab, 13);
        return {
          xs: tf.slice(ids, [0, 0], [CHAR_BATCH, CHAR_T]),
          ys: tf.cast(tf.slice(ids, [0, 1], [CHAR_BATCH, CHAR_T]), "int32"),
        };
      }),
    loss: sparseCrossEntropyFromLogits,
    segmentSum: { ids: CHAR_BATCH * CHAR_T, inner: CHAPTER_CHAR.embed, rows: CHAPTER_CHAR.vocab },
  },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

interface StepRun {
  losses: number[];
  msPerStep: number;
  firstStepWeights: Weights;
}

/** Runs `steps` Adam steps from `initial` on the current backend; the first step is not timed. */
function runSteps(spec: ModelSpec, initial: Weights, steps: number): StepRun {
  const model = spec.build();
  loadWeights(model, initial);
  const optimizer = tf.train.adam(1e-3);
  const { xs, ys } = spec.data();
  const losses: number[] = [];
  const times: number[] = [];
  let firstStepWeights: Weights = [];
  try {
    for (let s = 0; s < steps; s++) {
      const t0 = performance.now();
      losses.push(trainStep(model, optimizer, spec.loss, xs, ys));
      const dt = performance.now() - t0;
      if (s === 0) firstStepWeights = snapshotWeights(model);
      else times.push(dt);
    }
  } finally {
    tf.dispose([xs, ys]);
    model.dispose();
    optimizer.dispose();
  }
  return { losses, msPerStep: median(times), firstStepWeights };
}

/** Median ms of the registered UnsortedSegmentSum on this gradient shape. */
function timeSegmentSum(ids: number, inner: number, rows: number, repeats: number): number {
  const x = tf.randomNormal([ids, inner]);
  const seg = tf.tidy(() => tf.cast(tf.floor(tf.randomUniform([ids], 0, rows)), "int32")) as tf.Tensor1D;
  const times: number[] = [];
  for (let r = 0; r < repeats + 1; r++) {
    const t0 = performance.now();
    const out = tf.unsortedSegmentSum(x, seg, rows);
    out.dataSync();
    const dt = performance.now() - t0;
    out.dispose();
    if (r > 0) times.push(dt);
  }
  tf.dispose([x, seg]);
  return median(times);
}

function fmt(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(0)} ms`;
}

function maxAbsDiff(a: Weights, b: Weights): { max: number; where: string } {
  let max = 0;
  let where = "-";
  a.forEach((w, i) => {
    const o = b[i];
    if (o === undefined || o.values.length !== w.values.length) throw new Error(`weight ${i} differs in shape`);
    for (let j = 0; j < w.values.length; j++) {
      const d = Math.abs((w.values[j] as number) - (o.values[j] as number));
      if (d > max) {
        max = d;
        where = `weight ${i} [${w.shape.join("x")}] flat ${j}`;
      }
    }
  });
  return { max, where };
}

async function main(): Promise<void> {
  console.log(`tfjs-core ${tf.version_core}, Node ${process.version}, ${STEPS} steps per run (first untimed), sentiment vocabulary ${VOCAB}`);
  const rows: Record<string, string>[] = [];
  for (const spec of MODELS) {
    if (args.only !== undefined && args.only !== spec.name) continue;
    await tf.setBackend("cpu");
    const seedModel = spec.build();
    const initial = snapshotWeights(seedModel);
    seedModel.dispose();
    const after: Record<string, StepRun> = {};

    for (const backend of ["wasm", "cpu"] as const) {
      await tf.setBackend(backend);
      await tf.ready();

      // Before: stock kernels only.
      unregisterKernels();
      let before = "";
      if (backend === "wasm") {
        const tensors = tf.memory().numTensors;
        try {
          runSteps(spec, initial, 2);
          before = "ran (unexpected)";
        } catch (error) {
          before = `fails: ${(error as Error).message}`;
        }
        if (tf.memory().numTensors !== tensors) before += ` (left ${tf.memory().numTensors - tensors} tensors)`;
      } else if (spec.name === "sentiment" && !args["stock-cpu-sentiment"]) {
        before = "estimate below";
      } else {
        const run = runSteps(spec, initial, STEPS);
        before = fmt(run.msPerStep);
      }

      registerKernels();
      const run = runSteps(spec, initial, STEPS);
      after[backend] = run;

      if (backend === "cpu" && spec.name === "sentiment" && !args["stock-cpu-sentiment"]) {
        const { ids, inner, rows: vocab } = spec.segmentSum;
        const ours = timeSegmentSum(ids, inner, vocab, 3);
        unregisterKernels();
        const small = [500, 1000].map((v) => ({ v, ms: timeSegmentSum(ids, inner, v, 1) }));
        registerKernels();
        const [a, b] = small as [{ v: number; ms: number }, { v: number; ms: number }];
        // The stock kernel does one pass per segment, so its time is proportional to the number of segments;
        // take the per-segment cost from the larger vocabulary (the smaller one is printed as a cross-check).
        const perRow = b.ms / b.v;
        const stockAtVocab = perRow * vocab;
        // The backward pass runs one UnsortedSegmentSum for the Embedding.
        const estimate = run.msPerStep - ours + stockAtVocab;
        before =
          `~${fmt(estimate)} (estimated: stock kernel ${a.ms.toFixed(0)} ms at ${a.v} rows, ${b.ms.toFixed(0)} ms at ${b.v} rows, ` +
          `${perRow.toFixed(2)} ms/row → ${fmt(stockAtVocab)} at ${vocab} rows; ours ${ours.toFixed(1)} ms)`;
      }
      // The kernel alone on this model's Embedding-gradient shape, ours and (where it exists and finishes) stock.
      const { ids, inner, rows: segs } = spec.segmentSum;
      const oursMs = timeSegmentSum(ids, inner, segs, 5);
      let stockKernel = "missing";
      if (backend === "cpu") {
        if (segs <= 1000) {
          unregisterKernels();
          stockKernel = `${timeSegmentSum(ids, inner, segs, 1).toFixed(1)} ms`;
          registerKernels();
        } else {
          stockKernel = "see estimate";
        }
      }
      rows.push({
        model: spec.name,
        backend,
        before,
        after: fmt(run.msPerStep),
        kernel: `stock ${stockKernel}, ours ${oursMs.toFixed(2)} ms`,
        losses: run.losses.map((l) => l.toFixed(4)).join(" → "),
      });
      console.log(JSON.stringify(rows[rows.length - 1]));
    }

    const cpu = after["cpu"];
    const wasm = after["wasm"];
    if (cpu !== undefined && wasm !== undefined) {
      const lossDiff = Math.abs((cpu.losses[0] as number) - (wasm.losses[0] as number));
      const { max, where } = maxAbsDiff(cpu.firstStepWeights, wasm.firstStepWeights);
      console.log(
        `${spec.name}: one step from identical weights, cpu vs wasm: |loss diff| ${lossDiff.toExponential(2)}, ` +
          `max |weight diff| ${max.toExponential(2)} (${where}) → ${lossDiff <= 1e-4 && max <= 1e-4 ? "within" : "NOT within"} 1e-4`,
      );
    }
  }
  console.log("\nmodel      engine  step before (stock kernels) | step after registerKernels() | UnsortedSegmentSum alone | losses (same batch)");
  for (const r of rows) {
    console.log(`${r["model"]?.padEnd(10)} ${r["backend"]?.padEnd(7)} ${r["before"]} | ${r["after"]} | ${r["kernel"]} | ${r["losses"]}`);
  }
}

await main();
