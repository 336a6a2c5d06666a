import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildCharLanguageModel, createRandom, fastGru, ModelsError, sampleFromLogits, streamTokens, type SamplingOptions } from "../index";
import type { CellKind } from "@recurrent/rnn-cells";
import { createCharModelStepper } from "./char-model-stepper";

// The stateful stream against the reference: a full-sequence `model.predict` of the growing text at every step
// (the stock tf.layers implementation, so the reference shares no code with the stepper; for Keras's reset-after GRU,
// which tf.layers lacks, our FastGRU, itself checked against PyTorch's GRU in fast-gru-reset-after.test.ts). Tiny random models
// with weights in ±0.8 (large enough that the logits spread over several units and the state saturates).

const VOCAB = 7;

/** Deterministic pseudo-random values in [-scale, scale) (LCG), so failures reproduce. */
function values(n: number, seed: number, scale: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s / 2 ** 32) * 2 - 1) * scale;
  }
  return out;
}

interface TinyModel {
  cell: CellKind;
  activation?: string;
  recurrentActivation?: string;
  maskZero?: boolean;
  /** GRU only: Keras's reset_after=True (a FastGRU; bias [2, 3·units]). */
  resetAfter?: boolean;
}

/** Embedding(VOCAB, 5) → cell(6, sequences) → Dense(VOCAB), stock tf.layers, weights from {@link values}. */
function tinyModel(spec: TinyModel, seed = 1): tf.LayersModel {
  const config = {
    units: 6,
    returnSequences: true,
    recurrentInitializer: "zeros" as const,
    ...(spec.activation === undefined ? {} : { activation: spec.activation as "tanh" }),
    ...(spec.recurrentActivation === undefined ? {} : { recurrentActivation: spec.recurrentActivation as "sigmoid" }),
  };
  const recurrent =
    spec.cell === "lstm"
      ? tf.layers.lstm(config)
      : spec.cell === "gru"
        ? spec.resetAfter === true
          ? fastGru({ ...config, resetAfter: true })
          : tf.layers.gru(config)
        : tf.layers.simpleRNN(config);
  const model = tf.sequential({
    layers: [
      tf.layers.embedding({ inputDim: VOCAB, outputDim: 5, inputShape: [null], maskZero: spec.maskZero === true }),
      recurrent,
      tf.layers.dense({ units: VOCAB }),
    ],
  });
  model.setWeights(model.weights.map((w, i) => tf.tensor(values(w.shape.reduce((a, b) => (a as number) * (b as number), 1) as number, seed * 31 + i, 0.8), w.shape as number[])));
  return model;
}

/** The logits after the last id of `ids`, by running the whole model on the whole sequence. */
function referenceLogits(model: tf.LayersModel, ids: number[]): Float32Array {
  return tf.tidy(() => {
    const out = model.predict(tf.tensor2d(Int32Array.from(ids), [1, ids.length], "int32")) as tf.Tensor3D;
    return out.slice([0, ids.length - 1, 0], [1, 1, VOCAB]).dataSync() as Float32Array;
  });
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length, "logit count").toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}

async function collect(iterator: AsyncIterable<number>): Promise<number[]> {
  const out: number[] = [];
  for await (const id of iterator) out.push(id);
  return out;
}

const SPECS: TinyModel[] = [
  { cell: "lstm" }, // tfjs defaults: tanh, hardSigmoid
  { cell: "lstm", recurrentActivation: "sigmoid", maskZero: true },
  { cell: "gru", recurrentActivation: "sigmoid" },
  { cell: "gru", recurrentActivation: "sigmoid", resetAfter: true }, // Keras's default GRU
  { cell: "gru", resetAfter: true, maskZero: true },
  { cell: "simple-rnn" }, // tanh
  { cell: "simple-rnn", activation: "relu" },
  { cell: "lstm", activation: "swish" }, // not a fused activation: "auto" runs plain ops
];
const label = (s: TinyModel) => `${s.cell} (${[s.activation, s.recurrentActivation, s.resetAfter === true ? "resetAfter" : undefined, s.maskZero === true ? "maskZero" : undefined].filter(Boolean).join(", ") || "defaults"})`;

for (const backend of ["cpu", "wasm"] as const) {
  describe(`streaming generation on ${backend}`, () => {
    beforeAll(async () => {
      await tf.setBackend(backend);
    });
    let before = 0;
    afterEach(() => {
      expect(tf.memory().numTensors, "tensors leaked by the test").toBe(before);
    });

    for (const spec of SPECS) {
      for (const kernels of ["fused", "ops"] as const) {
        const fusable = spec.activation !== "swish";
        it.runIf(fusable || kernels === "ops")(`${label(spec)}, ${kernels}: every step's logits equal a full-sequence predict of the text so far within 1e-5`, async () => {
          const model = tinyModel(spec);
          before = tf.memory().numTensors;
          const start = spec.maskZero === true ? [3, 0, 1, 0] : [3, 1];
          const sampling: SamplingOptions = { scale: 0.7, topK: 6 };
          // the stream itself: ids only
          const streamed = await collect(streamTokens(model, { start, length: 40, seed: 5, kernels, ...sampling }));
          expect(tf.memory().numTensors, "tensors left by the stream").toBe(before);
          // the same ids from the reference logits and the same sampler
          const random = createRandom(5);
          const text = [...start];
          const expected: number[] = [];
          for (let i = 0; i < 40; i++) {
            const id = sampleFromLogits(referenceLogits(model, text), random, sampling);
            expected.push(id);
            text.push(id);
          }
          expect(streamed).toStrictEqual(expected);
          if (spec.maskZero === true) expect(streamed).toContain(0); // the padding id went through a step too
          // and the logits behind them, step by step
          const stepper = createCharModelStepper(model, { kernels });
          expect(stepper.kernels).toBe(kernels);
          let maxError = 0;
          const primed = stepper.prime(start);
          maxError = Math.max(maxError, maxAbsDiff(primed.dataSync(), referenceLogits(model, start)));
          primed.dispose();
          for (let i = 0; i < expected.length; i++) {
            const logits = stepper.step(expected[i]!);
            expect(logits.shape).toStrictEqual([VOCAB]);
            expect(logits.dtype).toBe("float32");
            maxError = Math.max(maxError, maxAbsDiff(logits.dataSync(), referenceLogits(model, [...start, ...expected.slice(0, i + 1)])));
            logits.dispose();
          }
          stepper.dispose();
          expect(maxError, "max |logit − reference| over 41 steps").toBeLessThanOrEqual(1e-5);
          model.dispose();
          before = tf.memory().numTensors;
        });
      }
    }

    it('"auto" picks the fused kernels where they run, plain ops otherwise; "fused" says why it cannot run', () => {
      const lstm = tinyModel({ cell: "lstm" });
      const unfused = tinyModel({ cell: "lstm", activation: "swish" });
      before = tf.memory().numTensors;
      const a = createCharModelStepper(lstm);
      const b = createCharModelStepper(unfused);
      expect([a.kernels, b.kernels]).toStrictEqual(["fused", "ops"]);
      a.dispose();
      b.dispose();
      expect(() => createCharModelStepper(unfused, { kernels: "fused" })).toThrow(
        'expected the fused step kernels to be usable (kernels: "fused"), but activation "swish" is not one of the fused linear, tanh, sigmoid, hardSigmoid, relu, softsign, elu, selu, softplus',
      );
      lstm.dispose();
      unfused.dispose();
      before = tf.memory().numTensors;
    });
  });
}

describe("streamTokens: the stream", () => {
  let model: tf.LayersModel;
  let before = 0;
  beforeAll(async () => {
    await tf.setBackend("cpu");
    model = buildCharLanguageModel({ vocabSize: VOCAB, embeddingDim: 4, units: 8, seed: 3 });
  });
  afterEach(() => {
    expect(tf.memory().numTensors, "tensors leaked").toBe(before);
  });

  it("matches the chapter's refeed method while the text fits its window, and leaks nothing when stopped early", async () => {
    before = tf.memory().numTensors;
    const options = { start: [1, 2, 3], length: 25, scale: 0.5, seed: 9 };
    const stateful = await collect(streamTokens(model, options));
    const refeed = await collect(streamTokens(model, { ...options, method: "refeed", contextLength: 1000 }));
    expect(stateful).toStrictEqual(refeed);
    const window = await collect(streamTokens(model, { ...options, method: "refeed", length: 60 }));
    expect(window).toHaveLength(60);
    const first: number[] = [];
    for await (const id of streamTokens(model, { ...options, length: Number.POSITIVE_INFINITY })) {
      first.push(id);
      if (first.length === 5) break; // return() runs the generator's finally: the state is freed
    }
    expect(first).toStrictEqual(stateful.slice(0, 5));
  });

  it("is lazy: nothing runs (and nothing is allocated) before the first next()", async () => {
    before = tf.memory().numTensors;
    const stream = streamTokens(model, { start: [1], length: 3 });
    expect(tf.memory().numTensors).toBe(before);
    expect(await stream.next()).toMatchObject({ done: false });
    await stream.return(undefined);
  });

  it("gives the event loop a turn between steps, so a timer can abort an endless stream", async () => {
    before = tf.memory().numTensors;
    const controller = new AbortController();
    const reason = new Error("enough");
    let count = 0;
    setTimeout(() => controller.abort(reason), 30);
    const started = performance.now();
    const error = await (async () => {
      for await (const _ of streamTokens(model, { start: [1], length: Number.POSITIVE_INFINITY, signal: controller.signal })) count++;
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelsError);
    expect((error as ModelsError).code).toBe("ABORTED");
    expect((error as ModelsError).cause).toBe(reason);
    expect((error as ModelsError).message).toBe(`generation aborted after ${count} tokens`);
    expect(count).toBeGreaterThan(0);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it("rejects at once on an aborted signal, and collects nothing after the abort", async () => {
    before = tf.memory().numTensors;
    const controller = new AbortController();
    controller.abort();
    await expect(streamTokens(model, { start: [1], signal: controller.signal }).next()).rejects.toMatchObject({
      code: "ABORTED",
      message: "generation aborted after 0 of 500 tokens",
    });
    const live = new AbortController();
    const seen: number[] = [];
    const run = (async () => {
      for await (const id of streamTokens(model, { start: [1], length: 100, signal: live.signal })) {
        seen.push(id);
        if (seen.length === 3) live.abort();
      }
    })();
    await expect(run).rejects.toMatchObject({ code: "ABORTED", message: "generation aborted after 3 of 100 tokens" });
    expect(seen).toHaveLength(3);
    await expect(streamTokens(model, { start: [1], method: "refeed", signal: controller.signal }).next()).rejects.toMatchObject({ code: "ABORTED" });
  });

  it("rejects bad options and models when called, naming what was expected", () => {
    expect(() => streamTokens(model, { start: [] })).toThrow("expected start to hold at least one id, got none");
    expect(() => streamTokens(model, { start: [VOCAB] })).toThrow(`expected start[0] to be an integer id in [0, ${VOCAB}), got ${VOCAB}`);
    expect(() => streamTokens(model, { start: [1], length: -1 })).toThrow("expected length to be an integer >= 0 or Infinity, got -1");
    expect(() => streamTokens(model, { start: [1], scale: 0 })).toThrow("expected scale > 0, got 0");
    expect(() => streamTokens(model, { start: [1], method: "beam" as never })).toThrow('expected method "stateful" | "refeed", got "beam"');
    expect(() => streamTokens(model, { start: [1], kernels: "gpu" as never })).toThrow('expected kernels "auto" | "fused" | "ops", got "gpu"');
    const sentiment = tf.sequential({
      layers: [tf.layers.embedding({ inputDim: 5, outputDim: 2, inputShape: [3] }), tf.layers.lstm({ units: 2 }), tf.layers.dense({ units: 1 })],
    });
    expect(() => streamTokens(sentiment, { start: [1] })).toThrow(
      "expected a character model Embedding → LSTM | GRU | SimpleRNN (returnSequences) → Dense (as built by buildCharLanguageModel), got a LSTM with returnSequences false",
    );
    const bidirectional = tf.sequential({
      layers: [
        tf.layers.embedding({ inputDim: 5, outputDim: 2, inputShape: [null] }),
        tf.layers.bidirectional({ layer: tf.layers.lstm({ units: 2, returnSequences: true }) as never }),
        tf.layers.dense({ units: 5 }),
      ],
    });
    expect(() => streamTokens(bidirectional, { start: [1] })).toThrow("got layers Embedding → Bidirectional → Dense");
    sentiment.dispose();
    bidirectional.dispose();
    before = tf.memory().numTensors;
  });
});
