import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeCheckpoint, ModelsError, type TrainingCheckpoint, type TrainingProgress, type TrainingResult } from "@recurrent/models";
import { FileCheckpointStore } from "@recurrent/models/node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RUN_FILES, RunFolder, type RunRecord } from "./run-folder";
import { checkpointAt } from "./__fixtures__/checkpoints";
import { planRun, trainInRunFolder, type TrainingHooks } from "./run-training";

// trainInRunFolder with a stand-in for trainModel that reports progress and saves checkpoints through the hooks
// the way trainModel does; the apps' reliability tests run the real thing.

interface Config {
  seed: number;
  epochs: number;
}
const identity = ["seed"] as const;
const progress = (step: number): TrainingProgress => ({
  epoch: 1,
  epochs: 1,
  batch: step,
  batchesPerEpoch: 100,
  step,
  loss: 0.5,
  meanLoss: 0.5,
  gradientNorm: 1,
  batchesPerSecond: 10,
  tokensPerSecond: 100,
  etaSeconds: 1,
});
const result = (steps: number, history = 0, stopReason: TrainingResult["stopReason"] = "max-steps"): TrainingResult => ({
  history: Array.from({ length: history }, (_, i) => ({ epoch: i + 1, loss: 0.5, accuracy: 0.5, seconds: 1, batches: 10, tokens: 100 })),
  bestEpoch: null,
  stopReason,
  steps,
  resumed: false,
  trained: steps > 0,
  seconds: 0,
  stepSeconds: 0,
  session: { steps, seconds: 0, stepSeconds: 0 },
});
/** Steps from..to, saving a checkpoint at each listed step; throws `fail` (after its steps) when given. */
function fakeTraining(saveAt: number[], end: TrainingResult, fail?: Error) {
  return async (hooks: TrainingHooks) => {
    for (const s of saveAt) {
      hooks.onProgress(progress(s));
      await hooks.checkpoint.save(encodeCheckpoint(checkpointAt(s)));
    }
    if (fail !== undefined) throw fail;
    return end;
  };
}

describe("training in a run folder", () => {
  let dir: string;
  let folder: RunFolder;
  const log = () => {};
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "run-training-"));
    folder = await RunFolder.open(dir, { command: "test train", log });
  });
  afterEach(async () => {
    await folder.close();
    await rm(dir, { recursive: true, force: true });
  });
  const options = (config: Config, restart = false) => ({ folder, config, identity, restart, log });
  const runJson = async () => JSON.parse(await readFile(folder.file(RUN_FILES.run), "utf8")) as RunRecord<Config>;
  async function train(config: Config, saveAt: number[], end: TrainingResult, restart = false, fail?: Error) {
    const plan = await planRun(options(config, restart));
    return trainInRunFolder({ ...options(config, restart), plan, train: fakeTraining(saveAt, end, fail) });
  }

  it("writes run.json only at the first checkpoint: a run that fails before it leaves the folder as it was", async () => {
    await expect(train({ seed: 1, epochs: 2 }, [], result(0), false, new Error("bad data"))).rejects.toThrow("bad data");
    expect(await readdir(dir)).toStrictEqual([RUN_FILES.lock]);
    // so the corrected command, with other options, is not refused
    const done = await train({ seed: 2, epochs: 2 }, [10, 20], result(20));
    expect(done?.total).toMatchObject({ steps: 20, sessions: 1 });
    expect((await runJson()).config).toStrictEqual({ seed: 2, epochs: 2 });
  });

  it("merges the sessions of a resumed run: steps and wall time up to each session's last checkpoint", async () => {
    await expect(train({ seed: 1, epochs: 2 }, [10, 20], result(25), false, new Error("killed after step 25"))).rejects.toThrow();
    const first = (await runJson()).sessions;
    expect(first).toMatchObject([{ fromStep: 0, toStep: 20, pid: process.pid }]);
    const second = await train({ seed: 1, epochs: 2 }, [30, 40], result(40));
    const sessions = (await runJson()).sessions;
    expect(sessions).toMatchObject([{ fromStep: 0, toStep: 20 }, { fromStep: 20, toStep: 40 }]);
    const seconds = sessions.reduce((n, s) => n + s.seconds, 0);
    expect(second?.session.steps).toBe(20);
    expect(second?.total.steps).toBe(40);
    expect(second?.total.seconds).toBeCloseTo(seconds, 12);
    expect(second?.total.msPerStep).toBeCloseTo((1000 * seconds) / 40, 9);
  });

  it("refuses a run folder started with other options, listing them", async () => {
    await train({ seed: 1, epochs: 2 }, [10], result(10));
    await expect(planRun(options({ seed: 5, epochs: 2 }))).rejects.toMatchObject({
      code: "RUN_MISMATCH",
      message: expect.stringContaining("seed: the run folder has 1, the command asks for 5"),
    });
    await rm(folder.file(RUN_FILES.run));
    await expect(planRun(options({ seed: 1, epochs: 2 }))).rejects.toMatchObject({ code: "CHECKPOINT_WITHOUT_RUN" });
  });

  it("--restart discards the old run only at the first checkpoint of the new one", async () => {
    await train({ seed: 1, epochs: 2 }, [10], result(10));
    await writeFile(folder.file(RUN_FILES.metrics), "{}");
    const before = (await readdir(dir)).sort();
    await expect(train({ seed: 9, epochs: 2 }, [], result(0), true, new Error("bad data"))).rejects.toThrow("bad data");
    expect((await readdir(dir)).sort()).toStrictEqual(before);
    expect((await runJson()).config.seed).toBe(1);
    await train({ seed: 9, epochs: 2 }, [5], result(5), true);
    expect((await readdir(dir)).sort()).toStrictEqual([RUN_FILES.checkpoint, RUN_FILES.run, RUN_FILES.lock].sort());
    expect(await runJson()).toMatchObject({ config: { seed: 9 }, sessions: [{ fromStep: 0, toStep: 5 }] });
  });

  it("asking a finished run for more epochs: trains them when the library does, else refuses with nothing changed", async () => {
    const finished: Partial<TrainingCheckpoint> = { epoch: 1, batchesDone: 0, finished: true, stopReason: "epochs", history: result(0, 1).history };
    await new FileCheckpointStore(folder.file(RUN_FILES.checkpoint)).save(encodeCheckpoint(checkpointAt(10, finished)));
    await folder.writeRun({ formatVersion: 1, config: { seed: 1, epochs: 1 }, sessions: [] });
    const plan = await planRun(options({ seed: 1, epochs: 3 }));
    expect(plan.extends).toBe(true);
    const files = async () => Promise.all([RUN_FILES.run, RUN_FILES.checkpoint].map((f) => readFile(folder.file(f))));
    const before = await files();
    // trainModel of today returns a finished run as it is, without training or saving
    await expect(trainInRunFolder({ ...options({ seed: 1, epochs: 3 }), plan, train: fakeTraining([], result(10, 1, "epochs")) })).rejects.toMatchObject({
      code: "EPOCHS_NOT_EXTENDED",
      message: expect.stringContaining("finished after 1 epoch (epochs) and the training library did not reopen it for --epochs 3; nothing was changed"),
    });
    expect(await files()).toStrictEqual(before);
    // a trainModel that trains the extra epochs: recorded
    const grown = await trainInRunFolder({ ...options({ seed: 1, epochs: 3 }), plan, train: fakeTraining([20, 30], result(30, 3, "epochs")) });
    expect(grown?.trained).toBe(true);
    expect((await runJson()).config.epochs).toBe(3);
    await expect(planRun(options({ seed: 1, epochs: 2 }))).resolves.toBeDefined(); // the checkpoint's history still has 1 epoch here
  });

  it("refuses --epochs below the epochs already trained", async () => {
    await new FileCheckpointStore(folder.file(RUN_FILES.checkpoint)).save(encodeCheckpoint(checkpointAt(30, { epoch: 3, history: result(0, 3).history })));
    await folder.writeRun({ formatVersion: 1, config: { seed: 1, epochs: 5 }, sessions: [] });
    await expect(planRun(options({ seed: 1, epochs: 2 }))).rejects.toMatchObject({
      code: "EPOCHS_BELOW_TRAINED",
      message: `${dir} already has 3 epochs, more than --epochs 2; use --epochs 3 or more, or --restart`,
    });
  });

  it("writes no checkpoint once another process took the lock over", async () => {
    const plan = await planRun(options({ seed: 1, epochs: 1 }));
    const thief = async (hooks: TrainingHooks) => {
      await writeFile(folder.file(RUN_FILES.lock), JSON.stringify({ pid: process.pid, hostname: "h", command: "other train", token: "t" }));
      await hooks.checkpoint.save(encodeCheckpoint(checkpointAt(1)));
      return result(1);
    };
    await expect(trainInRunFolder({ ...options({ seed: 1, epochs: 1 }), plan, train: thief })).rejects.toMatchObject({
      code: "RUN_FOLDER_LOCKED",
      message: expect.stringContaining("it now belongs to pid"),
    });
    expect(await readdir(dir)).toStrictEqual([RUN_FILES.lock]);
  });

  it("after an abort says whether a checkpoint was written, and sets the exit code", async () => {
    const plan = await planRun(options({ seed: 1, epochs: 1 }));
    const aborted = new ModelsError("ABORTED", "training aborted");
    const lines: string[] = [];
    const original = console.error;
    console.error = (line: string) => lines.push(line);
    try {
      expect(await trainInRunFolder({ ...options({ seed: 1, epochs: 1 }), plan, train: fakeTraining([], result(0), aborted) })).toBeNull();
    } finally {
      console.error = original;
    }
    expect(lines).toStrictEqual(["interrupted: no checkpoint was written"]);
    expect(process.exitCode).toBe(1); // no signal came: a plain error exit code
    process.exitCode = 0;
  });
});
