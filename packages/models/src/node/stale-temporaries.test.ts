import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isProcessAlive, removeStaleTemporaries } from "./index";

// no process has this pid: pids stay below 2^22 on Linux
const DEAD = 2 ** 31 - 2;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "models-stale-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("removeStaleTemporaries", () => {
  it("knows live and dead pids", () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    expect(isProcessAlive(DEAD)).toBe(false);
    expect(isProcessAlive(0)).toBe(false);
  });

  it("removes the leftovers of dead processes, keeps those of live ones and every other file", async () => {
    const run = join(dir, "run");
    await mkdir(join(run, "bundle"), { recursive: true });
    await mkdir(join(run, `.bundle.tmp-${DEAD}-0a1b2c3d`));
    await mkdir(join(run, `.bundle.old-${DEAD}-0a1b2c3e`));
    await writeFile(join(run, `checkpoint.bin.tmp-${DEAD}-deadbeef`), "half a checkpoint");
    await writeFile(join(run, `checkpoint.bin.tmp-${process.pid}-feedf00d`), "being written by this process");
    await writeFile(join(run, "checkpoint.bin"), "the checkpoint");
    await writeFile(join(run, "notes.tmp-x"), "not ours");
    const result = await removeStaleTemporaries(run);
    expect(result.restored).toStrictEqual([]);
    expect(result.removed.sort()).toStrictEqual(
      [`.bundle.old-${DEAD}-0a1b2c3e`, `.bundle.tmp-${DEAD}-0a1b2c3d`, `checkpoint.bin.tmp-${DEAD}-deadbeef`].map((n) => join(run, n)).sort(),
    );
    expect((await readdir(run)).sort()).toStrictEqual(["bundle", "checkpoint.bin", `checkpoint.bin.tmp-${process.pid}-feedf00d`, "notes.tmp-x"]);
  });

  it("puts a bundle back from its .old copy when a kill came between the two renames", async () => {
    const run = join(dir, "swap");
    await mkdir(join(run, `.bundle.old-${DEAD}-00000001`), { recursive: true });
    await writeFile(join(run, `.bundle.old-${DEAD}-00000001`, "bundle.json"), "{}");
    await mkdir(join(run, `.bundle.tmp-${DEAD}-00000002`));
    const result = await removeStaleTemporaries(run);
    expect(result.restored).toStrictEqual([join(run, "bundle")]);
    expect((await readdir(run)).sort()).toStrictEqual(["bundle"]);
    expect(await readFile(join(run, "bundle", "bundle.json"), "utf8")).toBe("{}");
  });

  it("says nothing was done for a folder that does not exist", async () => {
    expect(await removeStaleTemporaries(join(dir, "missing"))).toStrictEqual({ removed: [], restored: [] });
  });
});
