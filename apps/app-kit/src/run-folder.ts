import { mkdir, readdir, readFile, rm, rmdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { decodeCheckpoint, ModelsError, type ModelBundleContents, type TrainingCheckpoint } from "@recurrent/models";
import { FileCheckpointStore, removeStaleTemporaries, saveBundle, writeFileAtomic } from "@recurrent/models/node";
import { AppKitError } from "./app-kit-error";
import { cliSession } from "./cli-session";
import { RunLock } from "./run-lock";

/** Files of a run folder that app-kit knows. */
export const RUN_FILES = {
  run: "run.json",
  checkpoint: "checkpoint.bin",
  bundle: "bundle",
  metrics: "metrics.json",
  report: "report.html",
  lock: "run.lock",
} as const;

/** One training session of a run, as `run.json` records it (written after each of its checkpoints). */
export interface SessionRecord {
  /** ISO time the session started training. */
  startedAt: string;
  pid: number;
  /** Optimizer steps in the checkpoint the session started from (0 for a new run). */
  fromStep: number;
  /** Steps in the session's last checkpoint. */
  toStep: number;
  /** Wall time from the session's start to its last checkpoint, in seconds (work lost to a kill is not counted). */
  seconds: number;
}

/** `run.json`: the options that decide the run, and its sessions. */
export interface RunRecord<C> {
  formatVersion: 1;
  config: C;
  sessions: SessionRecord[];
}

/** Options of {@link RunFolder.open}. */
export interface OpenRunFolderOptions {
  /** The command, named to another process that finds the folder locked, e.g. `"imdb-sentiment train"`. */
  command: string;
  /**
   * Where notes go (a stale lock taken over, leftovers removed, a checkpoint without checksum).
   * @default console.error
   */
  log?: (line: string) => void;
}

/**
 * A run folder owned by this process while it is open: an exclusive lock (`run.lock`, see {@link RunLock}), the
 * leftovers of killed processes removed (`checkpoint.bin.tmp-*`, `.bundle.tmp-*`, `.bundle.old-*`), and the files
 * of the run: `run.json`, `checkpoint.bin` (checksummed), `bundle/`, `metrics.json`, `report.html`.
 *
 * @example
 * const folder = await RunFolder.open("runs/imdb", { command: "imdb-sentiment train" });
 * try { ... } finally { await folder.close(); }
 */
export class RunFolder {
  readonly #created: boolean;
  readonly #log: (line: string) => void;
  #closed = false;
  readonly #forget: () => void;

  private constructor(
    /** Absolute path of the folder. */
    readonly dir: string,
    /** The folder's lock, held until {@link close}. */
    readonly lock: RunLock,
    created: boolean,
    log: (line: string) => void,
  ) {
    this.#created = created;
    this.#log = log;
    this.#forget = cliSession().onCleanup({ sync: () => lock.releaseSync(), async: () => this.close() });
  }

  /**
   * Creates the folder when needed, takes its lock, and removes what killed processes left in it.
   *
   * @throws {AppKitError} `RUN_FOLDER_LOCKED` when another live process holds it (naming its pid).
   */
  static async open(dir: string, options: OpenRunFolderOptions): Promise<RunFolder> {
    const path = resolve(dir);
    const log = options.log ?? ((line: string) => console.error(line));
    const created = !(await stat(path).then(
      (s) => {
        if (!s.isDirectory()) throw new Error(`--run-dir ${path} is a file, not a folder`);
        return true;
      },
      () => false,
    ));
    await mkdir(path, { recursive: true });
    let lock: RunLock;
    try {
      lock = await RunLock.acquire(path, options.command);
    } catch (error) {
      if (created) await rmdir(path).catch(() => undefined);
      throw error;
    }
    const folder = new RunFolder(path, lock, created, log);
    try {
      if (lock.tookOverFrom !== null) {
        log(`note: took over the lock of ${path} from pid ${lock.tookOverFrom.pid} (${lock.tookOverFrom.command}), which no longer runs`);
      }
      const { removed, restored } = await removeStaleTemporaries(path);
      for (const p of restored) log(`note: put ${p} back from the copy a killed process had moved aside`);
      if (removed.length > 0) log(`note: removed ${removed.length} file(s) left by a killed process: ${removed.map((p) => p.slice(path.length + 1)).join(", ")}`);
    } catch (error) {
      await folder.close();
      throw error;
    }
    return folder;
  }

  /** Path of a file of the folder. */
  file(name: string): string {
    return join(this.dir, name);
  }

  /** Whether a file of the folder exists. */
  async has(name: string): Promise<boolean> {
    return stat(this.file(name)).then(
      () => true,
      () => false,
    );
  }

  /**
   * `run.json`, or null when there is none. A `run.json` of an earlier version (the options alone) reads as a
   * record without sessions.
   *
   * @throws {AppKitError} `RUN_JSON_INVALID` naming the file when it is not JSON or not an object.
   */
  async readRun<C>(): Promise<RunRecord<C> | null> {
    const path = this.file(RUN_FILES.run);
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new AppKitError("RUN_JSON_INVALID", `${path} is not valid JSON (${(error as Error).message}); fix it, or start over with --restart`, { cause: error });
    }
    if (json === null || typeof json !== "object" || Array.isArray(json)) {
      throw new AppKitError("RUN_JSON_INVALID", `${path}: expected an object of run options, got ${JSON.stringify(json).slice(0, 60)}; fix it, or start over with --restart`);
    }
    const record = json as Partial<RunRecord<C>>;
    if (record.formatVersion === undefined) return { formatVersion: 1, config: json as C, sessions: [] };
    if (record.formatVersion !== 1 || record.config === null || typeof record.config !== "object" || !Array.isArray(record.sessions)) {
      throw new AppKitError("RUN_JSON_INVALID", `${path}: expected { formatVersion: 1, config, sessions }, got another layout; fix it, or start over with --restart`);
    }
    return record as RunRecord<C>;
  }

  /** Writes `run.json` atomically. */
  async writeRun<C>(record: RunRecord<C>): Promise<void> {
    await this.writeJson(RUN_FILES.run, record);
  }

  /** A checksummed store for `checkpoint.bin` whose notes go to this folder's log. */
  checkpointStore(): FileCheckpointStore {
    return new FileCheckpointStore(this.file(RUN_FILES.checkpoint), { onWarning: (m) => this.#log(`note: ${m}`) });
  }

  /**
   * The checkpoint, checked and decoded, or null when there is none.
   *
   * @throws {ModelsError} `CHECKPOINT_MALFORMED` naming the file, with advice.
   */
  async readCheckpoint(): Promise<TrainingCheckpoint | null> {
    const store = this.checkpointStore();
    try {
      const bytes = await store.load();
      return bytes === null ? null : decodeCheckpoint(bytes);
    } catch (error) {
      if (error instanceof ModelsError) {
        const message = error.message.includes(store.path) ? error.message : `checkpoint ${store.path}: ${error.message}`;
        throw new ModelsError(error.code, `${message}; --restart discards it and starts over`, { cause: error });
      }
      throw error;
    }
  }

  /** Reads a JSON file of the folder, or null when it does not exist or is not JSON (metrics written by us). */
  async readJson(name: string): Promise<Record<string, unknown> | null> {
    try {
      const json = JSON.parse(await readFile(this.file(name), "utf8")) as unknown;
      return json !== null && typeof json === "object" && !Array.isArray(json) ? (json as Record<string, unknown>) : null;
    } catch {
      return null;
    }
  }

  /** Writes a JSON file of the folder atomically. */
  async writeJson(name: string, value: unknown): Promise<void> {
    await writeFileAtomic(this.file(name), `${JSON.stringify(value, null, 2)}\n`);
  }

  /** Writes a text file of the folder atomically. */
  async writeText(name: string, text: string): Promise<void> {
    await writeFileAtomic(this.file(name), text);
  }

  /**
   * Saves the model bundle to `bundle/` atomically (call it inside `cliSession().interrupts.critical(…)` so that a
   * Ctrl-C waits for it).
   */
  async saveBundle(contents: ModelBundleContents): Promise<void> {
    await saveBundle(this.file(RUN_FILES.bundle), contents);
  }

  /** Removes files of the run (`--restart`): the lock and other files stay. */
  async discard(names: readonly string[]): Promise<void> {
    for (const name of names) await rm(this.file(name), { recursive: true, force: true });
  }

  /** Releases the lock; a folder this process created and left empty is removed. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#forget();
    await this.lock.release();
    if (this.#created && (await readdir(this.dir).catch(() => ["?"])).length === 0) await rmdir(this.dir).catch(() => undefined);
  }
}
