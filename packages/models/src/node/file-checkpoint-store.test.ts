import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeCheckpoint, encodeCheckpoint, ModelsError, type TrainingCheckpoint } from "../index";
import { FileCheckpointStore, writeFileAtomic } from "./index";

const exec = promisify(execFile);
const checkpoint: TrainingCheckpoint = {
  epoch: 1,
  batchesDone: 3,
  step: 7,
  partial: { lossSum: 1.5, sequences: 6, correct: 4, examples: 6, tokens: 60, seconds: 0.5, stepSeconds: 0.4 },
  history: [],
  best: null,
  wait: 0,
  finished: false,
  stopReason: null,
  weights: [{ name: "dense/kernel", shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) }],
  optimizer: [{ name: "iter", shape: [], data: Int32Array.of(7) }],
  divergence: { steps: 7, fast: 0.69, slow: 0.7, lowest: 0.6, over: 0 },
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "models-checkpoint-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function failure(promise: Promise<unknown>): Promise<ModelsError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelsError);
  return error as ModelsError;
}

describe("FileCheckpointStore", () => {
  it("saves the checkpoint followed by its SHA-256, loads it back, and says null when there is none", async () => {
    const store = new FileCheckpointStore(join(dir, "a", "checkpoint.bin"));
    expect(await store.load()).toBeNull();
    const bytes = encodeCheckpoint(checkpoint);
    await store.save(bytes);
    const file = new Uint8Array(await readFile(store.path));
    expect(file.length).toBe(bytes.length + 40);
    expect(new TextDecoder().decode(file.subarray(file.length - 8))).toBe("RCKSUM1\n");
    expect(await store.load()).toStrictEqual(bytes);
    // the bare decoder still reads the file (it ignores the 40 bytes at the end)
    expect(decodeCheckpoint(file).step).toBe(7);
    // the last save wins, and no temporary file is left
    await store.save(Uint8Array.from([4, 5]));
    expect(Array.from((await store.load())!)).toStrictEqual([4, 5]);
    expect(await readdir(join(dir, "a"))).toStrictEqual(["checkpoint.bin"]);
  });

  it("fails a flipped byte anywhere, or a truncated file, with CHECKPOINT_MALFORMED naming the file", async () => {
    const store = new FileCheckpointStore(join(dir, "b", "checkpoint.bin"));
    await store.save(encodeCheckpoint(checkpoint));
    const good = new Uint8Array(await readFile(store.path));
    for (const at of [0, 20, good.length - 45, good.length - 20]) {
      const bad = good.slice();
      bad[at]! ^= 0x10;
      await writeFile(store.path, bad);
      const error = await failure(store.load());
      expect(error.code).toBe("CHECKPOINT_MALFORMED");
      expect(error.message).toContain(`checkpoint ${store.path} fails its SHA-256 check`);
    }
    await writeFile(store.path, good.subarray(0, good.length - 50));
    expect(await failure(store.load())).toMatchObject({
      code: "CHECKPOINT_MALFORMED",
      message: expect.stringContaining(`checkpoint ${store.path}: it has no checksum and does not decode (truncated or not a checkpoint)`),
    });
    await writeFile(store.path, "not a checkpoint");
    expect((await failure(store.load())).message).toContain("does not decode");
  });

  it("loads a checkpoint without a checksum (an older version's) with a warning", async () => {
    const warnings: string[] = [];
    const store = new FileCheckpointStore(join(dir, "c", "checkpoint.bin"), { onWarning: (m) => warnings.push(m) });
    await writeFileAtomic(store.path, encodeCheckpoint(checkpoint));
    expect(decodeCheckpoint((await store.load())!).step).toBe(7);
    expect(warnings).toStrictEqual([`checkpoint ${store.path} has no checksum (written by an older version): loaded, but damage to it cannot be detected; the next save adds one`]);
  });

  it("refuses a FIFO instead of blocking on it", async () => {
    const path = join(dir, "fifo.bin");
    await exec("mkfifo", [path]);
    const error = await failure(new FileCheckpointStore(path).load());
    expect(error.message).toBe(`checkpoint ${path}: cannot read it: ${path} is not a regular file (a FIFO)`);
  });
});
