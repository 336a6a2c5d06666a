import { resolve } from "node:path";
import { initBackend } from "@recurrent/backends";
import {
  buildCharLanguageModel,
  evaluateLanguageModel,
  fusedAdam,
  trainModel,
  type LayerImplementation,
} from "@recurrent/models";
import { CharEncoder, charChunkBatches, charChunks } from "@recurrent/text-prep";
import {
  cliSession,
  formatSeconds,
  integerOption as int,
  planRun,
  positiveOption as positive,
  runCli,
  RUN_FILES,
  RunFolder,
  trainInRunFolder,
} from "app-kit";
import { Command, Option } from "commander";
import { generate, type GenerateFlags } from "./generate-command";
import { checkChunkCounts, holdOut, readNovel, sharedNovel } from "./novel-text";

const KIND = "char-lm";


/** Options that decide the data, model and optimizer of a run (stored as run.json; resuming requires the same). */
interface RunConfig {
  seqLength: number;
  batchSize: number;
  heldOut: number;
  embeddingDim: number;
  units: number;
  learningRate: number;
  clipNorm: number | null;
  seed: number;
  epochs: number;
}

/** Options whose change makes a checkpoint unusable (resuming with other values is refused). */
const IDENTITY: readonly (keyof RunConfig)[] = ["seqLength", "batchSize", "heldOut", "embeddingDim", "units", "learningRate", "clipNorm", "seed"];

interface TrainFlags {
  text?: string;
  runDir: string;
  seqLength: number;
  batchSize: number;
  heldOut: number;
  embeddingDim: number;
  units: number;
  learningRate: number;
  clipNorm?: number;
  seed: number;
  epochs: number;
  patience?: number;
  maxSteps?: number;
  checkpointEvery: number;
  implementation: LayerImplementation;
  restart: boolean;
}

function textPath(flag: string | undefined): string {
  if (flag !== undefined) return resolve(flag);
  const shared = sharedNovel(process.cwd());
  if (shared === null) {
    throw new Error("expected --text <mysterious-island.txt> (Project Gutenberg #1268, 1268-0.txt): ../shared/data has no copy");
  }
  return shared;
}

async function train(flags: TrainFlags): Promise<void> {
  const config: RunConfig = {
    seqLength: flags.seqLength,
    batchSize: flags.batchSize,
    heldOut: flags.heldOut,
    embeddingDim: flags.embeddingDim,
    units: flags.units,
    learningRate: flags.learningRate,
    clipNorm: flags.clipNorm ?? null,
    seed: flags.seed,
    epochs: flags.epochs,
  };
  const folder = await RunFolder.open(flags.runDir, { command: "char-lm train" });
  const run = { folder, config, identity: IDENTITY, restart: flags.restart };
  // refuse a mismatched or damaged run folder before reading the text
  const plan = await planRun(run);
  const engine = await initBackend({ relaxedSimd: "on", log: (text) => console.log(text) });
  const file = textPath(flags.text);
  const text = await readNovel(file);
  const encoder = CharEncoder.fromText(text);
  const ids = encoder.encode(text);
  const { train: trainIds, heldOut } = holdOut(ids, config.heldOut);
  const trainChunks = charChunks(trainIds, config.seqLength);
  const heldOutChunks = charChunks(heldOut, config.seqLength);
  const batchesPerEpoch = Math.floor(trainChunks.shape[0] / config.batchSize);
  checkChunkCounts({
    trainCharacters: trainIds.length,
    heldOutCharacters: heldOut.length,
    trainChunks: trainChunks.shape[0],
    heldOutChunks: heldOutChunks.shape[0],
    seqLength: config.seqLength,
    batchSize: config.batchSize,
  });
  console.log(
    `${file}: ${text.length} characters, ${encoder.size} distinct; training on ${trainIds.length} (${trainChunks.shape[0]} chunks of ${config.seqLength + 1}, ` +
      `${batchesPerEpoch} batches of ${config.batchSize}), holding out the last ${heldOut.length}`,
  );
  const model = buildCharLanguageModel({
    vocabSize: encoder.size,
    embeddingDim: config.embeddingDim,
    units: config.units,
    seed: config.seed,
    implementation: flags.implementation,
  });
  try {
    const trained = await trainInRunFolder({
      ...run,
      plan,
      train: ({ signal, checkpoint, resume, onProgress, printEpoch }) =>
        trainModel(model, {
          task: "language-model",
          // chunks reshuffled every epoch (the chapter: shuffle buffer 10,000, batches of 64, remainder dropped)
          train: (epoch) => charChunkBatches(trainChunks, { batchSize: config.batchSize, seed: config.seed + epoch }),
          validation: () => charChunkBatches(heldOutChunks, { batchSize: config.batchSize, dropRemainder: false }),
          epochs: config.epochs,
          optimizer: fusedAdam(config.learningRate),
          ...(config.clipNorm === null ? {} : { clipNorm: config.clipNorm }),
          ...(flags.patience === undefined ? {} : { earlyStopping: { monitor: "val_loss" as const, patience: flags.patience } }),
          checkpoint,
          resume,
          checkpointEverySteps: flags.checkpointEvery,
          ...(flags.maxSteps === undefined ? {} : { maxSteps: flags.maxSteps }),
          batchesPerEpoch,
          signal,
          onProgress,
          onEpochEnd: (r) =>
            printEpoch(
              `epoch ${r.epoch}: loss ${r.loss.toFixed(4)} | held-out loss ${r.valLoss?.toFixed(4)} (${((r.valLoss ?? Number.NaN) / Math.LN2).toFixed(3)} bits/char) | ${formatSeconds(r.seconds)}`,
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
    const t = performance.now();
    const evaluation = await evaluateLanguageModel(model, charChunkBatches(heldOutChunks, { batchSize: config.batchSize, dropRemainder: false }));
    const evaluateSeconds = (performance.now() - t) / 1000;
    console.log(
      `held-out text (${evaluation.count} predicted characters): loss ${evaluation.loss.toFixed(4)}, perplexity ${evaluation.perplexity.toFixed(3)}, ` +
        `${evaluation.bitsPerCharacter.toFixed(3)} bits/char, accuracy ${(100 * evaluation.accuracy).toFixed(2)} %`,
    );
    const metrics = {
      run: config,
      data: { source: file, characters: text.length, distinct: encoder.size, trainCharacters: trainIds.length, heldOutCharacters: heldOut.length, batchesPerEpoch },
      engine: { engine: engine.backend, implementation: flags.implementation },
      // wall time and ms/step over every session of the run, each counted up to its last checkpoint
      training: { ...result, seconds: total.seconds, msPerStep: total.msPerStep, sessions: total.sessions },
      heldOut: evaluation,
      evaluateSeconds,
    };
    await cliSession().interrupts.critical(`writing ${folder.file(RUN_FILES.bundle)} and the metrics`, async () => {
      await folder.saveBundle({ kind: KIND, model, encoder, config: { run: config }, metrics: { heldOut: evaluation } });
      await folder.writeJson(RUN_FILES.metrics, metrics);
    });
    console.log(`saved ${folder.file(RUN_FILES.bundle)} and ${folder.file(RUN_FILES.metrics)}`);
  } finally {
    model.dispose();
    await folder.close();
  }
}

/**
 * The logits are multiplied by scale / temperature in float64: above this factor even the largest float32 logit
 * (3.4e38) could overflow to Infinity (1.8e308 / 3.4e38 ≈ 5.3e269).
 */
const MAX_SAMPLING_FACTOR = Number.MAX_VALUE / 3.4028234663852886e38;

/** Refuses --scale / --temperature whose ratio is not a finite factor that keeps every logit finite. */
function checkSamplingFactor(flags: { scale: number; temperature: number }): void {
  const factor = flags.scale / flags.temperature;
  if (!(Number.isFinite(factor) && factor > 0 && factor <= MAX_SAMPLING_FACTOR)) {
    throw new RangeError(
      `expected --scale / --temperature between 0 and ${MAX_SAMPLING_FACTOR.toPrecision(3)} (the logits are multiplied by it), ` +
        `got ${factor} (--scale ${flags.scale} / --temperature ${flags.temperature})`,
    );
  }
}

const program = new Command()
  .name("char-lm")
  .description("Train the chapter's character-level language model of The Mysterious Island and generate text with it.")
  .showHelpAfterError();
const runDirOption = () => new Option("--run-dir <dir>", "run folder: checkpoint, bundle, metrics.json").default("runs/char-lm");
const implementationOption = () =>
  new Option("--implementation <impl>", "recurrent layers: fast (fused kernels) or stock tf.layers").choices(["fast", "stock"]).default("fast");

program
  .command("train")
  .description("train (resuming the run folder's checkpoint when there is one), then evaluate on the held-out text")
  .option("--text <file>", "the novel (default: ../shared/data/mysterious-island.txt)")
  .addOption(runDirOption())
  .option("--seq-length <n>", "input characters per chunk (chunks of n + 1)", int("seq-length"), 40)
  .option("--batch-size <n>", "batch size", int("batch-size"), 64)
  .option("--held-out <fraction>", "fraction of the text, at its end, held out", positive("held-out"), 0.05)
  .option("--embedding-dim <n>", "embedding width", int("embedding-dim"), 256)
  .option("--units <n>", "LSTM units", int("units"), 512)
  .option("--learning-rate <lr>", "Adam learning rate", positive("learning-rate"), 1e-3)
  .option("--clip-norm <n>", "clip gradients to this global norm", positive("clip-norm"))
  .option("--seed <n>", "initialization and shuffling seed", int("seed", 0), 1)
  .option("--epochs <n>", "epochs (the chapter: 20)", int("epochs"), 20)
  .option("--patience <n>", "early stopping on the held-out loss (off by default, as in the chapter)", int("patience"))
  .option("--max-steps <n>", "stop after N optimizer steps in total (run again with a larger N to continue)", int("max-steps"))
  .option("--checkpoint-every <n>", "also checkpoint every N steps within an epoch", int("checkpoint-every"), 50)
  .addOption(implementationOption())
  .option("--restart", "discard the run folder's checkpoint and start over", false)
  .action((flags: TrainFlags) => train(flags));

program
  .command("generate")
  .description("generate text from a trained run, printing each character as it comes (Ctrl-C stops, exit code 130)")
  .addOption(runDirOption())
  .option("--start <text>", "starting text", "The island")
  .option("--length <n>", "characters to generate", int("length", 0), 500)
  .option("--scale <factor>", "the chapter's scale factor: logits × factor (1, 2 = more predictable, 0.5 = more random)", positive("scale"), 1)
  .option("--temperature <t>", "logits ÷ t", positive("temperature"), 1)
  .option("--top-k <k>", "sample among the k most likely characters", int("top-k"))
  .option("--top-p <p>", "nucleus sampling threshold in (0, 1]", positive("top-p"))
  .addOption(new Option("--method <m>", "stateful: one step per character, carrying the state; refeed: the chapter's (last --context characters each step)").choices(["stateful", "refeed"]).default("stateful"))
  .option("--context <n>", "characters re-fed per step by the refeed method", int("context"), 40)
  .option("--seed <n>", "sampling seed", int("seed", 0), 1)
  .addOption(implementationOption())
  .action((flags: GenerateFlags) => {
    checkSamplingFactor(flags);
    return generate(flags);
  });

await runCli("char-lm", program, {
  hints: {
    BUNDLE_NOT_FOUND: "train a model first: char-lm train (with the same --run-dir)",
    CHECKPOINT_MALFORMED: "the checkpoint cannot be used: --restart discards it and starts over",
  },
});
