import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/**
 * The repository root (the folder holding `pnpm-workspace.yaml`) at or above `from`, or null.
 *
 * @example
 * findRepoRoot(process.cwd()) // "/work/main"
 */
export function findRepoRoot(from: string): string | null {
  let dir = resolve(from);
  while (true) {
    if (existsSync(join(dir, "pnpm-workspace.yaml"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/**
 * `<repo>/../shared/data/<name>`, the copy of the real data that sits beside
 * a checkout of the repository, when it exists; otherwise null.
 *
 * @example
 * sharedDataFile("mysterious-island.txt", process.cwd())
 */
export function sharedDataFile(name: string, from: string): string | null {
  const root = findRepoRoot(from);
  if (root === null) return null;
  const path = join(root, "..", "shared", "data", name);
  return existsSync(path) ? path : null;
}
