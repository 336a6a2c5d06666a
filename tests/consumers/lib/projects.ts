// The two scratch consumer projects (ESM and CJS), their tsconfigs, the example files, and the type-check.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type * as TS from "typescript";

import type { Example } from "./markdown";

/** TypeScript's API: the consumer's own copy (same version as ours) is passed in at run time. */
export type TypeScript = typeof TS;
export type Flavor = "esm" | "cjs";
export type Resolution = "node16" | "nodenext" | "bundler";

export const FLAVORS: readonly Flavor[] = ["esm", "cjs"];
export const RESOLUTIONS: readonly Resolution[] = ["node16", "nodenext", "bundler"];
/** The resolution whose emitted JavaScript is run with node. */
export const RUN_RESOLUTION: Resolution = "nodenext";

const MODULE_SETTINGS: Record<Resolution, { module: string; moduleResolution: string }> = {
  node16: { module: "node16", moduleResolution: "node16" },
  nodenext: { module: "nodenext", moduleResolution: "nodenext" },
  bundler: { module: "preserve", moduleResolution: "bundler" },
};

/**
 * The file an example becomes in a project's `src/`, or null where it does not apply (`mjs` examples are ESM only,
 * `cjs` examples CJS only).
 */
export function exampleFileName(example: Example, flavor: Flavor): string | null {
  const base = example.id.replace(/\//g, "__").replace(/[^A-Za-z0-9_.-]/g, "-");
  switch (example.language) {
    case "ts":
    case "typescript":
      return `${base}.ts`;
    case "js":
      return `${base}.js`;
    case "mjs":
      return flavor === "esm" ? `${base}.mjs` : null;
    case "cjs":
      return flavor === "cjs" ? `${base}.cjs` : null;
  }
}

/** Where tsc writes the JavaScript of `source` (a file in `<project>/src/`). */
export function emittedFile(projectDir: string, source: string): string {
  return path
    .join(projectDir, "out", path.relative(path.join(projectDir, "src"), source))
    .replace(/\.ts$/, ".js")
    .replace(/\.mts$/, ".mjs")
    .replace(/\.cts$/, ".cjs");
}

/**
 * The CJS variant of an example: top-level `await` is not allowed in CommonJS, so everything after the imports
 * goes into an async function that is called at the end (a rejection is printed and sets exit code 1). Imports stay
 * import statements (TypeScript turns them into `require`). Line numbers are kept: the function opens on the line
 * of the last leading import; imports further down are blanked where they were and moved after the function,
 * before the call.
 */
export function wrapForCommonJs(ts: TypeScript, code: string, isJs: boolean): string {
  const source = ts.createSourceFile(
    isJs ? "example.js" : "example.ts",
    code,
    ts.ScriptTarget.Latest,
    true,
    isJs ? ts.ScriptKind.JS : ts.ScriptKind.TS,
  );
  const isImport = (s: TS.Statement) => ts.isImportDeclaration(s) || ts.isImportEqualsDeclaration(s);
  const statements = source.statements;
  let leading = 0;
  while (leading < statements.length && isImport(statements[leading] as TS.Statement)) leading++;
  const headEnd = leading > 0 ? (statements[leading - 1] as TS.Statement).end : 0;
  let body = code.slice(headEnd);
  const moved: string[] = [];
  for (const statement of statements.slice(leading)) {
    if (!isImport(statement)) continue;
    const start = statement.getStart(source) - headEnd;
    const end = statement.end - headEnd;
    moved.push(body.slice(start, end));
    body = body.slice(0, start) + body.slice(start, end).replace(/[^\n]/g, " ") + body.slice(end);
  }
  const name = "__recurrentExample";
  return (
    code.slice(0, headEnd) +
    ` async function ${name}() {` +
    body +
    "\n}\n" +
    moved.map((s) => s + "\n").join("") +
    `${name}().catch((error) => {\n  console.error(error);\n  process.exitCode = 1;\n});\n`
  );
}

/** The file of each project that imports the types of every entry of every package. */
export const ENTRIES_FILE = "__every-entry__.ts";

/**
 * Writes one consumer project: `package.json` (`"type": "module"` for ESM, no type field for CJS), one tsconfig per
 * resolution (`tsconfig.<resolution>.json`; only the {@link RUN_RESOLUTION} one emits, into `out/`), the examples in
 * `src/`, and `src/${ENTRIES_FILE}`, which imports the types of every entry (Node-only ones too), so that all our
 * published .d.ts files are checked whatever the examples import. The dependencies are installed once in the
 * parent folder (`../node_modules`), which Node and TypeScript find by walking up, as in a workspace.
 * @param entries every import specifier of our packages
 * @returns example id → absolute path of its source file in this project
 */
export function writeProject(
  ts: TypeScript,
  dir: string,
  flavor: Flavor,
  examples: readonly Example[],
  entries: readonly string[],
): Map<string, string> {
  mkdirSync(path.join(dir, "src"), { recursive: true });
  const manifest = {
    name: `recurrent-consumer-${flavor}`,
    private: true,
    description: `A ${flavor === "esm" ? "ES module" : "CommonJS"} consumer of the packed @recurrent/* tarballs.`,
    ...(flavor === "esm" ? { type: "module" } : {}),
  };
  writeFileSync(path.join(dir, "package.json"), JSON.stringify(manifest, null, 2) + "\n");
  for (const resolution of RESOLUTIONS) {
    const emits = resolution === RUN_RESOLUTION;
    const config = {
      compilerOptions: {
        strict: true,
        target: "ES2022",
        lib: ["ES2023"],
        ...MODULE_SETTINGS[resolution],
        moduleDetection: "force",
        esModuleInterop: true,
        allowJs: true,
        checkJs: true,
        // Our own .d.ts files are checked too; errors in third-party ones are reported apart, not as failures.
        skipLibCheck: false,
        forceConsistentCasingInFileNames: true,
        ...(emits ? { outDir: "out", rootDir: "src", noEmitOnError: false } : { noEmit: true }),
      },
      include: ["src"],
    };
    writeFileSync(path.join(dir, `tsconfig.${resolution}.json`), JSON.stringify(config, null, 2) + "\n");
  }
  writeFileSync(
    path.join(dir, "src", ENTRIES_FILE),
    "// Every entry of every package, so that all of our published .d.ts files are type-checked.\n" +
      entries.map((e, i) => `import type * as entry${i} from ${JSON.stringify(e)};\n`).join("") +
      `export type Entries = [${entries.map((_, i) => `typeof entry${i}`).join(", ")}];\n`,
  );
  const files = new Map<string, string>();
  for (const example of examples) {
    const name = exampleFileName(example, flavor);
    if (name === null) continue;
    const isJs = !name.endsWith(".ts");
    const code = flavor === "cjs" && !name.endsWith(".cjs") ? wrapForCommonJs(ts, example.code, isJs) : example.code;
    const file = path.join(dir, "src", name);
    writeFileSync(file, code);
    files.set(example.id, file);
  }
  return files;
}

/** The diagnostics of one project under one resolution, sorted by where they are. */
export interface TypecheckResult {
  /** Absolute source path → formatted errors. */
  byFile: Map<string, string[]>;
  /** Errors inside node_modules/@recurrent/** (our published .d.ts files). */
  packageTypes: string[];
  /** Errors without a file (options, missing lib). */
  global: string[];
  /**
   * Errors inside other packages' .d.ts files, by package: not ours to fix and not failures (tfjs-backend-webgl's
   * types need the DOM lib, which a Node project does not have).
   */
  thirdParty: Map<string, { count: number; first: string }>;
  seconds: number;
}

/**
 * Type-checks a project with its `tsconfig.<resolution>.json`, and emits when that config emits.
 * @param describeLine turns a line of an example file into a README reference (`packages/x/README.md:31`)
 */
export function typecheckProject(
  ts: TypeScript,
  dir: string,
  resolution: Resolution,
  describeLine: (file: string, line: number) => string,
): TypecheckResult {
  const started = performance.now();
  const configPath = path.join(dir, `tsconfig.${resolution}.json`);
  const configErrors: TS.Diagnostic[] = [];
  const parsed = ts.getParsedCommandLineOfConfigFile(configPath, undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => configErrors.push(d),
  });
  if (!parsed) throw new Error(`${configPath}: ${configErrors.map((d) => flatten(ts, d.messageText)).join("; ")}`);
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
  const diagnostics = [...parsed.errors, ...ts.getPreEmitDiagnostics(program)];
  if (!parsed.options.noEmit) diagnostics.push(...program.emit().diagnostics);
  const result: TypecheckResult = { byFile: new Map(), packageTypes: [], global: [], thirdParty: new Map(), seconds: 0 };
  const nodeModules = `${path.sep}node_modules${path.sep}`;
  for (const d of diagnostics) {
    const message = `error TS${d.code}: ${flatten(ts, d.messageText)}`;
    if (!d.file) {
      result.global.push(message);
      continue;
    }
    const file = path.resolve(d.file.fileName);
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
    const where = `${path.relative(dir, file)}:${line + 1}:${character + 1}`;
    if (file.includes(nodeModules)) {
      const name = packageNameOf(file);
      if (name.startsWith("@recurrent/")) {
        result.packageTypes.push(`${where} ${message}`);
      } else {
        const entry = result.thirdParty.get(name) ?? { count: 0, first: `${where} ${message.split("\n")[0]}` };
        entry.count++;
        result.thirdParty.set(name, entry);
      }
      continue;
    }
    if (path.basename(file) === ENTRIES_FILE) {
      result.packageTypes.push(`${where} ${message}`);
      continue;
    }
    const list = result.byFile.get(file) ?? [];
    list.push(`${describeLine(file, line + 1)} (${where}) ${message}`);
    result.byFile.set(file, list);
  }
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

/** `/x/node_modules/@scope/name/dist/a.d.ts` → `@scope/name` */
function packageNameOf(file: string): string {
  const parts = file.split(path.sep);
  const i = parts.lastIndexOf("node_modules");
  const first = parts[i + 1] ?? "";
  return first.startsWith("@") ? `${first}/${parts[i + 2] ?? ""}` : first;
}

function flatten(ts: TypeScript, text: string | TS.DiagnosticMessageChain): string {
  return ts.flattenDiagnosticMessageText(text, "\n    ");
}
