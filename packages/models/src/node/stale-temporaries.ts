import { readdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";

// `<name>.tmp-<pid>-<hex>` (writeFileAtomic), `.<name>.tmp-<pid>-<hex>` and `.<name>.old-<pid>-<hex>` (saveBundle)
const TEMPORARY = /^(\.?)(.+)\.(tmp|old)-(\d+)-[0-9a-f]+$/;

/** What {@link removeStaleTemporaries} did. */
export interface StaleTemporaries {
  /** Paths removed: temporary files and folders of processes that no longer run. */
  removed: string[];
  /** Bundles put back from their `.old` copy (a process killed between moving the old bundle aside and putting the new one in place). */
  restored: string[];
}

/**
 * True when a process with this pid runs on this machine (`kill(pid, 0)`; a process of another user counts).
 *
 * @example
 * isProcessAlive(process.pid) // true
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Removes from `dir` the temporary files and folders that `writeFileAtomic` and `saveBundle` leave behind when
 * their process is killed (`checkpoint.bin.tmp-<pid>-…`, `.bundle.tmp-<pid>-…`, `.bundle.old-<pid>-…`), and only
 * those whose pid no longer runs, so that the work of a live process is never touched. A bundle folder that is
 * missing while its `.old` copy exists (killed in the middle of the swap) is put back first.
 *
 * @returns the paths removed and the bundles restored.
 * @example
 * const { removed } = await removeStaleTemporaries("runs/imdb");
 */
export async function removeStaleTemporaries(dir: string): Promise<StaleTemporaries> {
  const result: StaleTemporaries = { removed: [], restored: [] };
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return result;
    throw error;
  }
  const stale = names
    .map((name) => ({ name, match: TEMPORARY.exec(name) }))
    .filter((e): e is { name: string; match: RegExpExecArray } => e.match !== null && !isProcessAlive(Number(e.match[4])));
  // newest .old first: it is the bundle that was in place last
  const olds = await Promise.all(
    stale.filter((e) => e.match[3] === "old" && e.match[1] === ".").map(async (e) => ({ ...e, mtime: (await stat(join(dir, e.name)).catch(() => null))?.mtimeMs ?? 0 })),
  );
  olds.sort((a, b) => b.mtime - a.mtime);
  const moved = new Set<string>();
  for (const e of olds) {
    const target = join(dir, e.match[2] as string);
    const exists = await stat(target).then(
      () => true,
      () => false,
    );
    if (!exists) {
      await rename(join(dir, e.name), target);
      moved.add(e.name);
      result.restored.push(target);
    }
  }
  for (const e of stale) {
    if (moved.has(e.name)) continue;
    const path = join(dir, e.name);
    await rm(path, { recursive: true, force: true });
    result.removed.push(path);
  }
  return result;
}
