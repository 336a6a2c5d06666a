import { ModelsError, type TrainingProgress } from "@recurrent/models";
import { trainingProgressBar } from "./progress-bar";

/** What {@link runInterruptibleTraining} hands the training call. */
export interface TrainingHooks {
  /** Aborted on SIGINT / SIGTERM: pass it as `trainModel`'s `signal` (it saves a checkpoint, then stops). */
  signal: AbortSignal;
  /** Pass as `trainModel`'s `onProgress`: drives the progress bar. */
  onProgress: (progress: TrainingProgress) => void;
  /** Prints an end-of-epoch line below the progress bar. */
  printEpoch: (line: string) => void;
}

/**
 * Runs a training call with a progress bar, turning Ctrl-C (SIGINT) and SIGTERM into an abort of the run:
 * the training loop saves a checkpoint and stops, this prints how to resume, sets the exit code to 130 and
 * returns null.
 *
 * @param runDir the run folder, named in the message after an interruption.
 * @param train starts the training with the hooks and returns its result.
 * @returns the training result, or null when the run was interrupted.
 * @example
 * const result = await runInterruptibleTraining(runDir, ({ signal, onProgress, printEpoch }) =>
 *   trainModel(model, { ...options, signal, onProgress, onEpochEnd: (r) => printEpoch(`epoch ${r.epoch}`) }),
 * );
 * if (result === null) return;
 */
export async function runInterruptibleTraining<T>(runDir: string, train: (hooks: TrainingHooks) => Promise<T>): Promise<T | null> {
  const controller = new AbortController();
  const onSignal = () => controller.abort(new Error("interrupted"));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const bar = trainingProgressBar();
  try {
    return await train({
      signal: controller.signal,
      onProgress: (p) => bar.update(p),
      printEpoch: (line) => {
        bar.stop();
        console.log(line);
      },
    });
  } catch (error) {
    if (error instanceof ModelsError && error.code === "ABORTED") {
      bar.stop();
      console.error(`\ninterrupted: checkpoint saved in ${runDir}; run the same command again to resume`);
      process.exitCode = 130;
      return null;
    }
    throw error;
  } finally {
    bar.stop();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
