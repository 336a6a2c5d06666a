// The app's Web Worker: the tfjs engine, data preparation, training, evaluation, prediction, generation and
// bundles all run here, so the page's main thread only draws. It answers requests (src/protocol.ts) and posts
// progress at most every ~100 ms.
import { formatBackendReport, initBackend } from "@recurrent/backends";
import {
  buildCharLanguageModel,
  buildSentimentModel,
  decodeBundle,
  encodeBundle,
  evaluateLanguageModel,
  evaluateSentimentModel,
  fusedAdam,
  httpBundleReader,
  predictProbabilities,
  trainModel,
  ModelsError,
  type BinaryClassificationMetrics,
  type BundleFileReader,
  type EpochRecord,
  type LanguageModelEvaluation,
  type TrainingBatch,
  type TrainingProgress,
} from "@recurrent/models";
import { CharEncoder, charChunkBatches, charChunks, TokenTextEncoder } from "@recurrent/text-prep";
import * as tf from "@tensorflow/tfjs";
import plainWasm from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url";
import simdWasm from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url";
import threadedSimdWasm from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url";
import { pickedBundleReader, zipBundle } from "../bundles/bundle-files";
import { readImdbArchive, readImdbFolder, type LabeledReview } from "../data/imdb-archive";
import { isPackedFolder, unpackFolder } from "../data/folder-blob";
import { buildEncoder, encodeReview, encodeSplit, makeBatches, splitReviews, type EncodedSplit } from "../data/imdb-data";
import { holdOut, prepareText } from "../data/novel-text";
import { thousands } from "../format";
import { streamCharacters } from "../generation/stream-characters";
import type { CharRunConfig, CurvePoint, DataSummary, Event, GenerateRequest, InitInfo, ModelSummary, ProgressInfo, Request, SentimentRunConfig, Task, TrainConfig } from "../protocol";
import { indexedDbCheckpointStore, loadRun, startRun, updateRun, type RunRecord } from "../storage/run-storage";
import { threadedWasmDecision, type WasmThreadsMode } from "./wasm-threads";

// The parts of DedicatedWorkerGlobalScope used here (the page and the worker share one tsconfig with the DOM lib).
declare const self: {
  postMessage(message: unknown, transfer: Transferable[]): void;
  onmessage: ((message: MessageEvent<Request>) => void) | null;
  readonly crossOriginIsolated: boolean;
  readonly location: Location;
};

const SENTIMENT_KIND = "imdb-sentiment";
const CHAR_KIND = "char-lm";
/** The page is told about progress at most this often. */
const POST_EVERY_MS = 100;
/** How long the page waits for the engine before saying it failed. */
const ENGINE_TIMEOUT_MS = 60_000;

const post = (event: Event, transfer: Transferable[] = []): void => self.postMessage(event, transfer);

// ---------------------------------------------------------------------------------------------- engine

let engine: Promise<InitInfo> | null = null;
/** The page's `?wasm-threads=` (set by its `init` request: a worker's own URL has no query). */
let wasmThreads: WasmThreadsMode = "auto";

/** Starts the engine once; every request that needs it waits on the same start, at most {@link ENGINE_TIMEOUT_MS}. */
function setUpEngine(): Promise<InitInfo> {
  if (engine !== null) return engine;
  let timer: ReturnType<typeof setTimeout> | undefined;
  // a page must not wait forever on an engine that never comes up (issue #12 saw initBackend hang)
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the engine did not start within ${ENGINE_TIMEOUT_MS / 1000} s (initBackend neither resolved nor rejected)`)), ENGINE_TIMEOUT_MS);
  });
  engine = Promise.race([startEngine(), timeout]).finally(() => clearTimeout(timer));
  return engine;
}

function startEngine(): Promise<InitInfo> {
  return (async () => {
    const adjustments: string[] = [];
    // tfjs picks its threaded wasm binary where SharedArrayBuffer exists (a cross-origin isolated page); see
    // wasm-threads.ts for when the app lets it, and vite.config.ts's tfjsThreadedWasmSource for why it starts in a
    // minified build (issue #12: "e is not defined")
    const threaded = threadedWasmDecision(wasmThreads, self.crossOriginIsolated, navigator.hardwareConcurrency);
    if (self.crossOriginIsolated && !threaded.use) {
      await import("@tensorflow/tfjs-backend-wasm"); // registers the flag (initBackend imports the same module)
      tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
    }
    if (threaded.why !== null) adjustments.push(threaded.why);
    const report = await initBackend({
      order: ["wasm", "cpu"], // a page has no native TensorFlow
      // Vite copied the three binaries into the build (hashed names), see the ?url imports above
      wasmPaths: {
        "tfjs-backend-wasm.wasm": plainWasm,
        "tfjs-backend-wasm-simd.wasm": simdWasm,
        "tfjs-backend-wasm-threaded-simd.wasm": threadedSimdWasm,
      },
      log: false,
    });
    return {
      report,
      reportText: formatBackendReport(report),
      crossOriginIsolated: self.crossOriginIsolated,
      hardwareConcurrency: navigator.hardwareConcurrency,
      adjustments,
    };
  })();
}

// ---------------------------------------------------------------------------------------------- state

interface SentimentModelState {
  model: tf.LayersModel;
  encoder: TokenTextEncoder;
  run: SentimentRunConfig;
  metrics: { validation: BinaryClassificationMetrics | null; test: BinaryClassificationMetrics | null };
}

interface CharModelState {
  model: tf.LayersModel;
  encoder: CharEncoder;
  run: CharRunConfig;
  metrics: { heldOut: LanguageModelEvaluation | null };
}

let sentiment: SentimentModelState | null = null;
let char: CharModelState | null = null;
let training: { task: Task; controller: AbortController } | null = null;
let generation: AbortController | null = null;

function replaceModel(task: Task, next: SentimentModelState | CharModelState | null): void {
  const previous = task === "sentiment" ? sentiment : char;
  if (previous !== null && previous.model !== next?.model) previous.model.dispose();
  if (task === "sentiment") sentiment = next as SentimentModelState | null;
  else char = next as CharModelState | null;
}

/** SHA-256 of every weight's bytes in model order: equal digests, equal weights. */
async function weightsDigest(model: tf.LayersModel): Promise<string> {
  const parts = model.weights.map((w) => w.read().dataSync() as Float32Array);
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const all = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    all.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), offset);
    offset += p.byteLength;
  }
  return sha256(all);
}

/** Hex SHA-256 of bytes. */
async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Gives the event loop a turn every ~50 ms during long synchronous stretches (so messages such as a stop get in). */
function yielder(): () => Promise<void> {
  let last = performance.now();
  return async () => {
    if (performance.now() - last < 50) return;
    await new Promise((resolve) => setTimeout(resolve, 0));
    last = performance.now();
  };
}

// ---------------------------------------------------------------------------------------------- data

interface SentimentData {
  summary: Extract<DataSummary, { task: "sentiment" }>;
  encoder: TokenTextEncoder;
  train: EncodedSplit;
  validation: EncodedSplit;
  testTexts: { text: string; label: 0 | 1 }[];
}

/** The reviews of the last source read, so that training again on the same file does not read it again. */
let readCache: { source: Blob; reviews: LabeledReview[] } | null = null;

async function readReviews(source: Blob, name: string): Promise<LabeledReview[]> {
  if (readCache?.source === source) return readCache.reviews;
  let lastPost = 0;
  const onProgress = (p: { bytesRead: number; bytesTotal: number; reviews: number }) => {
    const now = performance.now();
    if (now - lastPost < POST_EVERY_MS) return;
    lastPost = now;
    post({
      type: "status",
      task: "sentiment",
      phase: "reading",
      text: `reading ${name}: ${(p.bytesRead / 1e6).toFixed(1)} of ${(p.bytesTotal / 1e6).toFixed(1)} MB, ${thousands(p.reviews)} reviews`,
      fraction: p.bytesTotal > 0 ? p.bytesRead / p.bytesTotal : 0,
    });
  };
  const reviews = await (isPackedFolder(source) ? readImdbFolder(await unpackFolder(source), onProgress) : readImdbArchive(source, name, onProgress));
  readCache = { source, reviews };
  return reviews;
}

async function prepareSentiment(run: SentimentRunConfig, source: Blob, name: string): Promise<SentimentData> {
  const started = performance.now();
  post({ type: "status", task: "sentiment", phase: "reading", text: `reading ${name}`, fraction: 0 });
  const reviews = await readReviews(source, name);
  post({ type: "status", task: "sentiment", phase: "preparing", text: `${thousands(reviews.length)} reviews read; splitting, tokenizing and encoding` });
  await new Promise((resolve) => setTimeout(resolve, 0));
  const splits = splitReviews(reviews, { seed: run.seed, limit: run.limit });
  const encoder = buildEncoder(splits.train);
  const train = encodeSplit(encoder, splits.train, run.maxTokens);
  const validation = encodeSplit(encoder, splits.validation, run.maxTokens);
  const firstEpoch = makeBatches(train, run, run.seed);
  const summary: SentimentData["summary"] = {
    task: "sentiment",
    source: name,
    reviews: splits.total,
    train: splits.train.length,
    validation: splits.validation.length,
    test: splits.test.length,
    vocabSize: encoder.vocabSize,
    vocabularyDigest: await sha256(new TextEncoder().encode(JSON.stringify(encoder.toJSON()))),
    batchesPerEpoch: firstEpoch.length,
    paddingFraction: firstEpoch.paddingFraction,
    seconds: (performance.now() - started) / 1000,
  };
  post({ type: "data", summary });
  return { summary, encoder, train, validation, testTexts: splits.test };
}

interface CharData {
  summary: Extract<DataSummary, { task: "char" }>;
  encoder: CharEncoder;
  train: ReturnType<typeof charChunks>;
  heldOut: ReturnType<typeof charChunks>;
}

async function prepareChar(run: CharRunConfig, source: Blob, name: string): Promise<CharData> {
  const started = performance.now();
  post({ type: "status", task: "char", phase: "reading", text: `reading ${name}`, fraction: 0 });
  const { text, sliced } = prepareText(new Uint8Array(await source.arrayBuffer()), name, 4 * (run.seqLength + 1));
  const encoder = CharEncoder.fromText(text);
  const ids = encoder.encode(text);
  const split = holdOut(ids, run.heldOut);
  const train = charChunks(split.train, run.seqLength);
  const heldOut = charChunks(split.heldOut, run.seqLength);
  const batchesPerEpoch = Math.floor(train.shape[0] / run.batchSize);
  if (batchesPerEpoch < 1) {
    throw new RangeError(`expected at least one batch of ${run.batchSize} chunks of ${run.seqLength + 1} characters, the text gives ${train.shape[0]} chunks`);
  }
  if (heldOut.shape[0] < 1) throw new RangeError(`expected the held-out ${run.heldOut} of the text to hold one chunk of ${run.seqLength + 1} characters, it holds none`);
  const summary: CharData["summary"] = {
    task: "char",
    source: name,
    characters: text.length,
    distinct: encoder.size,
    sliced,
    trainCharacters: split.train.length,
    heldOutCharacters: split.heldOut.length,
    batchesPerEpoch,
    seconds: (performance.now() - started) / 1000,
  };
  post({ type: "data", summary });
  return { summary, encoder, train, heldOut };
}

// ---------------------------------------------------------------------------------------------- training

/** Batches that give the event loop a turn now and then and report how far a pass has got. */
async function* paced<B>(batches: Iterable<B>, onBatch?: (done: number) => void): AsyncGenerator<B> {
  const pause = yielder();
  let done = 0;
  for (const batch of batches) {
    yield batch;
    onBatch?.(++done);
    await pause();
  }
}

async function runTraining(record: RunRecord, resume: boolean): Promise<ModelSummary> {
  if (training !== null) throw new Error(`a ${training.task} run is training; stop it first`);
  const config = record.config as TrainConfig;
  const task = config.task;
  const controller = new AbortController();
  training = { task, controller };
  try {
    await setUpEngine();
    const isSentiment = config.task === "sentiment";
    const data = config.task === "sentiment" ? await prepareSentiment(config.run, record.source, record.sourceName) : await prepareChar(config.run, record.source, record.sourceName);
    const batchesPerEpoch = data.summary.batchesPerEpoch;
    const epochs = config.run.epochs;
    const totalSteps = Math.min(epochs * batchesPerEpoch, config.maxSteps ?? Number.POSITIVE_INFINITY);
    const model =
      config.task === "sentiment"
        ? buildSentimentModel({ vocabSize: (data as SentimentData).encoder.vocabSize, ...config.run.model, seed: config.run.seed, implementation: "fast" })
        : buildCharLanguageModel({ vocabSize: (data as CharData).encoder.size, embeddingDim: config.run.embeddingDim, units: config.run.units, seed: config.run.seed, implementation: "fast" });

    // what the run record keeps with each checkpoint: position and the curves so far
    const curve: CurvePoint[] = resume ? [...record.curve] : [];
    let lastCheckpointStep: number | null = resume ? record.step : null;
    let current: TrainingProgress | null = null;
    const store = indexedDbCheckpointStore(task, () => {
      lastCheckpointStep = current?.step ?? lastCheckpointStep;
      return {
        step: current?.step ?? record.step,
        epoch: current?.epoch ?? record.epoch,
        batchesPerEpoch,
        curve: curve.slice(),
      };
    });
    const existing = resume ? await store.load() : null;
    const resumedFrom = existing === null ? null : record.step;
    let pending: CurvePoint[] = [];
    let lastPost = 0;
    const started = performance.now();
    let sessionSteps = 0;
    const flush = (force: boolean) => {
      if (current === null) return;
      const now = performance.now();
      if (!force && now - lastPost < POST_EVERY_MS) return;
      lastPost = now;
      const progress: ProgressInfo = {
        task,
        epoch: current.epoch,
        epochs,
        batch: current.batch,
        batchesPerEpoch,
        step: current.step,
        totalSteps,
        loss: current.loss,
        meanLoss: current.meanLoss,
        msPerStep: sessionSteps > 0 ? (now - started) / sessionSteps : 0,
        etaSeconds: Math.max(0, totalSteps - current.step) / Math.max(current.batchesPerSecond, 1e-9),
        checkpointStep: lastCheckpointStep,
        checkpointsSaved: store.saves,
        resumedFrom,
      };
      post({ type: "progress", progress, points: pending });
      pending = [];
    };
    post({ type: "status", task, phase: "training", text: resumedFrom === null ? "training" : `resuming from step ${resumedFrom}` });

    const common = {
      epochs,
      optimizer: fusedAdam(config.run.learningRate),
      ...(config.run.clipNorm === null ? {} : { clipNorm: config.run.clipNorm }),
      checkpoint: store,
      checkpointEverySteps: config.checkpointEvery,
      ...(config.maxSteps === null ? {} : { maxSteps: config.maxSteps }),
      batchesPerEpoch,
      signal: controller.signal,
      onProgress: (p: TrainingProgress) => {
        current = p;
        sessionSteps++;
        const point = { step: p.step, loss: p.loss };
        curve.push(point);
        pending.push(point);
        flush(false);
      },
      onEpochEnd: (r: EpochRecord) => {
        const point: CurvePoint = { step: r.epoch * batchesPerEpoch, loss: r.loss, accuracy: r.accuracy, ...(r.valLoss === undefined ? {} : { valLoss: r.valLoss }), ...(r.valAccuracy === undefined ? {} : { valAccuracy: r.valAccuracy }) };
        curve.push(point);
        flush(true);
        post({ type: "epoch", task, record: r, point });
      },
    };
    let result;
    try {
      if (config.task === "sentiment") {
        const d = data as SentimentData;
        const run = config.run;
        result = await trainModel(model, {
          ...common,
          task: "binary-classification",
          // bucketed batches are reshuffled each epoch; plain padded batches keep the chapter's fixed order (as the CLI)
          train: (epoch) => makeBatches(d.train, run, run.seed + epoch),
          validation: () => paced(makeBatches(d.validation, run, undefined)),
          earlyStopping: { monitor: "val_loss", patience: run.patience, restoreBestWeights: true },
        });
      } else {
        const d = data as CharData;
        const run = config.run;
        result = await trainModel(model, {
          ...common,
          task: "language-model",
          train: (epoch) => charChunkBatches(d.train, { batchSize: run.batchSize, seed: run.seed + epoch }),
          validation: () => paced(charChunkBatches(d.heldOut, { batchSize: run.batchSize, dropRemainder: false })),
        });
      }
    } catch (error) {
      flush(true);
      model.dispose();
      if (error instanceof ModelsError && error.code === "ABORTED") {
        post({ type: "status", task, phase: "stopped", text: `stopped at step ${(current as TrainingProgress | null)?.step ?? record.step}; checkpoint saved: resume any time, also after a reload` });
      }
      throw error;
    }
    flush(true);
    await updateRun(task, { status: "finished", step: result.steps, curve });

    post({ type: "status", task, phase: "evaluating", text: isSentiment ? "evaluating on the test split" : "evaluating on the held-out text", fraction: 0 });
    let lastPost2 = 0;
    const onBatch = (total: number) => (done: number) => {
      const now = performance.now();
      if (now - lastPost2 < POST_EVERY_MS) return;
      lastPost2 = now;
      post({ type: "status", task, phase: "evaluating", text: `evaluating: ${done} of ${total} batches`, fraction: done / total });
    };
    let summary: ModelSummary;
    if (config.task === "sentiment") {
      const d = data as SentimentData;
      const run = config.run;
      const validation = await evaluateSentimentModel(model, paced(makeBatches(d.validation, run, undefined)));
      const testSet = encodeSplit(d.encoder, d.testTexts, run.maxTokens);
      const testBatches = makeBatches(testSet, run, undefined);
      const test = await evaluateSentimentModel(model, paced(testBatches, onBatch(testBatches.length)));
      replaceModel("sentiment", { model, encoder: d.encoder, run, metrics: { validation, test } });
      summary = {
        task: "sentiment",
        origin: "trained",
        history: result.history,
        steps: result.steps,
        stopReason: result.stopReason,
        test,
        validation,
        vocabSize: d.encoder.vocabSize,
        digest: await weightsDigest(model),
        description: `trained here on ${thousands(d.summary.train)} reviews of ${record.sourceName}`,
      };
    } else {
      const d = data as CharData;
      const run = config.run;
      const batches = [...charChunkBatches(d.heldOut, { batchSize: run.batchSize, dropRemainder: false })] as TrainingBatch[];
      const heldOut = await evaluateLanguageModel(model, paced(batches, onBatch(batches.length)));
      replaceModel("char", { model, encoder: d.encoder, run, metrics: { heldOut } });
      summary = {
        task: "char",
        origin: "trained",
        history: result.history,
        steps: result.steps,
        stopReason: result.stopReason,
        heldOut,
        vocabSize: d.encoder.size,
        digest: await weightsDigest(model),
        description: `trained here on ${thousands(d.summary.trainCharacters)} characters of ${record.sourceName}`,
      };
    }
    const why = result.stopReason === "early-stopping" ? `stopped early, best epoch ${result.bestEpoch}` : result.stopReason === "max-steps" ? "the max steps" : `all ${epochs} epochs`;
    const figure =
      summary.task === "sentiment"
        ? summary.test === null ? "" : `; test accuracy ${(100 * summary.test.accuracy).toFixed(2)} %`
        : summary.heldOut === null ? "" : `; held-out ${summary.heldOut.bitsPerCharacter.toFixed(3)} bits per character`;
    post({ type: "status", task, phase: "done", text: `done: ${result.steps} steps (${why})${figure}` });
    post({ type: "model", summary });
    return summary;
  } finally {
    training = null;
  }
}

// ---------------------------------------------------------------------------------------------- bundles

async function loadBundle(task: Task, reader: BundleFileReader): Promise<ModelSummary> {
  await setUpEngine();
  if (task === "sentiment") {
    const bundle = await decodeBundle(reader, { reviveEncoder: (json) => TokenTextEncoder.fromJSON(json), expectedKind: SENTIMENT_KIND });
    const config = bundle.config as { run?: SentimentRunConfig } | null;
    if (config?.run === undefined) throw new Error(`expected the bundle's config.json to hold the run's options ({ run: { seed, maxTokens, … } }), got ${JSON.stringify(bundle.config)}`);
    const metrics = (bundle.metrics ?? {}) as { validation?: BinaryClassificationMetrics; test?: BinaryClassificationMetrics };
    replaceModel("sentiment", { model: bundle.model, encoder: bundle.encoder, run: config.run, metrics: { validation: metrics.validation ?? null, test: metrics.test ?? null } });
    const summary: ModelSummary = {
      task: "sentiment",
      origin: "bundle",
      history: [],
      steps: 0,
      stopReason: null,
      test: metrics.test ?? null,
      validation: metrics.validation ?? null,
      vocabSize: bundle.encoder.vocabSize,
      digest: await weightsDigest(bundle.model),
      description: `bundle written ${bundle.manifest.createdAt}`,
    };
    post({ type: "model", summary });
    return summary;
  }
  const bundle = await decodeBundle(reader, { reviveEncoder: (json) => CharEncoder.fromJSON(json), expectedKind: CHAR_KIND });
  const config = bundle.config as { run?: CharRunConfig } | null;
  if (config?.run === undefined) throw new Error(`expected the bundle's config.json to hold the run's options ({ run: { seqLength, … } }), got ${JSON.stringify(bundle.config)}`);
  const metrics = (bundle.metrics ?? {}) as { heldOut?: LanguageModelEvaluation };
  replaceModel("char", { model: bundle.model, encoder: bundle.encoder, run: config.run, metrics: { heldOut: metrics.heldOut ?? null } });
  const summary: ModelSummary = {
    task: "char",
    origin: "bundle",
    history: [],
    steps: 0,
    stopReason: null,
    heldOut: metrics.heldOut ?? null,
    vocabSize: bundle.encoder.size,
    digest: await weightsDigest(bundle.model),
    description: `bundle written ${bundle.manifest.createdAt}`,
  };
  post({ type: "model", summary });
  return summary;
}

async function exportBundle(task: Task): Promise<{ name: string; zip: Uint8Array }> {
  const state = task === "sentiment" ? sentiment : char;
  if (state === null) throw new Error(`expected a ${task === "sentiment" ? "sentiment" : "character"} model to download: train one or load a bundle first`);
  const files =
    task === "sentiment"
      ? await encodeBundle({ kind: SENTIMENT_KIND, model: state.model, encoder: state.encoder as TokenTextEncoder, config: { run: state.run, implementation: "fast" }, metrics: { validation: (state as SentimentModelState).metrics.validation, test: (state as SentimentModelState).metrics.test } })
      : await encodeBundle({ kind: CHAR_KIND, model: state.model, encoder: state.encoder as CharEncoder, config: { run: state.run }, metrics: { heldOut: (state as CharModelState).metrics.heldOut } });
  return { name: `${task === "sentiment" ? SENTIMENT_KIND : CHAR_KIND}-bundle.zip`, zip: zipBundle(files) };
}

// ---------------------------------------------------------------------------------------------- requests

async function handle(request: Request): Promise<unknown> {
  switch (request.type) {
    case "init":
      wasmThreads = request.wasmThreads;
      return setUpEngine();
    case "train": {
      const config = request.config;
      const record: RunRecord = {
        task: config.task,
        config,
        source: request.source,
        sourceName: request.sourceName,
        createdAt: new Date().toISOString(),
        updatedAt: new Date().toISOString(),
        status: "running",
        step: 0,
        epoch: 0,
        epochs: config.run.epochs,
        batchesPerEpoch: null,
        curve: [],
      };
      if (training !== null) throw new Error(`a ${training.task} run is training; stop it first`);
      await startRun(record);
      return runTraining(record, false);
    }
    case "resume": {
      const record = await loadRun(request.task);
      if (record === null) throw new Error(`expected a stored ${request.task} run to resume, found none`);
      return runTraining(record, true);
    }
    case "stop": {
      if (training?.task === request.task) training.controller.abort(new Error("stopped by the visitor"));
      return training?.task === request.task;
    }
    case "predict": {
      if (sentiment === null) throw new Error("expected a sentiment model: train one or load a bundle first");
      const ids = encodeReview(sentiment.encoder, request.text, sentiment.run.maxTokens);
      const [p] = predictProbabilities(sentiment.model, { inputs: ids, shape: [1, ids.length] });
      return { probability: p as number, tokens: ids.length };
    }
    case "load-bundle": {
      const reader = request.url !== undefined ? httpBundleReader(new URL(request.url, self.location.href).href) : await pickedBundleReader(request.files ?? []);
      return loadBundle(request.task, reader);
    }
    case "export-bundle": {
      const { name, zip } = await exportBundle(request.task);
      return { name, zip };
    }
    case "generate":
      return generate(request.id, request.request);
    case "stop-generation":
      generation?.abort();
      return generation !== null;
    case "digest": {
      const state = request.task === "sentiment" ? sentiment : char;
      return state === null ? null : weightsDigest(state.model);
    }
  }
}

async function generate(id: number, request: GenerateRequest): Promise<{ text: string; count: number; stopped: boolean }> {
  if (char === null) throw new Error("expected a character model: train one or load a bundle first");
  generation?.abort();
  const controller = new AbortController();
  generation = controller;
  let pending = "";
  let text = "";
  let count = 0;
  let lastPost = performance.now();
  try {
    for await (const c of streamCharacters(char.model, char.encoder, { ...request, signal: controller.signal })) {
      pending += c;
      text += c;
      count++;
      const now = performance.now();
      if (now - lastPost >= POST_EVERY_MS / 2) {
        post({ type: "generated", id, text: pending, done: false, count });
        pending = "";
        lastPost = now;
      }
    }
  } finally {
    post({ type: "generated", id, text: pending, done: true, count });
    if (generation === controller) generation = null;
  }
  return { text, count, stopped: controller.signal.aborted };
}

self.onmessage = (message: MessageEvent<Request>) => {
  const request = message.data;
  handle(request).then(
    (value) => {
      const transfer = request.type === "export-bundle" ? [(value as { zip: Uint8Array }).zip.buffer as ArrayBuffer] : [];
      post({ type: "reply", id: request.id, ok: true, value }, transfer);
    },
    (error: unknown) => {
      const text = error instanceof Error ? error.message : String(error);
      if (request.type === "train" || request.type === "resume") {
        const task = request.type === "train" ? request.config.task : request.task;
        if (!(error instanceof ModelsError && error.code === "ABORTED")) post({ type: "status", task, phase: "failed", text });
      }
      post({ type: "reply", id: request.id, ok: false, error: text });
    },
  );
};
