import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sharedNovel } from "./novel-text";

const run = promisify(execFile);
const appDir = resolve(import.meta.dirname, "..");
const novel = sharedNovel(appDir);
if (novel === null) console.warn("skipping the end-to-end char-lm CLI test: ../shared/data/mysterious-island.txt does not exist");

const cli = (...args: string[]) =>
  run(process.execPath, ["--import", "tsx", join(appDir, "src", "cli.ts"), ...args], {
    cwd: appDir,
    env: { ...process.env, RECURRENT_BACKEND: "cpu" },
    maxBuffer: 16 * 1024 * 1024,
  });

let runDir: string;
beforeAll(async () => {
  runDir = await mkdtemp(join(tmpdir(), "char-lm-cli-"));
});
afterAll(async () => {
  await rm(runDir, { recursive: true, force: true });
});

// In CI the real data must be there: a missing file fails here instead of skipping the tests below.
it.runIf(Boolean(process.env.CI))("finds the real data in CI (../shared/data/mysterious-island.txt)", () => {
  expect(novel !== null).toBe(true);
});

describe.runIf(novel !== null)("char-lm CLI on the real novel (a tiny model, a few steps)", () => {
  it("trains, resumes, reports held-out figures and generates reproducibly with both methods", async () => {
    const common = ["--run-dir", runDir, "--units", "16", "--embedding-dim", "8", "--held-out", "0.002"];
    const first = await cli("train", ...common, "--max-steps", "2");
    expect(first.stdout).toContain("1112350 characters, 80 distinct");
    expect(first.stdout).toContain("stopped by max-steps");
    const second = await cli("train", ...common, "--max-steps", "4");
    expect(second.stdout).toContain("training: 4 steps");
    expect(second.stdout).toMatch(/held-out text \(\d+ predicted characters\): loss \d\.\d{4}, perplexity [\d.]+, [\d.]+ bits\/char/);
    expect((await readdir(runDir)).sort()).toStrictEqual(["bundle", "checkpoint.bin", "metrics.json", "run.json"]);
    const metrics = JSON.parse(await readFile(join(runDir, "metrics.json"), "utf8")) as { heldOut: { loss: number; bitsPerCharacter: number } };
    expect(metrics.heldOut.bitsPerCharacter).toBeCloseTo(metrics.heldOut.loss / Math.LN2, 10);
    const a = await cli("generate", "--run-dir", runDir, "--start", "The island", "--length", "30", "--scale", "2", "--seed", "3");
    const b = await cli("generate", "--run-dir", runDir, "--start", "The island", "--length", "30", "--scale", "2", "--seed", "3");
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout.startsWith("The island")).toBe(true);
    expect(a.stdout.length).toBe("The island".length + 30 + 1);
    const refeed = await cli("generate", "--run-dir", runDir, "--length", "30", "--scale", "0.5", "--method", "refeed");
    expect(refeed.stdout.length).toBe("The island".length + 30 + 1);
  });
});
