import { ModelsError, type CheckpointStore, type TrainingCheckpoint, type TrainingProgress, type TrainingResult } from "@recurrent/models";
import { AppKitError } from "./app-kit-error";
import { cliSession } from "./cli-session";
import { trainingProgressBar } from "./progress-bar";
import { RUN_FILES, type RunFolder, type RunRecord, type SessionRecord } from "./run-folder";

/** The files `--restart` discards (at the first checkpoint of the new run, so that a failed restart loses nothing). */
export const RUN_STATE_FILES = [RUN_FILES.checkpoint, RUN_FILES.bundle, RUN_FILES.metrics, RUN_FILES.report] as const;

/** What a run folder knows before training, from {@link planRun}. */
export interface RunPlan<C> {
  /** The run folder's `run.json` that binds this run (null for a new run or a restart). */
  saved: RunRecord<C> | null;
  /** The checkpoint training resumes from (null: training starts from scratch). */
  checkpoint: TrainingCheckpoint | null;
  /** True when `--epochs` asks a finished run for more epochs than it has. */
  extends: boolean;
}

/** Options of {@link planRun} and {@link trainInRunFolder}. */
export interface RunOptions<C extends { epochs: number }> {
  folder: RunFolder;
  /** The options of this run, recorded in `run.json` (`epochs` among them). */
  config: C;
  /** The keys of `config` whose change makes the checkpoint unusable (data, model, optimizer). */
  identity: readonly (keyof C)[];
  /** Start over: ignore the folder's run (its files are discarded at the first checkpoint of the new one). */
  restart: boolean;
  /**
   * Where notes go.
   * @default console.log
   */
  log?: (line: string) => void;
}

/**
 * Decides how a training command continues the run folder, before any data is read: resume (same identity options),
 * start (no run, or `--restart`), or refuse. A `run.json` without a checkpoint (nothing was trained) does not bind.
 *
 * @throws {AppKitError} `RUN_MISMATCH` listing the options that differ; `CHECKPOINT_WITHOUT_RUN`;
 *   `EPOCHS_BELOW_TRAINED` when `epochs` is fewer than the epochs already trained; `RUN_JSON_INVALID`.
 * @throws {ModelsError} `CHECKPOINT_MALFORMED` naming a damaged checkpoint.
 */
export async function planRun<C extends { epochs: number }>(options: RunOptions<C>): Promise<RunPlan<C>> {
  const { folder, config } = options;
  const log = options.log ?? ((line: string) => console.log(line));
  if (options.restart) return { saved: null, checkpoint: null, extends: false };
  const saved = await folder.readRun<C>();
  const checkpoint = await folder.readCheckpoint();
  if (checkpoint === null) {
    if (saved !== null && differences(saved.config, config, options.identity).length > 0) {
      log(`note: ${folder.file(RUN_FILES.run)} belongs to a run that saved no checkpoint: it is replaced`);
    }
    return { saved: null, checkpoint: null, extends: false };
  }
  if (saved === null) {
    throw new AppKitError(
      "CHECKPOINT_WITHOUT_RUN",
      `${folder.file(RUN_FILES.checkpoint)} has no ${RUN_FILES.run} beside it, so the options it was trained with are unknown; use --restart to discard it, or another --run-dir`,
    );
  }
  const problems = differences(saved.config, config, options.identity);
  if (problems.length > 0) {
    throw new AppKitError(
      "RUN_MISMATCH",
      `cannot resume ${folder.dir}: it was started with other options:\n  ${problems.join("\n  ")}\nUse another --run-dir, or --restart to discard it.`,
    );
  }
  const trained = checkpoint.history.length;
  if (trained > config.epochs) {
    throw new AppKitError(
      "EPOCHS_BELOW_TRAINED",
      `${folder.dir} already has ${trained} epochs, more than --epochs ${config.epochs}; use --epochs ${trained} or more, or --restart`,
    );
  }
  const extending = checkpoint.finished && checkpoint.stopReason !== "max-steps" && config.epochs > trained;
  if (extending) log(`the run finished after ${trained} epoch${trained === 1 ? "" : "s"} (${checkpoint.stopReason}); --epochs ${config.epochs} asks for more`);
  if (!checkpoint.finished && checkpoint.epoch >= config.epochs && checkpoint.batchesDone > 0) {
    log(`note: --epochs ${config.epochs} ends the run now: the ${checkpoint.batchesDone} batches of epoch ${checkpoint.epoch + 1} trained so far are dropped`);
  }
  return { saved, checkpoint, extends: extending };
}

/** What {@link trainInRunFolder} hands the training call (pass them to `trainModel`). */
export interface TrainingHooks {
  /** Aborted by the first Ctrl-C / SIGTERM: `trainModel` saves a checkpoint, then rejects with `ABORTED`. */
  signal: AbortSignal;
  /** The run folder's checkpoint store (checksummed, lock-checked, recording the session in `run.json`). */
  checkpoint: CheckpointStore;
  /** False for `--restart`: do not resume the folder's checkpoint. */
  resume: boolean;
  /** Drives the progress bar. */
  onProgress: (progress: TrainingProgress) => void;
  /** Prints an end-of-epoch line below the progress bar. */
  printEpoch: (line: string) => void;
}

/** What a finished {@link trainInRunFolder} reports. */
export interface RunTraining {
  result: TrainingResult;
  /** Whether this command trained any step (false: the run was already complete, or at --max-steps). */
  trained: boolean;
  /** Steps trained by this command, and its wall time up to its last checkpoint. */
  session: { steps: number; seconds: number };
  /** Over all sessions of the run: steps, wall time (seconds) and ms per step, or null before any step. */
  total: { steps: number; seconds: number; msPerStep: number | null; sessions: number };
}

/**
 * Trains in a run folder: `train(hooks)` runs `trainModel` with the hooks, which make the folder own its state:
 *
 * - `run.json` is written at the first checkpoint (so a command that fails before training, e.g. on bad data,
 *   leaves the folder as it was); with `--restart` the old run's files are discarded at that moment too;
 * - every checkpoint is checked against the folder's lock before it is written, and records the session (steps,
 *   wall time to that checkpoint) in `run.json`, so totals and ms per step stay right across interrupted and killed
 *   sessions;
 * - Ctrl-C / SIGTERM saves a checkpoint (see {@link Interrupts}); the message says whether one was written.
 *
 * @returns what was trained, or null after an interruption (the exit code is set to 130 / 143).
 * @throws {AppKitError} `EPOCHS_NOT_EXTENDED` when `epochs` asks a finished run for more epochs and the training
 *   library did not train them (nothing is changed on disk); what `trainModel` throws otherwise.
 */
export async function trainInRunFolder<C extends { epochs: number }>(
  options: RunOptions<C> & { plan: RunPlan<C>; train: (hooks: TrainingHooks) => Promise<TrainingResult> },
): Promise<RunTraining | null> {
  const { folder, config, plan } = options;
  const interrupts = cliSession().interrupts;
  const inner = folder.checkpointStore();
  const previous: SessionRecord[] = plan.saved?.sessions ?? [];
  const fromStep = plan.checkpoint?.step ?? 0;
  const startedAt = new Date().toISOString();
  const start = performance.now();
  let step = fromStep;
  let saves = 0;
  let savedStep: number | null = plan.checkpoint?.step ?? null;
  let savedSeconds = 0;
  let savedAfterInterrupt = false;
  const session = (): SessionRecord => ({ startedAt, pid: process.pid, fromStep, toStep: savedStep ?? fromStep, seconds: savedSeconds });
  const sessions = () => (savedStep !== null && savedStep > fromStep ? [...previous, session()] : previous);

  const checkpoint: CheckpointStore = {
    load: () => (options.restart ? Promise.resolve(null) : inner.load()),
    save: async (bytes) => {
      // test hook (the reliability tests): make the checkpoint written after a signal take this long, so that
      // further signals deterministically arrive while it is being saved
      const delay = interrupts.interrupted ? Number(process.env.APP_KIT_TEST_INTERRUPT_SAVE_DELAY_MS ?? 0) : 0;
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      await folder.lock.verify();
      if (saves === 0) {
        if (options.restart) await folder.discard(RUN_STATE_FILES);
        await folder.writeRun({ formatVersion: 1, config, sessions: previous });
      }
      await inner.save(bytes);
      saves++;
      savedStep = step;
      savedSeconds = (performance.now() - start) / 1000;
      if (interrupts.interrupted) savedAfterInterrupt = true;
      await folder.writeRun({ formatVersion: 1, config, sessions: sessions() });
    },
  };
  const controller = new AbortController();
  const bar = trainingProgressBar();
  const stepName = () => (savedStep === null ? "no checkpoint" : `the checkpoint of step ${savedStep}`);
  let result: TrainingResult;
  try {
    result = await interrupts.abortable(
      `a checkpoint in ${folder.dir}`,
      () => controller.abort(new Error("interrupted")),
      stepName,
      () =>
        options.train({
          signal: controller.signal,
          checkpoint,
          resume: !options.restart,
          onProgress: (p) => {
            step = p.step;
            bar.update(p);
          },
          printEpoch: (line) => {
            bar.stop();
            console.log(line);
          },
        }),
    );
  } catch (error) {
    bar.stop();
    if (error instanceof ModelsError && error.code === "ABORTED") {
      console.error(
        savedAfterInterrupt
          ? `interrupted: checkpoint of step ${savedStep} saved in ${inner.path}; run the same command again to resume`
          : `interrupted: no checkpoint was written${savedStep === null ? "" : ` (${inner.path} keeps step ${savedStep})`}`,
      );
      process.exitCode = interrupts.exitCode;
      return null;
    }
    throw error;
  } finally {
    bar.stop();
  }
  if (interrupts.interrupted) {
    console.error(`interrupted after training ended (${inner.path} holds step ${savedStep ?? result.steps}); run the same command again to write the bundle and metrics`);
    process.exitCode = interrupts.exitCode;
    return null;
  }
  const trainedEpochs = result.history.length;
  if (saves === 0 && config.epochs > trainedEpochs && (plan.extends || (plan.saved !== null && plan.saved.config.epochs !== config.epochs))) {
    throw new AppKitError(
      "EPOCHS_NOT_EXTENDED",
      `${folder.dir} finished after ${trainedEpochs} epoch${trainedEpochs === 1 ? "" : "s"} (${result.stopReason}) and the training library did not reopen it for --epochs ${config.epochs}; ` +
        `nothing was changed. Use --restart to train ${config.epochs} epochs from scratch, or another --run-dir`,
    );
  }
  const all = sessions();
  const steps = all.reduce((n, s) => n + (s.toStep - s.fromStep), 0);
  const seconds = all.reduce((n, s) => n + s.seconds, 0);
  const mine = savedStep !== null && savedStep > fromStep ? session() : null;
  return {
    result,
    trained: mine !== null,
    session: { steps: mine === null ? 0 : mine.toStep - mine.fromStep, seconds: mine?.seconds ?? 0 },
    total: { steps, seconds, msPerStep: steps > 0 ? (1000 * seconds) / steps : null, sessions: all.length },
  };
}

function differences<C>(saved: C, wanted: C, keys: readonly (keyof C)[]): string[] {
  return keys
    .filter((k) => JSON.stringify(saved[k]) !== JSON.stringify(wanted[k]))
    .map((k) => `${String(k)}: the run folder has ${JSON.stringify(saved[k])}, the command asks for ${JSON.stringify(wanted[k])}`);
}
