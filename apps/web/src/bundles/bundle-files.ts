import { BUNDLE_FILES, type BundleFileReader } from "@recurrent/models";
import { unzipSync, zipSync } from "fflate";

/** The folder a bundle sits in inside an exported zip, and inside the CLI's run folder (`<run-dir>/bundle/`). */
export const BUNDLE_FOLDER = "bundle";

const NAMES = new Set<string>(Object.values(BUNDLE_FILES));

const baseName = (path: string): string => path.slice(path.lastIndexOf("/") + 1);

/**
 * A {@link BundleFileReader} over files the visitor picked: the bundle folder's files (folder picker or several
 * files), or one `.zip` holding them (as {@link zipBundle} writes it, or zipped by hand; folders inside are ignored).
 *
 * @throws {Error} when a zip holds two files of the same bundle name, or nothing of a bundle.
 */
export async function pickedBundleReader(files: readonly File[]): Promise<BundleFileReader> {
  const byName = new Map<string, () => Promise<Uint8Array>>();
  const add = (path: string, read: () => Promise<Uint8Array>) => {
    const name = baseName(path);
    if (!NAMES.has(name)) return;
    if (byName.has(name)) throw new Error(`expected one ${name} among the picked files, got two (${path})`);
    byName.set(name, read);
  };
  for (const file of files) {
    if (/\.zip$/i.test(file.name)) {
      const entries = unzipSync(new Uint8Array(await file.arrayBuffer()));
      for (const [path, bytes] of Object.entries(entries)) add(path, async () => bytes);
    } else {
      add(file.webkitRelativePath || file.name, async () => new Uint8Array(await file.arrayBuffer()));
    }
  }
  if (byName.size === 0) {
    throw new Error(`expected a model bundle (${[...NAMES].join(", ")}, or a .zip of them), got ${files.map((f) => f.name).join(", ") || "no file"}`);
  }
  return async (name) => {
    const read = byName.get(name);
    if (read === undefined) throw new Error(`the picked files have no ${name}`);
    return read();
  };
}

/** Zips a bundle's files under `bundle/`, so that unzipping into a folder makes it a run folder the CLI reads. */
export function zipBundle(files: ReadonlyMap<string, Uint8Array>): Uint8Array {
  const tree: Record<string, Uint8Array> = {};
  for (const [name, bytes] of files) tree[`${BUNDLE_FOLDER}/${name}`] = bytes;
  return zipSync(tree, { level: 6 });
}
