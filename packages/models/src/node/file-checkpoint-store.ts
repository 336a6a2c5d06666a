import { readFile } from "node:fs/promises";
import type { CheckpointStore } from "../training/training-checkpoint";
import { writeFileAtomic } from "./write-file-atomic";

/**
 * A {@link CheckpointStore} in one file, replaced atomically on every save
 * (temporary name, fsync, rename).
 *
 * @example
 * await trainModel(model, { ..., checkpoint: new FileCheckpointStore("runs/imdb/checkpoint.bin") });
 */
export class FileCheckpointStore implements CheckpointStore {
  /** @param path the checkpoint file; its directory is created when needed. */
  constructor(readonly path: string) {
    if (typeof path !== "string" || path.length === 0) throw new TypeError(`expected a checkpoint path, got ${JSON.stringify(path)}`);
  }

  async load(): Promise<Uint8Array | null> {
    try {
      return new Uint8Array(await readFile(this.path));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw error;
    }
  }

  async save(bytes: Uint8Array): Promise<void> {
    await writeFileAtomic(this.path, bytes);
  }
}
