import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AppKitError } from "./app-kit-error";
import { LOCK_FILE, processStartTime, RunLock } from "./run-lock";

/** The pid of a process that has exited (a child that ran and ended). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(child.stdout);
}

describe("RunLock", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "run-lock-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("writes its holder into run.lock and removes it on release", async () => {
    const lock = await RunLock.acquire(dir, "test train");
    const holder = JSON.parse(await readFile(join(dir, LOCK_FILE), "utf8")) as { pid: number; command: string };
    expect(holder.pid).toBe(process.pid);
    expect(holder.command).toBe("test train");
    expect(lock.tookOverFrom).toBeNull();
    await lock.verify();
    await lock.release();
    await expect(readFile(join(dir, LOCK_FILE))).rejects.toMatchObject({ code: "ENOENT" });
    await lock.release(); // idempotent
  });

  it("refuses a second holder while the first lives, naming its pid and command", async () => {
    const lock = await RunLock.acquire(dir, "first train");
    const refusal = await RunLock.acquire(dir, "second train").catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(AppKitError);
    expect((refusal as AppKitError).code).toBe("RUN_FOLDER_LOCKED");
    expect((refusal as AppKitError).message).toContain(`in use by pid ${process.pid}`);
    expect((refusal as AppKitError).message).toContain("first train");
    await lock.release();
    const again = await RunLock.acquire(dir, "second train");
    await again.release();
  });

  it("gives the lock to exactly one of two concurrent takers", async () => {
    const outcomes = await Promise.allSettled([RunLock.acquire(dir, "a"), RunLock.acquire(dir, "b")]);
    const won = outcomes.filter((o) => o.status === "fulfilled");
    const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect((lost[0]!.reason as AppKitError).code).toBe("RUN_FOLDER_LOCKED");
    await (won[0] as PromiseFulfilledResult<RunLock>).value.release();
  });

  it("takes over the lock of a process that no longer runs", async () => {
    const pid = deadPid();
    const stale = { pid, hostname: hostname(), command: "killed train", since: "2026-01-01T00:00:00.000Z", processStart: null, token: "dead" };
    await writeFile(join(dir, LOCK_FILE), JSON.stringify(stale));
    const lock = await RunLock.acquire(dir, "new train");
    expect(lock.tookOverFrom).toMatchObject({ pid, command: "killed train" });
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), "utf8"))).toMatchObject({ pid: process.pid, command: "new train" });
    await lock.release();
  });

  it("takes over a lock whose pid was reused by another process (start time differs)", async () => {
    const start = processStartTime(process.pid);
    if (start === null) return; // no /proc: the start time is unknown here
    const reused = { pid: process.pid, hostname: hostname(), command: "old train", since: "?", processStart: start - 1, token: "old" };
    await writeFile(join(dir, LOCK_FILE), JSON.stringify(reused));
    const lock = await RunLock.acquire(dir, "new train");
    expect(lock.tookOverFrom?.command).toBe("old train");
    await lock.release();
  });

  it("takes over a half-written lock file once it is old, and waits while it is fresh", async () => {
    const path = join(dir, LOCK_FILE);
    await writeFile(path, '{"pid": 12');
    const old = new Date(Date.now() - 10_000);
    await utimes(path, old, old);
    const lock = await RunLock.acquire(dir, "new train");
    expect(lock.tookOverFrom?.command).toContain("half-written");
    await lock.release();
  });

  it("names the host of a lock held on another machine and says how to clear it", async () => {
    const remote = { pid: 1, hostname: `${hostname()}-other`, command: "remote train", since: "?", processStart: null, token: "r" };
    await writeFile(join(dir, LOCK_FILE), JSON.stringify(remote));
    await expect(RunLock.acquire(dir, "train")).rejects.toThrow(`on ${hostname()}-other`);
    await expect(RunLock.acquire(dir, "train")).rejects.toThrow(`delete ${join(dir, LOCK_FILE)}`);
  });

  it("verify fails once another process replaced the lock, and release leaves that lock alone", async () => {
    const lock = await RunLock.acquire(dir, "first");
    const other = { pid: process.pid, hostname: hostname(), command: "second", since: "?", processStart: null, token: "other" };
    await writeFile(join(dir, LOCK_FILE), JSON.stringify(other));
    await expect(lock.verify()).rejects.toThrow("now belongs to pid");
    await lock.release();
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), "utf8"))).toMatchObject({ token: "other" });
  });

  it("releaseSync (the process exit hook) removes the lock", async () => {
    const lock = await RunLock.acquire(dir, "train");
    lock.releaseSync();
    await expect(readFile(join(dir, LOCK_FILE))).rejects.toMatchObject({ code: "ENOENT" });
  });
});
