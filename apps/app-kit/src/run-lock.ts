import { randomBytes } from "node:crypto";
import { readFileSync, unlinkSync } from "node:fs";
import { link, open, readFile, rename, stat, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { isProcessAlive } from "@recurrent/models/node";
import { AppKitError } from "./app-kit-error";

/** The lock file of a run folder. */
export const LOCK_FILE = "run.lock";

/** What a lock file says about its holder. */
export interface LockHolder {
  pid: number;
  hostname: string;
  /** The command that took the lock, e.g. `imdb-sentiment train`. */
  command: string;
  /** ISO time the lock was taken. */
  since: string;
  /** Start time of the holder process (Linux: clock ticks since boot), to tell a reused pid from the holder. */
  processStart: number | null;
  /** Random, to tell this lock from a later one of the same process. */
  token: string;
}

/** The start time of a process on Linux (field 22 of /proc/<pid>/stat), or null where there is no /proc. */
export function processStartTime(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // the command name (field 2) is in parentheses and may hold spaces: count fields after the last ")"
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const start = Number(fields[19]);
    return Number.isFinite(start) ? start : null;
  } catch {
    return null;
  }
}

/** Whether the holder of a lock still runs (same host: its pid runs and, where known, started when it did). */
function holderAlive(holder: LockHolder): boolean | "unknown" {
  if (holder.hostname !== hostname()) return "unknown";
  if (!isProcessAlive(holder.pid)) return false;
  const start = processStartTime(holder.pid);
  if (start !== null && holder.processStart !== null && start !== holder.processStart) return false; // pid reused
  return true;
}

function parseHolder(text: string): LockHolder | null {
  try {
    const h = JSON.parse(text) as Partial<LockHolder>;
    if (typeof h.pid !== "number" || typeof h.token !== "string" || typeof h.hostname !== "string") return null;
    return {
      pid: h.pid,
      hostname: h.hostname,
      command: typeof h.command === "string" ? h.command : "?",
      since: typeof h.since === "string" ? h.since : "?",
      processStart: typeof h.processStart === "number" ? h.processStart : null,
      token: h.token,
    };
  } catch {
    return null;
  }
}

/**
 * An exclusive lock on a run folder: the file `run.lock`, created with `open(…, "wx")` (fails when it exists),
 * holding the pid, host, command and start time of its holder. A lock whose holder no longer runs (killed with
 * `kill -9`, or a reused pid) is taken over at once; a live holder's is refused, naming it.
 */
export class RunLock {
  /** Set when this lock replaced the lock of a process that no longer runs. */
  readonly tookOverFrom: LockHolder | null;
  #released = false;
  readonly #onExit: () => void;

  private constructor(
    readonly path: string,
    readonly holder: LockHolder,
    tookOverFrom: LockHolder | null,
  ) {
    this.tookOverFrom = tookOverFrom;
    // a process that exits without releasing (process.exit, an uncaught error) still removes its lock
    this.#onExit = () => this.releaseSync();
    process.on("exit", this.#onExit);
  }

  /**
   * Takes the lock of `dir` (which must exist).
   *
   * @param command named in the refusal another process gets, e.g. `"imdb-sentiment train"`.
   * @throws {AppKitError} `RUN_FOLDER_LOCKED` naming the holder's pid and command when a live process holds it.
   * @example
   * const lock = await RunLock.acquire("runs/imdb", "imdb-sentiment train");
   * try { ... } finally { await lock.release(); }
   */
  static async acquire(dir: string, command: string): Promise<RunLock> {
    const path = join(dir, LOCK_FILE);
    const holder: LockHolder = {
      pid: process.pid,
      hostname: hostname(),
      command,
      since: new Date().toISOString(),
      processStart: processStartTime(process.pid),
      token: randomBytes(8).toString("hex"),
    };
    let tookOverFrom: LockHolder | null = null;
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        const handle = await open(path, "wx");
        try {
          await handle.writeFile(`${JSON.stringify(holder, null, 2)}\n`);
        } finally {
          await handle.close();
        }
        return new RunLock(path, holder, tookOverFrom);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      const text = await readFile(path, "utf8").catch(() => null);
      if (text === null) continue; // released in between: try again
      const current = parseHolder(text);
      if (current === null) {
        // being written by its holder right now, or left half-written by a killed one: wait, then take it over
        const age = Date.now() - ((await stat(path).catch(() => null))?.mtimeMs ?? Date.now());
        if (age < 2000) {
          await new Promise((r) => setTimeout(r, 50));
          continue;
        }
      } else {
        const alive = holderAlive(current);
        if (alive !== false) {
          throw new AppKitError(
            "RUN_FOLDER_LOCKED",
            `${dir} is in use by pid ${current.pid}${alive === "unknown" ? ` on ${current.hostname}` : ""} (${current.command}, since ${current.since}); ` +
              `wait for it to finish, or use another --run-dir${alive === "unknown" ? `; if that process no longer runs, delete ${path}` : ""}`,
          );
        }
      }
      // a stale lock: move it aside under a name of our own, check that it is the one judged stale, remove it
      const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString("hex")}`;
      try {
        await rename(path, aside);
      } catch {
        continue; // someone else moved it first
      }
      const moved = parseHolder(await readFile(aside, "utf8").catch(() => ""));
      if (moved !== null && moved.token !== current?.token && holderAlive(moved) !== false) {
        // a live process took the stale lock over in between: put its lock back
        await link(aside, path).catch(() => undefined);
        await unlink(aside).catch(() => undefined);
        continue;
      }
      await unlink(aside).catch(() => undefined);
      tookOverFrom = current ?? { pid: 0, hostname: "?", command: "? (a half-written lock file)", since: "?", processStart: null, token: "" };
    }
    throw new AppKitError("RUN_FOLDER_LOCKED", `${dir}: could not take ${path} (other processes kept taking it)`);
  }

  /**
   * Checks that the lock file is still this lock (another process could only have replaced it by judging this one
   * stale): called before every checkpoint write, so that two processes never write one run folder.
   *
   * @throws {AppKitError} `RUN_FOLDER_LOCKED` when the lock file is gone or is another's.
   */
  async verify(): Promise<void> {
    const text = await readFile(this.path, "utf8").catch(() => null);
    const current = text === null ? null : parseHolder(text);
    if (current?.token !== this.holder.token) {
      throw new AppKitError(
        "RUN_FOLDER_LOCKED",
        `lost the lock ${this.path}: ${current === null ? "it was deleted" : `it now belongs to pid ${current.pid} (${current.command})`}; stopping without writing`,
      );
    }
  }

  /** Removes the lock file when it is still this lock. Idempotent. */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    process.off("exit", this.#onExit);
    const text = await readFile(this.path, "utf8").catch(() => null);
    if (text !== null && parseHolder(text)?.token === this.holder.token) await unlink(this.path).catch(() => undefined);
  }

  /** {@link release} for `process.on("exit")`, where only synchronous work runs. */
  releaseSync(): void {
    if (this.#released) return;
    this.#released = true;
    process.off("exit", this.#onExit);
    try {
      if (parseHolder(readFileSync(this.path, "utf8"))?.token === this.holder.token) unlinkSync(this.path);
    } catch {
      // already gone
    }
  }
}
