import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findRepoRoot } from "app-kit";

const run = promisify(execFile);
const appDir = resolve(import.meta.dirname, "..");
const archive = join(findRepoRoot(appDir)!, "..", "shared", "data", "aclImdb-labeled.tar.gz");
const hasData = existsSync(archive);
if (!hasData) console.warn(`skipping the end-to-end CLI test: ${archive} does not exist`);

// The CLI from source through tsx, the way a user runs the built one.
const cli = (...args: string[]) =>
  run(process.execPath, ["--import", "tsx", join(appDir, "src", "cli.ts"), ...args], {
    cwd: appDir,
    env: { ...process.env, RECURRENT_BACKEND: "cpu" },
    maxBuffer: 16 * 1024 * 1024,
  });

let runDir: string;
beforeAll(async () => {
  runDir = await mkdtemp(join(tmpdir(), "imdb-cli-"));
});
afterAll(async () => {
  await rm(runDir, { recursive: true, force: true });
});

// In CI the real data must be there: a missing file fails here instead of skipping the tests below.
it.runIf(Boolean(process.env.CI))("finds the real data in CI (../shared/data/aclImdb-labeled.tar.gz)", () => {
  expect(hasData).toBe(true);
});

describe.runIf(hasData)("imdb-sentiment CLI on the real archive (a tiny run)", () => {
  it("trains, resumes, evaluates and predicts, writing the run folder", async () => {
    const common = ["--data", archive, "--run-dir", runDir, "--limit", "120", "--max-tokens", "40", "--units", "8", "--embedding-dim", "8"];
    const first = await cli("train", ...common, "--epochs", "2", "--max-steps", "2");
    expect(first.stdout).toContain("49996 reviews read; train 48, validation 12, test 60");
    expect(first.stdout).toContain("stopped by max-steps");
    // the same command with more steps continues from the checkpoint
    const second = await cli("train", ...common, "--epochs", "2");
    expect(second.stdout).toContain("training: 4 steps, stopped by epochs");
    expect((await readdir(runDir)).sort()).toStrictEqual(["bundle", "checkpoint.bin", "metrics.json", "report.html", "run.json"]);
    const evaluated = await cli("evaluate", "--data", archive, "--run-dir", runDir);
    expect(evaluated.stdout).toMatch(/test: accuracy \d+\.\d\d %/);
    const metrics = JSON.parse(await readFile(join(runDir, "metrics.json"), "utf8")) as {
      test: { count: number; confusionMatrix: Record<string, number> };
      training: { steps: number; history: unknown[] };
      data: { vocabSize: number };
    };
    expect(metrics.test.count).toBe(60);
    expect(Object.values(metrics.test.confusionMatrix).reduce((a, b) => a + b, 0)).toBe(60);
    expect(metrics.training.steps).toBe(4);
    expect(metrics.training.history).toHaveLength(2);
    const html = await readFile(join(runDir, "report.html"), "utf8");
    expect(html).toContain("<svg");
    expect(html).not.toContain("Not evaluated on the test split yet");
    const predicted = await cli("predict", "--run-dir", runDir, "A wonderful film.", "An awful film.");
    const lines = predicted.stdout.trim().split("\n");
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toMatch(/^0\.\d{4}\t(positive|negative)\t/);
    // changing the data or model options of an existing run is refused
    await expect(cli("train", ...common.slice(0, -2), "--embedding-dim", "9")).rejects.toMatchObject({
      stderr: expect.stringContaining("embeddingDim"),
    });
  });
});
