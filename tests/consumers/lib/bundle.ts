// Browser bundle check: every browser entry of the installed tarballs, bundled the way an app's bundler would.
import { readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";

/**
 * The part of esbuild's API used here. esbuild is loaded from the consumer project at run time (the version tsup
 * builds our packages with), so its own types are not resolvable from the repository.
 */
export interface Esbuild {
  version: string;
  build(options: object): Promise<{
    warnings: EsbuildMessage[];
    outputFiles: { contents: Uint8Array }[];
    metafile: { inputs: Record<string, unknown> };
  }>;
}
interface EsbuildMessage {
  text: string;
  location: { file: string; line: number } | null;
  notes: { text: string }[];
}
interface ResolveArgs {
  path: string;
  kind: string;
  importer: string;
  resolveDir: string;
  pluginData?: unknown;
}
interface PluginBuild {
  onResolve(
    options: { filter: RegExp },
    callback: (args: ResolveArgs) => Promise<{ path: string; external: boolean } | undefined>,
  ): void;
  resolve(
    path: string,
    options: { kind: string; importer: string; resolveDir: string; pluginData: unknown },
  ): Promise<{ errors: EsbuildMessage[]; path: string }>;
}

/** Subpaths that are Node-only or test switches by our conventions (`./node`, `./testing`), not browser entries. */
const NON_BROWSER_SUBPATH = /^\.\/(node|testing)(\/|$)/;

/**
 * Every entry of an installed package as an import specifier: one per subpath of its `exports` (patterns and
 * `./package.json` left out), `.` being the package name.
 * @param packageDir the installed package (`node_modules/@recurrent/x`)
 */
export function exportSpecifiers(packageDir: string): { specifier: string; subpath: string }[] {
  const manifest = JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8")) as {
    name: string;
    exports?: unknown;
  };
  const exportsField = manifest.exports;
  if (typeof exportsField !== "object" || exportsField === null || Array.isArray(exportsField)) {
    throw new Error(`${manifest.name}: expected an "exports" object in package.json, got ${JSON.stringify(exportsField)}`);
  }
  return Object.keys(exportsField)
    .filter((subpath) => subpath !== "./package.json" && !subpath.includes("*"))
    .map((subpath) => ({ subpath, specifier: subpath === "." ? manifest.name : `${manifest.name}/${subpath.slice(2)}` }));
}

/**
 * The browser entries of an installed package: its {@link exportSpecifiers} except `./node…` and `./testing…`
 * (returned as `skipped`).
 * @param packageDir the installed package (`node_modules/@recurrent/x`)
 */
export function browserEntries(packageDir: string): { entries: string[]; skipped: string[] } {
  const entries: string[] = [];
  const skipped: string[] = [];
  for (const { subpath, specifier } of exportSpecifiers(packageDir)) {
    (NON_BROWSER_SUBPATH.test(subpath) ? skipped : entries).push(specifier);
  }
  return { entries, skipped };
}

/** The outcome of bundling one entry. */
export interface BundleResult {
  entry: string;
  ok: boolean;
  /** The Node builtins the entry pulls in, each as `zlib ← @recurrent/text-prep/dist/index.js`. */
  builtins: string[];
  /** esbuild's errors and warnings. */
  problems: string[];
  /** Size of the bundle (0 when it failed). */
  bytes: number;
  /** Modules in the bundle (0 when it failed). */
  modules: number;
  seconds: number;
}

const BUILTIN = new RegExp(`^(node:)?(${builtinModules.map((m) => m.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")).join("|")})$`);
const INNER = Symbol.for("recurrent-consumers/inner-resolve");

/**
 * Bundles `export * from "<entry>"` from the consumer project with esbuild, `platform: "browser"`, `bundle: true`,
 * `format: "esm"`, everything bundled (tfjs too). A Node builtin that the browser build cannot resolve (no `browser`
 * field maps it away, as tfjs's package.json files do for their Node-only code) is recorded with its importer and
 * left external, so that the build goes on and lists every such import; any builtin, error or warning fails the
 * entry.
 * @param projectDir the consumer project the entry is resolved from
 */
export async function bundleEntry(esbuild: Esbuild, projectDir: string, entry: string): Promise<BundleResult> {
  const started = performance.now();
  const builtins: string[] = [];
  const plugin = {
    name: "report-node-builtins",
    setup(build: PluginBuild) {
      build.onResolve({ filter: BUILTIN }, async (args) => {
        if (args.pluginData === INNER) return undefined;
        const resolved = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: INNER,
        });
        if (resolved.errors.length === 0) return undefined; // mapped away ("browser": { "fs": false }) or a real file
        builtins.push(`${args.path} ← ${shortPath(projectDir, args.importer)}`);
        return { path: args.path, external: true };
      });
    },
  };
  const seconds = () => (performance.now() - started) / 1000;
  try {
    const result = await esbuild.build({
      stdin: { contents: `export * from ${JSON.stringify(entry)};\n`, resolveDir: projectDir, loader: "js" },
      absWorkingDir: projectDir,
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      metafile: true,
      logLevel: "silent",
      outfile: "bundle.js",
      plugins: [plugin],
    });
    const problems = result.warnings.map((w) => `warning: ${formatMessage(w)}`);
    return {
      entry,
      ok: builtins.length === 0 && problems.length === 0,
      builtins: [...new Set(builtins)],
      problems,
      bytes: result.outputFiles.reduce((n, f) => n + f.contents.length, 0),
      modules: Object.keys(result.metafile.inputs).length,
      seconds: seconds(),
    };
  } catch (error) {
    const failure = error as { errors?: EsbuildMessage[]; warnings?: EsbuildMessage[] };
    const problems = [
      ...(failure.errors ?? []).map((e) => `error: ${formatMessage(e)}`),
      ...(failure.warnings ?? []).map((w) => `warning: ${formatMessage(w)}`),
    ];
    if (problems.length === 0) problems.push(`error: ${String(error)}`);
    return { entry, ok: false, builtins: [...new Set(builtins)], problems, bytes: 0, modules: 0, seconds: seconds() };
  }
}

function formatMessage(m: EsbuildMessage): string {
  const where = m.location ? `${m.location.file}:${m.location.line}: ` : "";
  return `${where}${m.text}${m.notes.map((n) => ` (${n.text})`).join("")}`;
}

/** `…/node_modules/@recurrent/text-prep/dist/index.js` → `@recurrent/text-prep/dist/index.js` */
function shortPath(projectDir: string, file: string): string {
  const relative = path.relative(projectDir, file).split(path.sep).join("/");
  const i = relative.lastIndexOf("node_modules/");
  return i >= 0 ? relative.slice(i + "node_modules/".length) : relative;
}
