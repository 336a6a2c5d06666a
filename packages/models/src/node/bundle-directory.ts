import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { decodeBundle, encodeBundle, type DecodeBundleOptions, type LoadedBundle, type ModelBundleContents } from "../bundles/model-bundle";

/**
 * Saves a model bundle (see `encodeBundle`) into a directory atomically: the
 * files are written and flushed in a temporary sibling directory, which then
 * replaces `dir` (an existing bundle there is moved aside first and removed
 * after the swap).
 *
 * @throws {ModelsError} `VOCABULARY_MISMATCH` when encoder and Embedding disagree.
 * @example
 * await saveBundle("runs/imdb/bundle", { kind: "imdb-sentiment", model, encoder, config, metrics });
 */
export async function saveBundle(dir: string, contents: ModelBundleContents): Promise<void> {
  const files = await encodeBundle(contents);
  const parent = dirname(dir);
  await mkdir(parent, { recursive: true });
  const suffix = `${process.pid}-${randomBytes(4).toString("hex")}`;
  const temporary = join(parent, `.${basename(dir)}.tmp-${suffix}`);
  await mkdir(temporary);
  try {
    for (const [name, bytes] of files) {
      const handle = await open(join(temporary, name), "w");
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
  } catch (error) {
    await rm(temporary, { recursive: true, force: true });
    throw error;
  }
  const exists = await stat(dir).then(
    () => true,
    () => false,
  );
  const old = join(parent, `.${basename(dir)}.old-${suffix}`);
  if (exists) await rename(dir, old);
  await rename(temporary, dir);
  if (exists) await rm(old, { recursive: true, force: true });
}

/**
 * Loads a bundle directory written by {@link saveBundle}.
 *
 * @throws {ModelsError} `BUNDLE_MALFORMED` or `VOCABULARY_MISMATCH` (see `decodeBundle`).
 * @example
 * const { model, encoder } = await loadBundle("runs/imdb/bundle", { reviveEncoder: TokenTextEncoder.fromJSON });
 */
export async function loadBundle<E = unknown>(dir: string, options: DecodeBundleOptions<E> = {}): Promise<LoadedBundle<E>> {
  return decodeBundle<E>(async (name) => new Uint8Array(await readFile(join(dir, name))), options);
}
