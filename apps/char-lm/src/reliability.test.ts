import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { decodeCheckpoint } from "@recurrent/models";
import { FileCheckpointStore } from "@recurrent/models/node";
import { runCliProcess, snapshotFolder, startCli, waitFor, type CliOutcome } from "app-kit/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeTinyNovel } from "./__fixtures__/tiny-novel";

// The reliability suite of the char-lm CLI (issue #13), on a made-up text with the chapter's markers: the run
// folder (shared with imdb-sentiment through app-kit) and generation from damaged or missing bundles.

const appDir = resolve(import.meta.dirname, "..");
const script = join(appDir, "src", "cli.ts");
const cli = (args: string[]) => runCliProcess(script, args, { cwd: appDir });
const start = (args: string[]) => startCli(script, args, { cwd: appDir });

let top: string;
let text: string;
beforeAll(async () => {
  top = await mkdtemp(join(tmpdir(), "char-lm-reliability-"));
  text = await writeTinyNovel(join(top, "novel.txt"));
});
afterAll(async () => {
  await rm(top, { recursive: true, force: true });
});

const model = () => ["--text", text, "--units", "8", "--embedding-dim", "8", "--seq-length", "10", "--batch-size", "8", "--held-out", "0.1"];
const checkpointStep = async (dir: string) => decodeCheckpoint((await new FileCheckpointStore(join(dir, "checkpoint.bin")).load())!).step;
const exists = (path: string) => readFile(path).then(() => true, () => false);
function expectFailure(r: CliOutcome, code: string, message: string): void {
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).toContain(message);
  expect(r.stderr).toContain(`[${code}]`);
}

describe("char-lm train in a run folder", () => {
  it("refuses a second training naming the first one's pid; Ctrl-C saves; kill -9 and resume give the weights of an uninterrupted run", async () => {
    const steps = ["--epochs", "1000", "--max-steps", "300", "--checkpoint-every", "1"];
    const reference = join(top, "reference");
    const r = await cli(["train", ...model(), "--run-dir", reference, ...steps]);
    expect(r.code, r.stderr).toBe(0);

    const dir = join(top, "run");
    const args = ["train", ...model(), "--run-dir", dir, ...steps];
    const first = start(args);
    await waitFor("the first checkpoint", () => exists(join(dir, "checkpoint.bin")));
    const second = await cli(args);
    expectFailure(second, "RUN_FOLDER_LOCKED", `${dir} is in use by pid ${first.pid} (char-lm train, since `);
    first.child.kill("SIGINT");
    const stopped = await first.done;
    expect(stopped.code).toBe(130);
    const saved = Number(/checkpoint of step (\d+) saved in/.exec(stopped.stderr)?.[1]);
    expect(await checkpointStep(dir)).toBe(saved);

    const killed = start(args);
    await waitFor("ten more steps", async () => (await checkpointStep(dir).catch(() => 0)) >= saved + 10);
    killed.child.kill("SIGKILL");
    expect((await killed.done).signal).toBe("SIGKILL");
    expect(await checkpointStep(dir)).toBeLessThan(300);

    const resumed = await cli(args);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`from pid ${killed.pid} (char-lm train), which no longer runs`);
    expect(resumed.stdout).toContain("training: 300 steps");
    expect(resumed.stdout).toContain("over 3 sessions");
    expect((await readFile(join(dir, "bundle", "weights.bin"))).equals(await readFile(join(reference, "bundle", "weights.bin")))).toBe(true);
    expect((await readdir(dir)).sort()).toStrictEqual(["bundle", "checkpoint.bin", "metrics.json", "run.json"]);
  });
});

describe("char-lm: damaged files and bad options fail clearly and change nothing", () => {
  let done: string;
  beforeAll(async () => {
    done = join(top, "done");
    const r = await cli(["train", ...model(), "--run-dir", done, "--epochs", "1"]);
    expect(r.code, r.stderr).toBe(0);
  });
  const copy = async (name: string) => {
    const dir = join(top, name);
    await cp(done, dir, { recursive: true });
    return dir;
  };

  it("an invalid run.json names the file; a missing text fails before run.json is written", async () => {
    const dir = await copy("invalid-run");
    await writeFile(join(dir, "run.json"), "[");
    const before = await snapshotFolder(dir);
    expectFailure(await cli(["train", ...model(), "--run-dir", dir]), "RUN_JSON_INVALID", `${join(dir, "run.json")} is not valid JSON`);
    expect(await snapshotFolder(dir)).toStrictEqual(before);
    const fresh = join(top, "no-text");
    const r = await cli(["train", "--text", join(top, "missing.txt"), "--run-dir", fresh]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(join(top, "missing.txt"));
    await expect(readdir(fresh)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("a held-out part shorter than one chunk, or fewer chunks than a batch, fail before the first step", async () => {
    const tiny = join(top, "tiny-held-out");
    const args = ["train", "--text", text, "--units", "8", "--embedding-dim", "8", "--seq-length", "10", "--batch-size", "8"];
    const r = await cli([...args, "--held-out", "0.0001", "--run-dir", tiny]);
    expectFailure(r, "DATA_TOO_SMALL", "is shorter than one chunk of 11 characters (--seq-length 10 + 1): raise --held-out or lower --seq-length");
    expect(r.stdout).not.toContain("epoch 1");
    await expect(readdir(tiny)).rejects.toMatchObject({ code: "ENOENT" });
    const big = await cli([...args.slice(0, -2), "--batch-size", "100000", "--held-out", "0.1", "--run-dir", tiny]);
    expectFailure(big, "DATA_TOO_SMALL", "fewer than one batch of 100000");
    await expect(readdir(tiny)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("generate: a missing bundle names its path; a damaged one is refused; an overflowing --scale / --temperature names them", async () => {
    const missing = await cli(["generate", "--run-dir", join(top, "nothing"), "--length", "5"]);
    expectFailure(missing, "BUNDLE_NOT_FOUND", `no model bundle at ${join(top, "nothing", "bundle")}: bundle.json not found`);
    expect(missing.stderr).toContain("train a model first: char-lm train");

    const dir = await copy("damaged");
    const weights = await readFile(join(dir, "bundle", "weights.bin"));
    weights.writeFloatLE(Number.NaN, 40);
    await writeFile(join(dir, "bundle", "weights.bin"), weights);
    const before = await snapshotFolder(dir);
    const nan = await cli(["generate", "--run-dir", dir, "--length", "5"]);
    expectFailure(nan, "BUNDLE_MALFORMED", `model bundle ${join(dir, "bundle")}: weights.bin fails its SHA-256 check`);
    expect(nan.stdout).toBe("");
    const encoder = JSON.parse(await readFile(join(done, "bundle", "encoder.json"), "utf8")) as Record<string, unknown>;
    const shuffled = await copy("shuffled");
    const key = Object.keys(encoder).find((k) => Array.isArray(encoder[k])) as string;
    (encoder[key] as unknown[]).reverse();
    await writeFile(join(shuffled, "bundle", "encoder.json"), `${JSON.stringify(encoder, null, 2)}\n`);
    expectFailure(await cli(["generate", "--run-dir", shuffled, "--length", "5"]), "BUNDLE_MALFORMED", "encoder.json fails its SHA-256 check");
    expect(await snapshotFolder(dir)).toStrictEqual(before);

    const overflow = await cli(["generate", "--run-dir", done, "--scale", "1e300", "--temperature", "1e-10", "--length", "5"]);
    expect(overflow.code).toBe(1);
    expect(overflow.stderr).toContain("got Infinity (--scale 1e+300 / --temperature 1e-10)");
    const large = await cli(["generate", "--run-dir", done, "--scale", "1e300", "--length", "5"]);
    expect(large.stderr).toMatch(/expected --scale \/ --temperature between 0 and 5\.28e\+269 .*got 1e\+300 \(--scale 1e\+300 \/ --temperature 1\)/);
    const fine = await cli(["generate", "--run-dir", done, "--scale", "2", "--length", "5"]);
    expect(fine.code, fine.stderr).toBe(0);
  });
});
