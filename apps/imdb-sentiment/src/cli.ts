import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { initBackend, type BackendReport } from "@recurrent/backends";
import {
  buildSentimentModel,
  CELL_KINDS,
  resolveSentimentModelOptions,
  evaluateSentimentModel,
  fusedAdam,
  predictProbabilities,
  trainModel,
  type BinaryClassificationMetrics,
  type CellKind,
  type LayerImplementation,
  type TrainingBatch,
  type TrainingResult,
} from "@recurrent/models";
import { loadBundle } from "@recurrent/models/node";
import { keepLast, TokenTextEncoder } from "@recurrent/text-prep";
import {
  cellOption,
  cliSession,
  findRepoRoot,
  formatSeconds,
  integerOption as int,
  planRun,
  positiveOption as positive,
  progressBar,
  rateOption,
  readTextInputs,
  runCli,
  RUN_FILES,
  RunFolder,
  sharedDataFile,
  trainInRunFolder,
  type ProgressBar,
} from "app-kit";
import { Command, Option } from "commander";
import { downloadFile, OFFICIAL_IMDB_ARCHIVE } from "./download-file";
import { buildEncoder, checkReviewLengths, encodeSplit, loadImdbSplits, makeBatches, maxSequenceTokens, SHARED_ARCHIVE } from "./imdb-data";
import { renderReport } from "./render-report";
import { IDENTITY, type RunConfig } from "./run-config";

const KIND = "imdb-sentiment";


/** Where the data comes from: --data, else ../shared/data, else the official archive (downloaded once). */
async function resolveData(data: string | undefined, cacheDir: string | undefined): Promise<string> {
  if (data !== undefined) {
    if (!existsSync(data)) throw new Error(`--data ${data}: no such file or folder`);
    return resolve(data);
  }
  const shared = sharedDataFile(SHARED_ARCHIVE, process.cwd());
  if (shared !== null) return shared;
  const root = findRepoRoot(process.cwd());
  const cache = cacheDir ?? (root === null ? join(homedir(), ".cache", "recurrent") : join(root, ".cache"));
  const destination = join(cache, "aclImdb_v1.tar.gz");
  if (!existsSync(destination)) console.log(`downloading ${OFFICIAL_IMDB_ARCHIVE.url} to ${destination}`);
  return download(destination);
}

/** Downloads (or resumes) the official archive to `destination` with a progress bar, checking its SHA-256. */
async function download(destination: string): Promise<string> {
  let bar: ProgressBar | null = null;
  try {
    return await downloadFile({
      url: OFFICIAL_IMDB_ARCHIVE.url,
      destination,
      sha256: OFFICIAL_IMDB_ARCHIVE.sha256,
      onProgress: (received, total) => {
        if (bar === null) bar = progressBar("download |{bar}| {percentage}% {value}/{total} bytes | ETA {eta_formatted}", total ?? OFFICIAL_IMDB_ARCHIVE.bytes, received);
        else bar.update(received);
      },
    });
  } finally {
    (bar as ProgressBar | null)?.stop();
  }
}

async function setUpEngine(): Promise<BackendReport> {
  return initBackend({ relaxedSimd: "on", log: (text) => console.log(text) });
}

interface TrainFlags {
  data?: string;
  cacheDir?: string;
  runDir: string;
  seed: number;
  limit?: number;
  maxTokens?: number;
  bucket: boolean;
  batchSize: number;
  cell: CellKind;
  resetAfter: boolean;
  bidirectional: boolean;
  layers: number;
  units: number;
  embeddingDim: number;
  denseUnits: number;
  dropout: number;
  mask: boolean;
  learningRate: number;
  clipNorm?: number;
  epochs: number;
  patience: number;
  maxSteps?: number;
  checkpointEvery: number;
  implementation: LayerImplementation;
  restart: boolean;
}

function runConfigOf(flags: TrainFlags): RunConfig {
  return {
    seed: flags.seed,
    limit: flags.limit ?? null,
    maxTokens: flags.maxTokens ?? null,
    batchSize: flags.batchSize,
    bucket: flags.bucket,
    model: {
      cell: flags.cell,
      bidirectional: flags.bidirectional,
      layers: flags.layers,
      units: flags.units,
      embeddingDim: flags.embeddingDim,
      denseUnits: flags.denseUnits,
      dropout: flags.dropout,
      maskPadding: flags.mask,
      ...(flags.resetAfter ? { resetAfter: true } : {}), // absent when false: run.json of older runs stay resumable
    },
    learningRate: flags.learningRate,
    clipNorm: flags.clipNorm ?? null,
    epochs: flags.epochs,
    patience: flags.patience,
  };
}

async function writeOutputs(folder: RunFolder, metrics: Record<string, unknown>): Promise<void> {
  await folder.writeJson(RUN_FILES.metrics, metrics);
  const training = metrics.training as (TrainingResult & { seconds: number; msPerStep: number }) | undefined;
  const run = metrics.run as RunConfig;
  const data = metrics.data as Record<string, unknown>;
  const engine = metrics.engine as { engine?: string } | undefined;
  const html = renderReport({
    title: `IMDb sentiment: ${run.model.bidirectional ? "bidirectional " : ""}${run.model.cell} ${run.model.units}`,
    facts: {
      data: String(data.source),
      "reviews (train / validation / test)": `${String(data.train)} / ${String(data.validation)} / ${String(data.test)}`,
      "vocabulary size": Number(data.vocabSize),
      "max tokens": run.maxTokens ?? "full length",
      bucketing: run.bucket,
      "batch size": run.batchSize,
      "learning rate": run.learningRate,
      "clip norm": run.clipNorm ?? "none",
      masking: run.model.maskPadding,
      seed: run.seed,
      engine: engine?.engine ?? "?",
      "training steps": training?.steps ?? 0,
      "training wall time": training === undefined ? "" : formatSeconds(training.seconds),
      "ms per step": training?.msPerStep === undefined ? "" : Math.round(training.msPerStep),
      "stopped because": training?.stopReason ?? "",
      "test evaluation wall time": metrics.evaluateSeconds === undefined ? "not yet" : formatSeconds(Number(metrics.evaluateSeconds)),
    },
    history: training?.history ?? [],
    bestEpoch: training?.bestEpoch ?? null,
    test: (metrics.test as BinaryClassificationMetrics | undefined) ?? null,
  });
  await folder.writeText(RUN_FILES.report, html);
}

async function train(flags: TrainFlags): Promise<void> {
  const wanted = runConfigOf(flags);
  resolveSentimentModelOptions({ vocabSize: 1, ...wanted.model, implementation: flags.implementation }); // bad combinations (--reset-after without --cell gru) fail before the data is read
  const folder = await RunFolder.open(flags.runDir, { command: "imdb-sentiment train" });
  const run = { folder, config: wanted, identity: IDENTITY, restart: flags.restart };
  // refuse a mismatched or damaged run folder before reading any data
  const plan = await planRun(run);
  const engine = await setUpEngine();
  const source = await resolveData(flags.data, flags.cacheDir);

  let t = performance.now();
  console.log(`reading ${source}`);
  const splits = await loadImdbSplits(source, { seed: wanted.seed, limit: wanted.limit ?? undefined });
  const encoder = buildEncoder(splits.train);
  const trainSet = encodeSplit(encoder, splits.train, wanted.maxTokens);
  const validationSet = encodeSplit(encoder, splits.validation, wanted.maxTokens);
  const tokenLimit = maxSequenceTokens({ batchSize: wanted.batchSize, ...wanted.model });
  checkReviewLengths(trainSet, splits.train, "training", tokenLimit);
  checkReviewLengths(validationSet, splits.validation, "validation", tokenLimit);
  const batching = { batchSize: wanted.batchSize, bucket: wanted.bucket };
  const firstEpoch = makeBatches(trainSet, batching, wanted.seed);
  const dataSeconds = (performance.now() - t) / 1000;
  console.log(
    `${splits.total} reviews read; train ${splits.train.length}, validation ${splits.validation.length}, test ${splits.test.length}; ` +
      `vocabulary ${encoder.vocabulary.length} tokens (vocabSize ${encoder.vocabSize}); ${firstEpoch.length} batches per epoch, ` +
      `${(100 * firstEpoch.paddingFraction).toFixed(1)} % padding; ${dataSeconds.toFixed(1)} s`,
  );

  const model = buildSentimentModel({ vocabSize: encoder.vocabSize, ...wanted.model, seed: wanted.seed, implementation: flags.implementation });
  try {
    const trained = await trainInRunFolder({
      ...run,
      plan,
      train: ({ signal, checkpoint, resume, onProgress, printEpoch }) =>
        trainModel(model, {
          task: "binary-classification",
          // bucketed batches are reshuffled each epoch; plain padded batches keep the chapter's fixed order
          train: (epoch) => makeBatches(trainSet, batching, wanted.seed + epoch),
          validation: () => makeBatches(validationSet, batching, undefined),
          epochs: wanted.epochs,
          optimizer: fusedAdam(wanted.learningRate),
          ...(wanted.clipNorm === null ? {} : { clipNorm: wanted.clipNorm }),
          earlyStopping: { monitor: "val_loss", patience: wanted.patience, restoreBestWeights: true },
          checkpoint,
          resume,
          checkpointEverySteps: flags.checkpointEvery,
          ...(flags.maxSteps === undefined ? {} : { maxSteps: flags.maxSteps }),
          batchesPerEpoch: firstEpoch.length,
          signal,
          onProgress,
          onEpochEnd: (r) =>
            printEpoch(
              `epoch ${r.epoch}: loss ${r.loss.toFixed(4)} accuracy ${r.accuracy.toFixed(4)} | validation loss ${r.valLoss?.toFixed(4)} accuracy ${r.valAccuracy?.toFixed(4)} | ${formatSeconds(r.seconds)}`,
            ),
        }),
    });
    if (trained === null) return;
    const { result, session, total } = trained;
    console.log(
      `training: ${result.steps} steps, stopped by ${result.stopReason}; this session ${session.steps} steps in ${formatSeconds(session.seconds)}` +
        `${session.steps > 0 ? ` (${Math.round((1000 * session.seconds) / session.steps)} ms/step)` : ""}; ` +
        `in total ${total.steps} steps in ${formatSeconds(total.seconds)} over ${total.sessions} session${total.sessions === 1 ? "" : "s"}${total.msPerStep === null ? "" : ` (${Math.round(total.msPerStep)} ms/step)`}`,
    );

    t = performance.now();
    const validation = await evaluateSentimentModel(model, makeBatches(validationSet, batching, undefined));
    console.log(`validation (kept weights): accuracy ${validation.accuracy.toFixed(4)}, loss ${validation.loss.toFixed(4)}, ${formatSeconds((performance.now() - t) / 1000)}`);
    const previous = await folder.readJson(RUN_FILES.metrics);
    const metrics: Record<string, unknown> = {
      run: wanted,
      data: {
        source,
        reviews: splits.total,
        train: splits.train.length,
        validation: splits.validation.length,
        test: splits.test.length,
        vocabSize: encoder.vocabSize,
        trainTokens: trainSet.tokens,
        paddingFraction: firstEpoch.paddingFraction,
        dataSeconds,
      },
      engine: { engine: engine.backend, versions: engine.versions, implementation: flags.implementation },
      // wall time and ms/step over every session of the run, each counted up to its last checkpoint
      training: { ...result, seconds: total.seconds, msPerStep: total.msPerStep, sessions: total.sessions },
      validation,
    };
    // the model did not change: its test figures still hold
    if (!trained.trained && previous?.test !== undefined) Object.assign(metrics, { test: previous.test, evaluateSeconds: previous.evaluateSeconds, evaluatedWith: previous.evaluatedWith });
    await cliSession().interrupts.critical(`writing ${folder.file(RUN_FILES.bundle)} and the metrics`, async () => {
      await folder.saveBundle({ kind: KIND, model, encoder, config: { run: wanted, implementation: flags.implementation }, metrics: { validation } });
      await writeOutputs(folder, metrics);
    });
    console.log(`saved ${folder.file(RUN_FILES.bundle)}, ${folder.file(RUN_FILES.metrics)}, ${folder.file(RUN_FILES.report)}`);
  } finally {
    model.dispose();
    await folder.close();
  }
}

interface BundleConfig {
  run: RunConfig;
  implementation: LayerImplementation;
}

async function evaluate(flags: { data?: string; cacheDir?: string; runDir: string; implementation: LayerImplementation }): Promise<void> {
  const folder = await RunFolder.open(flags.runDir, { command: "imdb-sentiment evaluate" });
  try {
    const engine = await setUpEngine();
    const bundle = await loadBundle(folder.file(RUN_FILES.bundle), {
      reviveEncoder: (json) => TokenTextEncoder.fromJSON(json),
      expectedKind: KIND,
      implementation: flags.implementation,
      onWarning: (m) => console.error(`note: ${m}`),
    });
    try {
      const { run } = bundle.config as BundleConfig;
      const source = await resolveData(flags.data, flags.cacheDir);
      let t = performance.now();
      const splits = await loadImdbSplits(source, { seed: run.seed, limit: run.limit ?? undefined });
      const testSet = encodeSplit(bundle.encoder, splits.test, run.maxTokens);
      checkReviewLengths(testSet, splits.test, "test", maxSequenceTokens({ batchSize: run.batchSize, ...run.model }));
      const batches = makeBatches(testSet, { batchSize: run.batchSize, bucket: run.bucket }, undefined);
      console.log(`test split: ${splits.test.length} reviews, ${batches.length} batches (data ${((performance.now() - t) / 1000).toFixed(1)} s)`);
      t = performance.now();
      const bar = progressBar("evaluate |{bar}| {value}/{total} batches | ETA {eta_formatted}", batches.length);
      let test: BinaryClassificationMetrics;
      try {
        function* counted(): Generator<TrainingBatch> {
          for (const b of batches) {
            yield b;
            bar.increment();
          }
        }
        test = await evaluateSentimentModel(bundle.model, counted());
      } finally {
        bar.stop();
      }
      const evaluateSeconds = (performance.now() - t) / 1000;
      const c = test.confusionMatrix;
      console.log(
        `test: accuracy ${(100 * test.accuracy).toFixed(2)} %, loss ${test.loss.toFixed(4)}, precision ${test.precision.toFixed(4)}, recall ${test.recall.toFixed(4)}, ` +
          `F1 ${test.f1.toFixed(4)}, ROC AUC ${test.rocAuc?.toFixed(4) ?? "n/a"}; TP ${c.truePositives} FP ${c.falsePositives} TN ${c.trueNegatives} FN ${c.falseNegatives}; ${formatSeconds(evaluateSeconds)}`,
      );
      const metrics = (await folder.readJson(RUN_FILES.metrics)) ?? {};
      metrics.run ??= run;
      metrics.data ??= { source };
      metrics.engine ??= { engine: engine.backend };
      metrics.test = test;
      metrics.evaluateSeconds = evaluateSeconds;
      metrics.evaluatedWith = { engine: engine.backend, source };
      await cliSession().interrupts.critical("writing the metrics and report", () => writeOutputs(folder, metrics));
      console.log(`updated ${folder.file(RUN_FILES.metrics)} and ${folder.file(RUN_FILES.report)}`);
    } finally {
      bundle.model.dispose();
    }
  } finally {
    await folder.close();
  }
}

async function predict(texts: string[], flags: { runDir: string; implementation: LayerImplementation }): Promise<void> {
  // check the input before the engine and the model are loaded (stdin is read to its end first)
  const inputs = await readTextInputs(texts, process.stdin);
  await initBackend({ relaxedSimd: "on", log: false });
  const bundle = await loadBundle(join(resolve(flags.runDir), RUN_FILES.bundle), {
    reviveEncoder: (json) => TokenTextEncoder.fromJSON(json),
    expectedKind: KIND,
    implementation: flags.implementation,
    onWarning: (m) => console.error(`note: ${m}`),
  });
  try {
    const { run } = bundle.config as BundleConfig;
    for (const [i, text] of inputs.entries()) {
      let ids = bundle.encoder.encode(text);
      if (ids.length === 0 || ids.every((id) => id === bundle.encoder.oovId)) {
        console.error(`note: text ${i + 1} has no word of the model's vocabulary: its score says nothing about it`);
      }
      if (ids.length === 0) ids = Int32Array.of(bundle.encoder.oovId);
      if (run.maxTokens !== null) ids = keepLast(ids, run.maxTokens);
      const [p] = predictProbabilities(bundle.model, { inputs: ids, shape: [1, ids.length] });
      const probability = p as number;
      const shown = text.length > 70 ? `${text.slice(0, 67)}...` : text;
      console.log(`${probability.toFixed(4)}\t${probability >= 0.5 ? "positive" : "negative"}\t${shown}`);
    }
  } finally {
    bundle.model.dispose();
  }
}

const program = new Command()
  .name("imdb-sentiment")
  .description("Train, evaluate and use the chapter's IMDb review sentiment model (Embedding + Bidirectional LSTM).")
  .showHelpAfterError();

const dataOption = () => new Option("--data <archive|folder>", "IMDb data: aclImdb_v1.tar.gz, aclImdb-labeled.tar.gz or an extracted folder (default: ../shared/data, else download the official archive)");
const cacheOption = () => new Option("--cache-dir <dir>", "where the official archive is downloaded (default: <repo>/.cache)");
const implementationOption = () =>
  new Option("--implementation <impl>", "recurrent layers: fast (fused kernels) or stock tf.layers").choices(["fast", "stock"]).default("fast");
const runDirOption = () => new Option("--run-dir <dir>", "run folder: checkpoint, bundle, metrics.json, report.html").default("runs/imdb");

program
  .command("train")
  .description("train (resuming the run folder's checkpoint when there is one), then save the bundle, metrics and report")
  .addOption(dataOption())
  .addOption(cacheOption())
  .addOption(runDirOption())
  .option("--seed <n>", "shuffle and initialization seed", int("seed", 0), 1)
  .option("--limit <n>", "use only the first N shuffled reviews (smoke runs); split 50/40/10 like the full set", int("limit", 10))
  .option("--max-tokens <n>", "keep only the last N tokens of each review (the chapter's max_seq_length = 100)", int("max-tokens"))
  .option("--bucket", "batch reviews of similar length together (less padding; batches reshuffled each epoch)", false)
  .option("--batch-size <n>", "batch size", int("batch-size"), 32)
  .option("--cell <kind>", `recurrent cell: ${CELL_KINDS.join(", ")} (tfjs / Keras spellings accepted)`, cellOption, "lstm")
  .option("--reset-after", "with --cell gru: Keras's reset_after=True GRU (keras.layers.GRU's default; fast layers only)", false)
  .option("--no-bidirectional", "unidirectional recurrent layers")
  .option("--layers <n>", "stacked recurrent layers", int("layers"), 1)
  .option("--units <n>", "units per recurrent layer and direction", int("units"), 64)
  .option("--embedding-dim <n>", "embedding width", int("embedding-dim"), 20)
  .option("--dense-units <n>", "units of the hidden Dense layer", int("dense-units"), 64)
  .option("--dropout <rate>", "dropout before the recurrent and hidden Dense layers", rateOption("dropout"), 0)
  .option("--mask", "mask padding (the chapter does not)", false)
  .option("--learning-rate <lr>", "Adam learning rate", positive("learning-rate"), 1e-3)
  .option("--clip-norm <n>", "clip gradients to this global norm", positive("clip-norm"))
  .option("--epochs <n>", "maximum epochs", int("epochs"), 10)
  .option("--patience <n>", "early stopping: epochs without a better validation loss", int("patience"), 2)
  .option("--max-steps <n>", "stop after N optimizer steps in total (smoke runs; run again with a larger N to continue)", int("max-steps"))
  .option("--checkpoint-every <n>", "also checkpoint every N steps within an epoch", int("checkpoint-every"), 100)
  .addOption(implementationOption())
  .option("--restart", "discard the run folder's checkpoint and start over", false)
  .action((flags: TrainFlags) => train(flags));

program
  .command("evaluate")
  .description("evaluate the run folder's bundle on the test split; write metrics.json and report.html")
  .addOption(dataOption())
  .addOption(cacheOption())
  .addOption(runDirOption())
  .addOption(implementationOption())
  .action((flags: { data?: string; cacheDir?: string; runDir: string; implementation: LayerImplementation }) => evaluate(flags));

program
  .command("predict")
  .description("classify reviews given as arguments, or one per line on standard input")
  .argument("[texts...]", "review texts")
  .addOption(runDirOption())
  .addOption(implementationOption())
  .action((texts: string[], flags: { runDir: string; implementation: LayerImplementation }) => predict(texts, flags));

program
  .command("download")
  .description("download (or resume downloading) the official aclImdb_v1.tar.gz and check its SHA-256")
  .addOption(cacheOption())
  .action(async (flags: { cacheDir?: string }) => {
    const root = findRepoRoot(process.cwd());
    const cache = flags.cacheDir ?? (root === null ? join(homedir(), ".cache", "recurrent") : join(root, ".cache"));
    console.log(`verified ${await download(join(cache, "aclImdb_v1.tar.gz"))}`);
  });

await runCli("imdb-sentiment", program, {
  hints: {
    BUNDLE_NOT_FOUND: "train a model first: imdb-sentiment train (with the same --run-dir)",
    CHECKPOINT_MALFORMED: "the checkpoint cannot be used: --restart discards it and starts over",
  },
});
