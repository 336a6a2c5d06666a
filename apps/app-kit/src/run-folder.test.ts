import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeCheckpoint } from "@recurrent/models";
import { FileCheckpointStore } from "@recurrent/models/node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkpointAt } from "./__fixtures__/checkpoints";
import { RUN_FILES, RunFolder } from "./run-folder";

// no process has this pid: pids stay below 2^22 on Linux
const DEAD = 2 ** 31 - 2;

describe("RunFolder", () => {
  let top: string;
  const notes: string[] = [];
  const log = (line: string) => notes.push(line);
  beforeEach(async () => {
    top = await mkdtemp(join(tmpdir(), "run-folder-"));
    notes.length = 0;
  });
  afterEach(() => rm(top, { recursive: true, force: true }));

  it("creates the folder, holds its lock while open, and removes it again when nothing was written", async () => {
    const dir = join(top, "new");
    const folder = await RunFolder.open(dir, { command: "t", log });
    expect(await readdir(dir)).toStrictEqual([RUN_FILES.lock]);
    await expect(RunFolder.open(dir, { command: "second", log })).rejects.toMatchObject({ code: "RUN_FOLDER_LOCKED" });
    await folder.close();
    await expect(readdir(dir)).rejects.toMatchObject({ code: "ENOENT" });
    await folder.close(); // idempotent
  });

  it("removes what killed processes left, and says so", async () => {
    const dir = join(top, "run");
    await mkdir(join(dir, `.bundle.tmp-${DEAD}-00aa00aa`), { recursive: true });
    await writeFile(join(dir, `checkpoint.bin.tmp-${DEAD}-11bb11bb`), "half");
    await writeFile(join(dir, "checkpoint.bin"), "kept");
    const folder = await RunFolder.open(dir, { command: "t", log });
    expect((await readdir(dir)).sort()).toStrictEqual(["checkpoint.bin", RUN_FILES.lock]);
    expect(notes).toStrictEqual([`note: removed 2 file(s) left by a killed process: .bundle.tmp-${DEAD}-00aa00aa, checkpoint.bin.tmp-${DEAD}-11bb11bb`]);
    await folder.close();
    expect(await readdir(dir)).toStrictEqual(["checkpoint.bin"]); // a folder that existed stays
  });

  it("reads run.json of this version and of the earlier one (the options alone), and names an invalid one", async () => {
    const dir = join(top, "json");
    const folder = await RunFolder.open(dir, { command: "t", log });
    expect(await folder.readRun()).toBeNull();
    await folder.writeRun({ formatVersion: 1, config: { seed: 1, epochs: 2 }, sessions: [] });
    expect(await folder.readRun()).toStrictEqual({ formatVersion: 1, config: { seed: 1, epochs: 2 }, sessions: [] });
    await writeFile(folder.file(RUN_FILES.run), JSON.stringify({ seed: 3, epochs: 1 }));
    expect(await folder.readRun()).toStrictEqual({ formatVersion: 1, config: { seed: 3, epochs: 1 }, sessions: [] });
    await writeFile(folder.file(RUN_FILES.run), "{ not json");
    await expect(folder.readRun()).rejects.toMatchObject({
      code: "RUN_JSON_INVALID",
      message: expect.stringMatching(new RegExp(`^${folder.file(RUN_FILES.run)} is not valid JSON \\(.*\\); fix it, or start over with --restart$`)),
    });
    await writeFile(folder.file(RUN_FILES.run), "[1, 2]");
    await expect(folder.readRun()).rejects.toMatchObject({ code: "RUN_JSON_INVALID", message: expect.stringContaining("expected an object of run options, got [1,2]") });
    await folder.close();
  });

  it("reads the checkpoint through its checksum; a damaged one fails naming the file and --restart", async () => {
    const dir = join(top, "ckpt");
    const folder = await RunFolder.open(dir, { command: "t", log });
    expect(await folder.readCheckpoint()).toBeNull();
    await new FileCheckpointStore(folder.file(RUN_FILES.checkpoint)).save(encodeCheckpoint(checkpointAt(5)));
    expect((await folder.readCheckpoint())?.step).toBe(5);
    await writeFile(folder.file(RUN_FILES.checkpoint), "garbage");
    await expect(folder.readCheckpoint()).rejects.toMatchObject({
      code: "CHECKPOINT_MALFORMED",
      message: expect.stringMatching(new RegExp(`^checkpoint ${folder.file(RUN_FILES.checkpoint)}: .*; --restart discards it and starts over$`)),
    });
    await folder.close();
  });
});
