// Versions the consumer projects install, read from our pnpm-lock.yaml (lockfile v9), so that they test the
// exact tfjs, TypeScript, @types/node and esbuild our own build and tests use.

/**
 * The `importers` section of a pnpm v9 lockfile: for each importer (".", "packages/models", …) package name →
 * resolved version, over all its dependency kinds (peer suffixes such as `(seedrandom@3.0.5)` removed). Only as much
 * YAML as pnpm writes there is understood; a lockfile of another version is an error, not a guess.
 */
export function lockfileImporters(text: string): Map<string, Map<string, string>> {
  if (!/^lockfileVersion: '9\.\d+'$/m.test(text)) {
    throw new Error(
      `expected pnpm-lock.yaml with lockfileVersion '9.x', got ${/^lockfileVersion:.*$/m.exec(text)?.[0] ?? "none"}`,
    );
  }
  const lines = text.split("\n");
  const start = lines.indexOf("importers:");
  if (start < 0) throw new Error("expected an `importers:` section in pnpm-lock.yaml, found none");
  const importers = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  let name: string | undefined;
  for (const line of lines.slice(start + 1)) {
    if (/^\S/.test(line)) break; // next top-level section
    let m: RegExpExecArray | null;
    if ((m = /^ {2}(\S.*):$/.exec(line))) {
      current = new Map();
      importers.set(unquote(m[1] ?? ""), current);
    } else if ((m = /^ {6}(\S.*):$/.exec(line))) {
      name = unquote(m[1] ?? "");
    } else if ((m = /^ {8}version: (\S+)$/.exec(line)) && current && name !== undefined) {
      current.set(name, unquote(m[1] ?? "").replace(/\(.*$/, ""));
    }
  }
  return importers;
}

/** The one version of `name` that the workspace's importers resolve (a direct dependency somewhere). */
export function directVersion(importers: Map<string, Map<string, string>>, name: string): string {
  const found = new Map<string, string>();
  for (const [importer, deps] of importers) {
    const version = deps.get(name);
    if (version !== undefined && !version.startsWith("link:")) found.set(importer, version);
  }
  const versions = [...new Set(found.values())];
  if (versions.length !== 1 || versions[0] === undefined) {
    throw new Error(
      `expected exactly one locked version of ${name} across the workspace, got ${versions.length}: ` +
        JSON.stringify(Object.fromEntries(found)),
    );
  }
  return versions[0];
}

/**
 * The version of `dependency` that the locked package `owner` (e.g. `tsup`) depends on, from the `snapshots`
 * section. An error when no snapshot of `owner` has it, or several disagree.
 */
export function snapshotDependencyVersion(text: string, owner: string, dependency: string): string {
  const lines = text.split("\n");
  const start = lines.indexOf("snapshots:");
  if (start < 0) throw new Error("expected a `snapshots:` section in pnpm-lock.yaml, found none");
  const versions = new Set<string>();
  let inOwner = false;
  for (const line of lines.slice(start + 1)) {
    if (/^\S/.test(line)) break;
    const entry = /^ {2}'?(@?[^@'\s]+)@[^:]*'?:/.exec(line);
    if (entry) {
      inOwner = entry[1] === owner;
      continue;
    }
    const dep = /^ {6}'?([^':]+)'?: (\S+)$/.exec(line);
    if (inOwner && dep && dep[1] === dependency) versions.add((dep[2] ?? "").replace(/\(.*$/, ""));
  }
  const [version, ...others] = versions;
  if (version === undefined || others.length > 0) {
    throw new Error(
      `expected ${owner} to depend on exactly one version of ${dependency} in pnpm-lock.yaml, got ` +
        JSON.stringify([...versions]),
    );
  }
  return version;
}

function unquote(s: string): string {
  return s.replace(/^'(.*)'$/, "$1");
}
