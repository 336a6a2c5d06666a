import * as tf from "@tensorflow/tfjs";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectClose } from "../expect-close";
import { BUNDLE_FILES, buildSentimentModel, ModelsError } from "../index";
import { ToyEncoder } from "../__fixtures__/bundle-fixtures";
import { loadBundle, saveBundle } from "./index";

const exec = promisify(execFile);
const encoder = new ToyEncoder(["a", "b", "c", "d", "e", "f"]); // vocabSize 8
const predict = (model: tf.LayersModel) =>
  tf.tidy(() => (model.predict(tf.tensor2d([1, 2, 3, 4, 5, 6, 0, 0], [2, 4], "int32")) as tf.Tensor).dataSync() as Float32Array);
const sorted = async (dir: string) => (await readdir(dir)).sort();

let dir: string;
beforeAll(async () => {
  await tf.setBackend("cpu");
  dir = await mkdtemp(join(tmpdir(), "models-bundle-dir-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("bundle directories", () => {
  it("saves atomically, replaces an existing bundle, and loads it back", async () => {
    const target = join(dir, "replace", "bundle");
    const a = buildSentimentModel({ vocabSize: 8, embeddingDim: 3, units: 4, seed: 1, implementation: "stock" });
    const b = buildSentimentModel({ vocabSize: 8, embeddingDim: 3, units: 4, seed: 2, implementation: "stock" });
    await saveBundle(target, { kind: "toy", model: a, encoder, config: { v: 1 } });
    await writeFile(join(target, "stale.txt"), "from the old bundle");
    await saveBundle(target, { kind: "toy", model: b, encoder, config: { v: 2 } });
    expect(await sorted(join(dir, "replace"))).toStrictEqual(["bundle"]); // no temporary or old directory left
    expect(await sorted(target)).toStrictEqual(Object.values(BUNDLE_FILES).sort());
    const loaded = await loadBundle(target, { reviveEncoder: ToyEncoder.fromJSON });
    expect(loaded.config).toStrictEqual({ v: 2 });
    expect(loaded.verified).toBe(true);
    expectClose(predict(loaded.model), predict(b), { atol: 0 });
    // model.json is a standard tfjs layers model
    const modelJson = JSON.parse(await readFile(join(target, BUNDLE_FILES.model), "utf8")) as { format: string };
    expect(modelJson.format).toBe("layers-model");
    for (const m of [a, b, loaded.model]) m.dispose();
  });

  it("80 concurrent saves in one process all succeed and leave one complete bundle, nothing else", async () => {
    const parent = join(dir, "concurrent");
    const target = join(parent, "bundle");
    const model = buildSentimentModel({ vocabSize: 8, embeddingDim: 3, units: 4, seed: 3, implementation: "stock" });
    const results = await Promise.allSettled(Array.from({ length: 80 }, (_, i) => saveBundle(target, { kind: "toy", model, encoder, config: { i } })));
    expect(results.filter((r) => r.status === "rejected")).toStrictEqual([]);
    expect(await sorted(parent)).toStrictEqual(["bundle"]);
    const loaded = await loadBundle(target, { reviveEncoder: ToyEncoder.fromJSON });
    expect(loaded.config).toStrictEqual({ i: 79 }); // one after the other, in call order
    loaded.model.dispose();
    model.dispose();
  });

  it("concurrent saves from several processes all succeed and leave one complete bundle, nothing else", async () => {
    const parent = join(dir, "processes");
    const target = join(parent, "bundle");
    const script = resolve(import.meta.dirname, "..", "__fixtures__", "save-bundles.ts");
    const runs = await Promise.all(
      [1, 2, 3].map((seed) => exec(process.execPath, ["--import", "tsx", script, target, "20", String(seed)], { cwd: import.meta.dirname })),
    );
    for (const r of runs) expect(JSON.parse(r.stdout)).toStrictEqual({ failed: [] });
    expect(await sorted(parent)).toStrictEqual(["bundle"]);
    const loaded = await loadBundle(target, { reviveEncoder: ToyEncoder.fromJSON });
    expect(loaded.config).toMatchObject({ writer: expect.stringMatching(/^[123]-\d+$/) });
    loaded.model.dispose();
  }, 120_000);

  it("a missing bundle is BUNDLE_NOT_FOUND naming the folder; a FIFO or a file in the way fails instead of blocking", async () => {
    const missing = join(dir, "nothing-here", "bundle");
    await expect(loadBundle(missing)).rejects.toMatchObject({ code: "BUNDLE_NOT_FOUND", message: `no model bundle at ${missing}: bundle.json not found` });
    const target = join(dir, "fifo", "bundle");
    const model = buildSentimentModel({ vocabSize: 8, embeddingDim: 3, units: 4, implementation: "stock" });
    await saveBundle(target, { kind: "toy", model, encoder, config: null });
    await rm(join(target, BUNDLE_FILES.weights));
    await exec("mkfifo", [join(target, BUNDLE_FILES.weights)]);
    const error = await loadBundle(target).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelsError);
    expect(error).toMatchObject({ code: "BUNDLE_MALFORMED", message: expect.stringContaining(`model bundle ${target}: cannot read weights.bin: ${join(target, "weights.bin")} is not a regular file (a FIFO)`) });
    const file = join(dir, "a-file");
    await writeFile(file, "not a folder");
    await expect(loadBundle(file)).rejects.toMatchObject({ code: "BUNDLE_MALFORMED", message: `model bundle ${file}: expected a folder, got a file` });
    await mkdir(join(dir, "blocked"), { recursive: true });
    await writeFile(join(dir, "blocked", "bundle"), "a file where the bundle goes");
    await expect(saveBundle(join(dir, "blocked", "bundle"), { kind: "toy", model, encoder, config: null })).rejects.toThrow(
      `cannot save the bundle ${join(dir, "blocked", "bundle")}: ${join(dir, "blocked", "bundle")} is a file, not a bundle folder`,
    );
    expect(await sorted(join(dir, "blocked"))).toStrictEqual(["bundle"]); // its temporary folder was removed
    model.dispose();
  });
});
