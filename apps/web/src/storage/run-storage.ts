import { openDB, type DBSchema, type IDBPDatabase } from "idb";
import type { CheckpointStore } from "@recurrent/models";

/** The two kinds of run the page trains. */
export type Task = "sentiment" | "char";

/** A point of the live curves (kept with the run so a resumed run redraws them). */
export interface CurvePoint {
  step: number;
  loss: number;
  /** Per-epoch validation points carry these instead of `loss` alone. */
  valLoss?: number;
  accuracy?: number;
  valAccuracy?: number;
}

/** What is stored about a run besides its checkpoint. */
export interface RunRecord {
  task: Task;
  /** Everything that decides the data, model and training; resuming uses exactly this. */
  config: unknown;
  /** The picked file, kept so that a resumed run reads the same data without asking again. */
  source: Blob;
  sourceName: string;
  createdAt: string;
  updatedAt: string;
  /** `"running"` until training ends; `"finished"` after. */
  status: "running" | "finished";
  /** Steps done at the last checkpoint. */
  step: number;
  /** 1-based epoch of the last checkpoint. */
  epoch: number;
  epochs: number;
  batchesPerEpoch: number | null;
  /** Training loss per step and validation figures per epoch, up to the last checkpoint. */
  curve: CurvePoint[];
}

interface RunDb extends DBSchema {
  runs: { key: Task; value: RunRecord };
  checkpoints: { key: Task; value: Uint8Array };
}

const DB_NAME = "recurrent-web";
const DB_VERSION = 1;

let opened: Promise<IDBPDatabase<RunDb>> | null = null;

/** The app's IndexedDB database (two object stores: `runs` and `checkpoints`, keyed by task). */
export function runDatabase(): Promise<IDBPDatabase<RunDb>> {
  opened ??= openDB<RunDb>(DB_NAME, DB_VERSION, {
    upgrade(db) {
      db.createObjectStore("runs");
      db.createObjectStore("checkpoints");
    },
  });
  return opened;
}

/** The stored run of a task (without its checkpoint bytes), or null. */
export async function loadRun(task: Task): Promise<RunRecord | null> {
  return (await (await runDatabase()).get("runs", task)) ?? null;
}

/** Stores a new run, replacing the task's previous run and its checkpoint. */
export async function startRun(record: RunRecord): Promise<void> {
  const db = await runDatabase();
  const tx = db.transaction(["runs", "checkpoints"], "readwrite");
  await Promise.all([tx.objectStore("runs").put(record, record.task), tx.objectStore("checkpoints").delete(record.task), tx.done]);
}

/** Updates fields of a stored run (no-op when there is none). */
export async function updateRun(task: Task, fields: Partial<RunRecord>): Promise<void> {
  const db = await runDatabase();
  const tx = db.transaction("runs", "readwrite");
  const record = await tx.store.get(task);
  if (record !== undefined) await tx.store.put({ ...record, ...fields, updatedAt: new Date().toISOString() }, task);
  await tx.done;
}

/** Forgets a task's run and checkpoint. */
export async function discardRun(task: Task): Promise<void> {
  const db = await runDatabase();
  const tx = db.transaction(["runs", "checkpoints"], "readwrite");
  await Promise.all([tx.objectStore("runs").delete(task), tx.objectStore("checkpoints").delete(task), tx.done]);
}

/**
 * A {@link CheckpointStore} in IndexedDB for `trainModel`: `save` writes the checkpoint bytes and the run's
 * progress (`describe()`: step, epoch, curves) in one transaction, so after a crash or a reload the stored run and
 * its checkpoint always agree (IndexedDB transactions are atomic: either both are written or neither).
 *
 * @param describe what to record in the run with each checkpoint.
 * @example
 * await trainModel(model, { ..., checkpoint: indexedDbCheckpointStore("sentiment", () => ({ step, curve })) });
 */
export function indexedDbCheckpointStore(task: Task, describe: () => Partial<RunRecord> = () => ({})): CheckpointStore & { saves: number } {
  const store = {
    saves: 0,
    async load(): Promise<Uint8Array | null> {
      const bytes = await (await runDatabase()).get("checkpoints", task);
      return bytes ?? null;
    },
    async save(bytes: Uint8Array): Promise<void> {
      const db = await runDatabase();
      const tx = db.transaction(["runs", "checkpoints"], "readwrite");
      const runs = tx.objectStore("runs");
      const record = await runs.get(task);
      if (record === undefined) {
        tx.abort();
        await tx.done.catch(() => undefined);
        throw new Error(`cannot save a ${task} checkpoint: its run was discarded`);
      }
      // a copy: the caller may reuse the buffer, and IndexedDB clones the value synchronously anyway
      await Promise.all([
        tx.objectStore("checkpoints").put(bytes.slice(), task),
        runs.put({ ...record, ...describe(), updatedAt: new Date().toISOString() }, task),
        tx.done,
      ]);
      store.saves++;
    },
  };
  return store;
}
