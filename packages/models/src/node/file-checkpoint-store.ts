import { createHash } from "node:crypto";
import { resolve } from "node:path";
import { ModelsError } from "../models-error";
import { decodeCheckpoint, type CheckpointStore } from "../training/training-checkpoint";
import { readRegularFile } from "./bundle-directory";
import { writeFileAtomic } from "./write-file-atomic";

/** Ends every checkpoint file that {@link FileCheckpointStore} writes, after the SHA-256 of what precedes it. */
const TRAILER_MAGIC = new TextEncoder().encode("RCKSUM1\n");
const DIGEST_BYTES = 32;
const TRAILER_BYTES = DIGEST_BYTES + TRAILER_MAGIC.length;

/** Options of {@link FileCheckpointStore}. */
export interface FileCheckpointStoreOptions {
  /**
   * Receives warnings (a checkpoint file without a checksum, written by an older version).
   * @default console.warn
   */
  onWarning?: (message: string) => void;
}

/**
 * A {@link CheckpointStore} in one file, replaced atomically on every save
 * (temporary name, fsync, rename). The file is the checkpoint's bytes
 * followed by their SHA-256 and the 8 bytes `RCKSUM1\n` (readers of the bare
 * format, `decodeCheckpoint`, ignore the 40 bytes at the end); `load` checks
 * them, so a changed, damaged or truncated file fails with
 * `CHECKPOINT_MALFORMED` naming it. A file without them (written before
 * checksums were added) is loaded when it decodes, with a warning.
 *
 * @example
 * await trainModel(model, { ..., checkpoint: new FileCheckpointStore("runs/imdb/checkpoint.bin") });
 */
export class FileCheckpointStore implements CheckpointStore {
  readonly path: string;
  readonly #onWarning: (message: string) => void;

  /** @param path the checkpoint file; its directory is created when needed. */
  constructor(path: string, options: FileCheckpointStoreOptions = {}) {
    if (typeof path !== "string" || path.length === 0) throw new TypeError(`expected a checkpoint path, got ${JSON.stringify(path)}`);
    this.path = resolve(path);
    this.#onWarning = options.onWarning ?? ((message) => console.warn(message));
  }

  /**
   * The checkpoint's bytes, checked against their SHA-256, or null when the file does not exist.
   *
   * @throws {ModelsError} `CHECKPOINT_MALFORMED` naming the file when it is not a regular file, fails its checksum, or
   *   (without a checksum) does not decode.
   */
  async load(): Promise<Uint8Array | null> {
    let bytes: Uint8Array;
    try {
      bytes = await readRegularFile(this.path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return null;
      throw new ModelsError("CHECKPOINT_MALFORMED", `checkpoint ${this.path}: cannot read it: ${(error as Error).message}`, { cause: error });
    }
    const n = bytes.length;
    const hasTrailer = n >= TRAILER_BYTES && TRAILER_MAGIC.every((b, i) => bytes[n - TRAILER_MAGIC.length + i] === b);
    if (hasTrailer) {
      const payload = bytes.subarray(0, n - TRAILER_BYTES);
      const stored = Buffer.from(bytes.subarray(n - TRAILER_BYTES, n - TRAILER_MAGIC.length)).toString("hex");
      const actual = createHash("sha256").update(payload).digest("hex");
      if (stored !== actual) {
        throw new ModelsError(
          "CHECKPOINT_MALFORMED",
          `checkpoint ${this.path} fails its SHA-256 check (the file says ${stored}, its contents hash to ${actual}): it was changed or damaged after it was written`,
        );
      }
      return payload;
    }
    try {
      decodeCheckpoint(bytes);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new ModelsError("CHECKPOINT_MALFORMED", `checkpoint ${this.path}: it has no checksum and does not decode (truncated or not a checkpoint): ${why}`, {
        cause: error,
      });
    }
    this.#onWarning(`checkpoint ${this.path} has no checksum (written by an older version): loaded, but damage to it cannot be detected; the next save adds one`);
    return bytes;
  }

  /** Writes the checkpoint's bytes and their SHA-256 atomically. */
  async save(bytes: Uint8Array): Promise<void> {
    const digest = createHash("sha256").update(bytes).digest();
    await writeFileAtomic(this.path, [bytes, new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength), TRAILER_MAGIC]);
  }
}
