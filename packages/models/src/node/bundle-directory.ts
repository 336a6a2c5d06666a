import { constants } from "node:fs";
import { mkdir, open, readdir, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import {
  decodeBundle,
  encodeBundle,
  type BundleFileReader,
  type DecodeBundleOptions,
  type LoadedBundle,
  type ModelBundleContents,
} from "../bundles/model-bundle";
import { ModelsError } from "../models-error";
import { isProcessAlive } from "./stale-temporaries";
import { temporaryName } from "./write-file-atomic";

// saveBundle calls of this process on one directory run one after the other; other processes are handled by the
// retrying swap below.
const pending = new Map<string, Promise<void>>();

/** How often a swap is retried while other writers keep replacing the directory. */
const SWAP_ATTEMPTS = 200;

/**
 * Saves a model bundle (see `encodeBundle`) into a directory atomically: the
 * files are written and flushed in a temporary sibling directory
 * (`.<name>.tmp-<pid>-<random>`), which then replaces `dir` (an existing
 * bundle there is moved aside to `.<name>.old-<pid>-<random>` and removed
 * after the swap). Concurrent saves to one directory, in this process or
 * others, all succeed, the last one in place wins, and none leaves a
 * temporary folder behind. A process killed in the middle leaves folders that
 * `removeStaleTemporaries` cleans (and restores the old bundle from, when the
 * kill came between the two renames).
 *
 * @throws {ModelsError} `VOCABULARY_MISMATCH` when encoder and Embedding disagree; `NON_FINITE_WEIGHTS` when a weight is
 *   NaN or infinite (nothing is written).
 * @throws {Error} naming `dir` when the file system refuses (permissions, a file in the way, a full disk).
 * @example
 * await saveBundle("runs/imdb/bundle", { kind: "imdb-sentiment", model, encoder, config, metrics });
 */
export async function saveBundle(dir: string, contents: ModelBundleContents): Promise<void> {
  // The weights are read now (the model may go on training), and the place in the queue is taken now too, before
  // anything is awaited: saves run in call order whatever their encoding takes.
  const encoded = encodeBundle(contents);
  encoded.catch(() => undefined); // its failure is this call's, raised below once its turn comes
  const target = resolve(dir);
  const before = pending.get(target) ?? Promise.resolve();
  const mine = before.then(async () => writeBundleDirectory(target, await encoded));
  const settled = mine.then(
    () => undefined,
    () => undefined,
  );
  pending.set(target, settled);
  try {
    await mine;
  } finally {
    if (pending.get(target) === settled) pending.delete(target);
  }
}

async function writeBundleDirectory(dir: string, files: Map<string, Uint8Array>): Promise<void> {
  const parent = dirname(dir);
  const hidden = join(parent, `.${basename(dir)}`);
  const failure = (what: string, error: unknown) =>
    new Error(`cannot save the bundle ${dir}: ${what}: ${(error as Error).message}`, { cause: error });
  try {
    await mkdir(parent, { recursive: true });
  } catch (error) {
    throw failure(`cannot create ${parent}`, error);
  }
  const temporary = temporaryName(hidden);
  const aside: string[] = [];
  try {
    await mkdir(temporary);
    for (const [name, bytes] of files) {
      const handle = await open(join(temporary, name), "w");
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
    for (let attempt = 0; ; attempt++) {
      try {
        await rename(temporary, dir);
        break;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== "ENOTEMPTY" && code !== "EEXIST") {
          throw failure(code === "ENOTDIR" ? `${dir} is a file, not a bundle folder` : "cannot move the new bundle in place", error);
        }
      }
      if (attempt >= SWAP_ATTEMPTS) {
        throw new Error(`cannot save the bundle ${dir}: other processes kept replacing it (${SWAP_ATTEMPTS} attempts)`);
      }
      // an existing bundle is in the way: move it aside (another writer may have done so already: then retry)
      const old = temporaryName(hidden, "old");
      try {
        await rename(dir, old);
        aside.push(old);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw failure("cannot move the old bundle aside", error);
      }
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.random() * Math.min(20, attempt)));
    }
  } catch (error) {
    await rm(temporary, { recursive: true, force: true });
    // put the old bundle back when the new one could not take its place
    const first = aside.shift();
    if (first !== undefined && !(await exists(dir))) await rename(first, dir).catch(() => aside.unshift(first));
    await Promise.all(aside.map((p) => rm(p, { recursive: true, force: true })));
    throw error;
  }
  await Promise.all(aside.map((p) => rm(p, { recursive: true, force: true })));
  await syncDirectory(parent);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** fsync a directory so that a rename in it survives a power cut (not possible on every platform: ignored there). */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Windows cannot open a directory for fsync
  }
}

/**
 * Reads a regular file; refuses anything else (a FIFO would block the read forever, a folder cannot be read).
 * Opened non-blocking so that a FIFO with no writer does not block the open either.
 */
export async function readRegularFile(path: string): Promise<Uint8Array> {
  const handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const info = await handle.stat();
    if (!info.isFile()) {
      throw Object.assign(new Error(`${path} is not a regular file (${info.isDirectory() ? "a folder" : info.isFIFO() ? "a FIFO" : "a special file"})`), {
        code: "ENOTREGULAR",
      });
    }
    return new Uint8Array(await handle.readFile());
  } finally {
    await handle.close();
  }
}

/**
 * Loads a bundle directory written by {@link saveBundle}, through `decodeBundle`: every file is checked against
 * the size and SHA-256 recorded in `bundle.json`, and errors name the directory. A bundle being replaced by a
 * concurrent `saveBundle` (another process) is read again once the swap is done.
 *
 * @throws {ModelsError} `BUNDLE_NOT_FOUND` when `dir` holds no bundle; `BUNDLE_MALFORMED` or `VOCABULARY_MISMATCH`
 *   (see `decodeBundle`).
 * @example
 * const { model, encoder } = await loadBundle("runs/imdb/bundle", { reviveEncoder: TokenTextEncoder.fromJSON });
 */
export async function loadBundle<E = unknown>(dir: string, options: DecodeBundleOptions<E> = {}): Promise<LoadedBundle<E>> {
  const target = resolve(dir);
  const reader: BundleFileReader = Object.assign(async (name: string) => readRegularFile(join(target, name)), { location: target });
  for (let attempt = 0; ; attempt++) {
    const before = await stat(target).catch(() => null);
    if (before !== null && !before.isDirectory()) {
      throw new ModelsError("BUNDLE_MALFORMED", `model bundle ${target}: expected a folder, got a file`);
    }
    try {
      return await decodeBundle(reader, options);
    } catch (error) {
      if (attempt >= 20 || !(error instanceof ModelsError) || !(await swapped(target, before?.ino ?? null))) throw error;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

/** Whether the bundle folder was replaced since it had inode `ino`, or is being replaced now by a live process. */
async function swapped(dir: string, ino: number | null): Promise<boolean> {
  const now = await stat(dir).catch(() => null);
  if (now !== null && ino !== null && now.ino !== ino) return true;
  if (now !== null) return false;
  const prefix = `.${basename(dir)}.`;
  const siblings = await readdir(dirname(dir)).catch(() => [] as string[]);
  return siblings.some((name) => {
    const m = /\.(?:tmp|old)-(\d+)-[0-9a-f]+$/.exec(name);
    return name.startsWith(prefix) && m !== null && isProcessAlive(Number(m[1]));
  });
}
