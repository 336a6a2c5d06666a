import { watch } from "node:fs";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { decodeCheckpoint } from "@recurrent/models";
import { FileCheckpointStore } from "@recurrent/models/node";
import { runCliProcess, snapshotFolder, startCli, waitFor, type CliOutcome } from "app-kit/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeTinyImdb } from "./__fixtures__/tiny-imdb";

// The reliability suite of the imdb-sentiment CLI (issue #13): faults and bad inputs against the real CLI, each
// asserting the exit code, the message (with its error code) and what is on disk. Tiny made-up data (120 reviews,
// see __fixtures__/tiny-imdb.ts) and tiny models keep it fast; the real archive is not needed for these cases.

const appDir = resolve(import.meta.dirname, "..");
const script = join(appDir, "src", "cli.ts");
const cli = (args: string[], options: { input?: string | Uint8Array; env?: Record<string, string> } = {}) =>
  runCliProcess(script, args, { cwd: appDir, ...options });
const start = (args: string[], env: Record<string, string> = {}) => startCli(script, args, { cwd: appDir, env });

let top: string;
let data: string;
beforeAll(async () => {
  top = await mkdtemp(join(tmpdir(), "imdb-reliability-"));
  data = await writeTinyImdb(join(top, "data"));
});
afterAll(async () => {
  await rm(top, { recursive: true, force: true });
});

const model = ["--units", "8", "--embedding-dim", "8", "--dense-units", "8", "--batch-size", "8"];
/** A run that lasts until it is interrupted. */
const long = ["--epochs", "5000", "--patience", "100000"];
const checkpointStep = async (dir: string) => decodeCheckpoint((await new FileCheckpointStore(join(dir, "checkpoint.bin")).load())!).step;
const runJson = async (dir: string) =>
  JSON.parse(await readFile(join(dir, "run.json"), "utf8")) as { config: Record<string, unknown>; sessions: { fromStep: number; toStep: number; seconds: number }[] };
const exists = (path: string) => readFile(path).then(() => true, () => false);

function expectFailure(r: CliOutcome, code: string, message: string): void {
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).toContain(message);
  expect(r.stderr).toContain(`[${code}]`);
}

describe("imdb-sentiment train: the run folder owns its state", () => {
  it("a bad --data fails before anything is written; the corrected command, with other options, trains", async () => {
    const dir = join(top, "bad-data");
    const missing = await cli(["train", "--data", join(top, "nope"), "--run-dir", dir, ...model]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`--data ${join(top, "nope")}: no such file or folder`);
    const empty = join(top, "empty");
    await mkdir(empty);
    const notImdb = await cli(["train", "--data", empty, "--run-dir", dir, ...model]);
    expectFailure(notImdb, "INVALID_ARGUMENT", "expected the IMDb folder");
    await expect(readdir(dir)).rejects.toMatchObject({ code: "ENOENT" }); // not even the folder
    // a run.json without a checkpoint (as the earlier version wrote before reading the data) binds nothing either
    await mkdir(dir);
    await writeFile(join(dir, "run.json"), JSON.stringify({ seed: 1, limit: null, maxTokens: null, batchSize: 8, bucket: false, model: {}, learningRate: 1, clipNorm: null, epochs: 1, patience: 2 }));
    const fixed = await cli(["train", "--data", data, "--run-dir", dir, ...model, "--embedding-dim", "9", "--max-steps", "2"]);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(fixed.stdout).toContain("training: 2 steps, stopped by max-steps");
    expect((await runJson(dir)).config).toMatchObject({ model: { embeddingDim: 9 } });
    expect((await readdir(dir)).sort()).toStrictEqual(["bundle", "checkpoint.bin", "metrics.json", "report.html", "run.json"]);
  });

  it("refuses a second training on the same folder naming the first one's pid; Ctrl-C saves, the same command resumes", async () => {
    const dir = join(top, "two");
    const args = ["train", "--data", data, "--run-dir", dir, ...model, ...long];
    const first = start(args);
    await waitFor("the first checkpoint", () => exists(join(dir, "checkpoint.bin")));
    const lock = await readFile(join(dir, "run.lock"), "utf8");
    const second = await cli(args);
    expectFailure(second, "RUN_FOLDER_LOCKED", `${dir} is in use by pid ${first.pid} (imdb-sentiment train, since `);
    expect(await readFile(join(dir, "run.lock"), "utf8")).toBe(lock); // the first one's lock is untouched

    first.child.kill("SIGINT");
    const stopped = await first.done;
    expect(stopped.code).toBe(130);
    const saved = /checkpoint of step (\d+) saved in (\S+); run the same command again to resume/.exec(stopped.stderr);
    expect(saved, stopped.stderr).not.toBeNull();
    const step = Number(saved![1]);
    expect(saved![2]).toBe(join(dir, "checkpoint.bin"));
    expect(await checkpointStep(dir)).toBe(step);
    expect((await runJson(dir)).sessions).toMatchObject([{ fromStep: 0, toStep: step }]);
    expect(await readdir(dir)).not.toContain("run.lock");

    const resumed = await cli(["train", "--data", data, "--run-dir", dir, ...model, ...long, "--max-steps", String(step + 6)]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`this session 6 steps`);
    expect(resumed.stdout).toContain(`in total ${step + 6} steps`);
    expect(resumed.stdout).toContain("over 2 sessions");
    // metrics.json: wall time and ms/step over both sessions, each up to its last checkpoint
    const sessions = (await runJson(dir)).sessions;
    expect(sessions).toMatchObject([{ fromStep: 0, toStep: step }, { fromStep: step, toStep: step + 6 }]);
    const metrics = JSON.parse(await readFile(join(dir, "metrics.json"), "utf8")) as { training: { seconds: number; msPerStep: number; sessions: number; steps: number } };
    const seconds = sessions.reduce((n, s) => n + s.seconds, 0);
    expect(metrics.training.steps).toBe(step + 6);
    expect(metrics.training.sessions).toBe(2);
    expect(metrics.training.seconds).toBeCloseTo(seconds, 9);
    expect(metrics.training.msPerStep).toBeCloseTo((1000 * seconds) / (step + 6), 6);
  });

  it("a second Ctrl-C while the checkpoint is saved waits for it; a third exits without saving; SIGTERM saves too", async () => {
    // the checkpoint written after a signal takes 1.5 s here, so the next signals arrive while it is being saved
    const env = { APP_KIT_TEST_INTERRUPT_SAVE_DELAY_MS: "1500" };
    const dir = join(top, "signals");
    const args = ["train", "--data", data, "--run-dir", dir, ...model, ...long, "--checkpoint-every", "100000"];

    const twice = start(args, env);
    await waitFor("the first checkpoint", () => exists(join(dir, "checkpoint.bin")));
    twice.child.kill("SIGINT");
    await waitFor("the first signal's message", () => twice.output().stderr.includes("stopping after the current step"));
    twice.child.kill("SIGINT");
    const a = await twice.done;
    expect(a.code).toBe(130);
    expect(a.stderr).toContain(`interrupted again (SIGINT): still saving a checkpoint in ${dir}, please wait; interrupt once more to exit without saving`);
    const step = Number(/checkpoint of step (\d+) saved/.exec(a.stderr)?.[1]);
    expect(await checkpointStep(dir)).toBe(step);

    const thrice = start(args, env);
    await waitFor("training", () => thrice.output().stdout.includes("batches per epoch"));
    await waitFor("a checkpoint after the resume", async () => (await runJson(dir)).sessions.length === 2);
    thrice.child.kill("SIGINT");
    await waitFor("the first signal's message", () => thrice.output().stderr.includes("stopping after the current step"));
    thrice.child.kill("SIGINT");
    await waitFor("the second signal's message", () => thrice.output().stderr.includes("still saving"));
    thrice.child.kill("SIGINT");
    const b = await thrice.done;
    expect(b.code).toBe(130);
    const kept = /exiting without saving; the run folder keeps the checkpoint of step (\d+)/.exec(b.stderr);
    expect(kept, b.stderr).not.toBeNull();
    expect(await checkpointStep(dir)).toBe(Number(kept![1]));
    expect(b.stderr).not.toContain("saved in");

    const term = start(args);
    await waitFor("training", async () => (await runJson(dir)).sessions.length === 3);
    term.child.kill("SIGTERM");
    const c = await term.done;
    expect(c.code).toBe(143);
    expect(c.stderr).toMatch(/interrupted \(SIGTERM\): stopping after the current step/);
    expect(c.stderr).toMatch(/checkpoint of step \d+ saved in/);
  });
});

describe("imdb-sentiment train: killed with kill -9, resumed to the same weights", () => {
  // checkpoints after every step of a somewhat larger model: the writes take a while, so kills land in them
  const options = ["--units", "32", "--embedding-dim", "16", "--dense-units", "32", "--batch-size", "8", ...long, "--max-steps", "150", "--checkpoint-every", "1"];
  let reference: Buffer;
  beforeAll(async () => {
    const dir = join(top, "reference");
    const r = await cli(["train", "--data", data, "--run-dir", dir, ...options]);
    expect(r.code, r.stderr).toBe(0);
    reference = await readFile(join(dir, "bundle", "weights.bin"));
  });

  it("mid-epoch", async () => {
    const dir = join(top, "kill-epoch");
    const args = ["train", "--data", data, "--run-dir", dir, ...options];
    const run = start(args);
    await waitFor("step 40", async () => (await exists(join(dir, "run.json"))) && ((await runJson(dir).catch(() => null))?.sessions[0]?.toStep ?? 0) >= 40);
    run.child.kill("SIGKILL");
    expect((await run.done).signal).toBe("SIGKILL");
    const at = await checkpointStep(dir);
    expect(at).toBeGreaterThanOrEqual(40);
    expect(at).toBeLessThan(150); // killed in the middle of the run
    expect(await readdir(dir)).toContain("run.lock"); // a stale lock of a dead process
    const resumed = await cli(args);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`note: took over the lock of ${dir} from pid ${run.pid} (imdb-sentiment train), which no longer runs`);
    expect(resumed.stdout).toContain("training: 150 steps");
    expect((await readFile(join(dir, "bundle", "weights.bin"))).equals(reference)).toBe(true);
  });

  it("while the checkpoint is being written", async () => {
    const dir = join(top, "kill-write");
    await mkdir(dir);
    const args = ["train", "--data", data, "--run-dir", dir, ...options];
    let left: string | null = null;
    for (let attempt = 0; attempt < 8 && left === null; attempt++) {
      const run = start(args);
      // kill -9 the moment a temporary checkpoint file appears
      const watcher = watch(dir, (_event, name) => {
        if (typeof name === "string" && name.startsWith("checkpoint.bin.tmp-") && (run.child.exitCode === null)) run.child.kill("SIGKILL");
      });
      const outcome = await run.done;
      watcher.close();
      expect(outcome.signal, outcome.stderr).toBe("SIGKILL");
      left = (await readdir(dir)).find((n) => n.startsWith("checkpoint.bin.tmp-")) ?? null;
      // the checkpoint in place is always a whole one
      if (await exists(join(dir, "checkpoint.bin"))) await checkpointStep(dir);
    }
    expect(left, "no kill landed in a checkpoint write in 8 attempts").not.toBeNull();
    const resumed = await cli(args);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(new RegExp(`note: removed \\d file\\(s\\) left by a killed process: .*${left}`));
    expect((await readdir(dir)).sort()).toStrictEqual(["bundle", "checkpoint.bin", "metrics.json", "report.html", "run.json"]);
    expect((await readFile(join(dir, "bundle", "weights.bin"))).equals(reference)).toBe(true);
  });
});

describe("imdb-sentiment: damaged files and bad input fail clearly and change nothing", () => {
  let done: string;
  const args = (dir: string) => ["train", "--data", data, "--run-dir", dir, ...model, "--epochs", "2"];
  beforeAll(async () => {
    done = join(top, "done");
    const r = await cli(args(done));
    expect(r.code, r.stderr).toBe(0);
  });
  /** A copy of the finished run to damage. */
  const copy = async (name: string) => {
    const dir = join(top, name);
    await cp(done, dir, { recursive: true });
    return dir;
  };

  it("a flipped byte in checkpoint.bin: CHECKPOINT_MALFORMED naming it, before any data is read", async () => {
    const dir = await copy("flipped-checkpoint");
    const bytes = await readFile(join(dir, "checkpoint.bin"));
    bytes[200]! ^= 0x04;
    await writeFile(join(dir, "checkpoint.bin"), bytes);
    const before = await snapshotFolder(dir);
    const r = await cli(args(dir));
    expectFailure(r, "CHECKPOINT_MALFORMED", `checkpoint ${join(dir, "checkpoint.bin")} fails its SHA-256 check`);
    expect(r.stderr).toContain("--restart discards it and starts over");
    expect(r.stdout).not.toContain("reading");
    expect(await snapshotFolder(dir)).toStrictEqual(before);
  });

  it("an invalid run.json: RUN_JSON_INVALID naming the file", async () => {
    const dir = await copy("invalid-run-json");
    await writeFile(join(dir, "run.json"), '{"seed": 1,');
    const before = await snapshotFolder(dir);
    const r = await cli(args(dir));
    expectFailure(r, "RUN_JSON_INVALID", `${join(dir, "run.json")} is not valid JSON`);
    expect(await snapshotFolder(dir)).toStrictEqual(before);
  });

  it("--epochs on a finished run: fewer is refused; more trains the extra epoch, or is refused while trainModel cannot", async () => {
    const dir = await copy("epochs");
    const before = await snapshotFolder(dir);
    const fewer = await cli(["train", "--data", data, "--run-dir", dir, ...model, "--epochs", "1"]);
    expectFailure(fewer, "EPOCHS_BELOW_TRAINED", `${dir} already has 2 epochs, more than --epochs 1`);
    expect(await snapshotFolder(dir)).toStrictEqual(before);
    const more = await cli(["train", "--data", data, "--run-dir", dir, ...model, "--epochs", "3"]);
    if (more.code === 0) {
      // a trainModel that reopens a finished run (the training loop's side of issue #13)
      const metrics = JSON.parse(await readFile(join(dir, "metrics.json"), "utf8")) as { training: { history: unknown[] }; run: { epochs: number } };
      expect(metrics.training.history).toHaveLength(3);
      expect(metrics.run.epochs).toBe(3);
      expect((await runJson(dir)).config.epochs).toBe(3);
    } else {
      expectFailure(more, "EPOCHS_NOT_EXTENDED", `${dir} finished after 2 epochs (epochs) and the training library did not reopen it for --epochs 3; nothing was changed`);
      expect(await snapshotFolder(dir)).toStrictEqual(before);
    }
  });

  it("--restart that fails on bad data keeps the old run; one that trains replaces it", async () => {
    const dir = await copy("restart");
    const before = await snapshotFolder(dir);
    const failed = await cli(["train", "--data", join(top, "nope"), "--run-dir", dir, ...model, "--restart"]);
    expect(failed.code).toBe(1);
    expect(await snapshotFolder(dir)).toStrictEqual(before);
    const fresh = await cli(["train", "--data", data, "--run-dir", dir, ...model, "--seed", "7", "--max-steps", "3", "--restart"]);
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(await runJson(dir)).toMatchObject({ config: { seed: 7 }, sessions: [{ fromStep: 0, toStep: 3 }] });
  });

  it("tampered bundles are refused by predict and evaluate with BUNDLE_MALFORMED naming the file; no hang, no NaN answer", async () => {
    const weightsNaN = await copy("bundle-nan");
    const weights = await readFile(join(weightsNaN, "bundle", "weights.bin"));
    weights.writeFloatLE(Number.NaN, 12);
    await writeFile(join(weightsNaN, "bundle", "weights.bin"), weights);
    let before = await snapshotFolder(weightsNaN);
    const evaluated = await cli(["evaluate", "--data", data, "--run-dir", weightsNaN]);
    expectFailure(evaluated, "BUNDLE_MALFORMED", `model bundle ${join(weightsNaN, "bundle")}: weights.bin fails its SHA-256 check`);
    const predicted = await cli(["predict", "--run-dir", weightsNaN, "A wonderful film."]);
    expectFailure(predicted, "BUNDLE_MALFORMED", "weights.bin fails its SHA-256 check");
    expect(predicted.stdout).toBe("");
    expect(await snapshotFolder(weightsNaN)).toStrictEqual(before);

    // a bundle of the earlier format (no checksums) with a NaN weight: refused by the finite check
    const old = await copy("bundle-old-nan");
    const manifest = JSON.parse(await readFile(join(old, "bundle", "bundle.json"), "utf8")) as Record<string, unknown>;
    delete manifest.files;
    manifest.formatVersion = 1;
    await writeFile(join(old, "bundle", "bundle.json"), JSON.stringify(manifest));
    await writeFile(join(old, "bundle", "weights.bin"), weights);
    before = await snapshotFolder(old);
    const oldNaN = await cli(["predict", "--run-dir", old, "A wonderful film."]);
    expectFailure(oldNaN, "BUNDLE_MALFORMED", "weights.bin: weight ");
    expect(oldNaN.stderr).toMatch(/holds NaN at index 3 \(of \d+ values\); the model cannot make predictions/);
    expect(oldNaN.stderr).toContain("no checksums (format 1");
    // ... and one whose model.json was edited to other unit counts: no raw tfjs "Shape mismatch"
    const modelJson = await readFile(join(old, "bundle", "model.json"), "utf8");
    await writeFile(join(old, "bundle", "weights.bin"), await readFile(join(done, "bundle", "weights.bin")));
    await writeFile(join(old, "bundle", "model.json"), modelJson.replaceAll('"units": 8,', '"units": 9,'));
    const units = await cli(["predict", "--run-dir", old, "A wonderful film."]);
    expectFailure(units, "BUNDLE_MALFORMED", "model.json: its layers need weight");
    expect(units.stderr).not.toContain("Shape mismatch");

    // a vocabulary shuffled in place (same size): the checksum of encoder.json
    const shuffled = await copy("bundle-vocabulary");
    const encoder = JSON.parse(await readFile(join(shuffled, "bundle", "encoder.json"), "utf8")) as { vocabulary: string[] };
    encoder.vocabulary.reverse();
    await writeFile(join(shuffled, "bundle", "encoder.json"), `${JSON.stringify(encoder, null, 2)}\n`);
    before = await snapshotFolder(shuffled);
    const vocabulary = await cli(["predict", "--run-dir", shuffled, "A wonderful film."]);
    expectFailure(vocabulary, "BUNDLE_MALFORMED", "encoder.json fails its SHA-256 check");
    expect(await snapshotFolder(shuffled)).toStrictEqual(before);
  });

  it("predict refuses empty, blank and binary input, and names the missing bundle", async () => {
    const empty = await cli(["predict", "--run-dir", done, ""]);
    expectFailure(empty, "EMPTY_INPUT", "expected a text in argument 1, got an empty string");
    const blank = await cli(["predict", "--run-dir", done], { input: "  \n\t\n" });
    expectFailure(blank, "EMPTY_INPUT", "got only white space");
    const binary = new Uint8Array(200_000).map((_, i) => (i * 151 + 7) % 256);
    const bin = await cli(["predict", "--run-dir", done], { input: binary });
    expectFailure(bin, "INPUT_NOT_TEXT", "standard input is not UTF-8 text (200000 bytes; binary data?)");
    const missing = await cli(["predict", "--run-dir", join(top, "no-such-run"), "A film."]);
    expectFailure(missing, "BUNDLE_NOT_FOUND", `no model bundle at ${join(top, "no-such-run", "bundle")}: bundle.json not found`);
    expect(missing.stderr).toContain("train a model first: imdb-sentiment train");
    const good = await cli(["predict", "--run-dir", done], { input: "A wonderful film.\n\nAn awful, boring film.\n" });
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout.trim().split("\n")).toHaveLength(2);
  });
});
