import { execFile, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import * as tf from "@tensorflow/tfjs";
import { buildCharLanguageModel, generateText } from "@recurrent/models";
import { saveBundle } from "@recurrent/models/node";
import { CharEncoder } from "@recurrent/text-prep";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// `char-lm generate` on a tiny random model saved as a run's bundle (no real data needed): it prints what
// generateText returns, and Ctrl-C leaves the partial text printed with exit code 130.

const appDir = resolve(import.meta.dirname, "..");
const cliArgs = ["--import", "tsx", join(appDir, "src", "cli.ts"), "generate"];
const env = { ...process.env, RECURRENT_BACKEND: "cpu" };
const START = "The island";

let runDir: string;
let model: tf.LayersModel;
let encoder: CharEncoder;
beforeAll(async () => {
  await tf.setBackend("cpu");
  runDir = await mkdtemp(join(tmpdir(), "char-lm-generate-"));
  encoder = CharEncoder.fromText("The island was a mysterious place, far from every coast.");
  model = buildCharLanguageModel({ vocabSize: encoder.size, embeddingDim: 8, units: 16, seed: 2 });
  await saveBundle(join(runDir, "bundle"), { kind: "char-lm", model, encoder, config: {}, metrics: {} });
});
afterAll(async () => {
  model.dispose();
  await rm(runDir, { recursive: true, force: true });
});

describe("char-lm generate", () => {
  it("prints the start and the generated characters: what generateText returns for the same options", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [...cliArgs, "--run-dir", runDir, "--length", "40", "--scale", "0.8", "--seed", "3"], {
      cwd: appDir,
      env,
    });
    expect(stdout).toBe(`${await generateText(model, encoder, { start: START, length: 40, scale: 0.8, seed: 3 })}\n`);
  });

  it("Ctrl-C stops it at once: the partial text stays printed, exit code 130", async () => {
    const child = spawn(process.execPath, [...cliArgs, "--run-dir", runDir, "--length", "100000000"], { cwd: appDir, env });
    let stdout = "";
    let stderr = "";
    let interruptedAt = -1;
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      // characters arrive while it generates: interrupt once a few have come
      if (interruptedAt < 0 && stdout.length >= START.length + 20) {
        interruptedAt = stdout.length;
        child.kill("SIGINT");
      }
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const code = await new Promise<number | null>((done) => child.on("close", (c) => done(c)));
    expect(interruptedAt, `the CLI printed nothing before it ended; stderr: ${stderr}`).toBeGreaterThan(0);
    expect(code).toBe(130);
    const match = /interrupted after (\d+) of 100000000 characters/.exec(stderr);
    expect(match, stderr).not.toBeNull();
    const count = Number(match![1]);
    expect(stdout).toHaveLength(START.length + count + 1);
    expect(stdout.startsWith(START)).toBe(true);
    expect(stdout.endsWith("\n")).toBe(true);
    // the same characters a full run prints: generation was cut, not changed
    expect(stdout.slice(0, -1)).toBe(await generateText(model, encoder, { start: START, length: count, seed: 1 }));
  });
});
