// README examples are code: pack the publishable packages, install the tarballs with npm in scratch consumer
// projects outside the workspace (one ESM, one CJS), type-check every README example under three module
// resolutions, run it with node, and bundle every browser entry for the browser. See README.md beside this file.
//
//   pnpm test:consumers [-- --filter <text>] [--timeout <seconds>] [--keep]
//
// Exits non-zero when any example, published type or bundle fails.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

import { browserEntries, bundleEntry, exportSpecifiers } from "./lib/bundle";
import type { BundleResult, Esbuild } from "./lib/bundle";
import { consumerEnv, exec } from "./lib/exec";
import type { ExecResult } from "./lib/exec";
import { directVersion, lockfileImporters, snapshotDependencyVersion } from "./lib/lockfile";
import { readmeExamples } from "./lib/markdown";
import type { Example } from "./lib/markdown";
import {
  ENTRIES_FILE,
  FLAVORS,
  RESOLUTIONS,
  RUN_RESOLUTION,
  emittedFile,
  typecheckProject,
  writeProject,
} from "./lib/projects";
import type { Flavor, TypeScript, TypecheckResult } from "./lib/projects";
import { clip, table, tail } from "./lib/report";

interface PackageInfo {
  /** Folder under packages/. */
  dir: string;
  name: string;
}

interface RunOutcome {
  status: "ok" | "FAIL" | "skip" | "—";
  result?: ExecResult;
  note?: string;
}

const { values: args } = parseArgs({
  // pnpm passes a literal "--" through to the script (`pnpm test:consumers -- --filter x`)
  args: process.argv.slice(2).filter((a) => a !== "--"),
  options: {
    filter: { type: "string" },
    timeout: { type: "string", default: "120" },
    keep: { type: "boolean", default: false },
  },
});
const timeoutSeconds = Number(args.timeout);
if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
  throw new RangeError(`expected --timeout to be a number of seconds > 0, got ${JSON.stringify(args.timeout)}`);
}

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const started = performance.now();
const elapsed = () => (performance.now() - started) / 1000;
function step(title: string): void {
  console.log(`\n--- ${title} (${elapsed().toFixed(1)} s)`);
}

step("versions from pnpm-lock.yaml");
const lockText = readFileSync(path.join(repo, "pnpm-lock.yaml"), "utf8");
const importers = lockfileImporters(lockText);
const versions: Record<string, string> = {
  "@tensorflow/tfjs": directVersion(importers, "@tensorflow/tfjs"),
  "@tensorflow/tfjs-backend-wasm": directVersion(importers, "@tensorflow/tfjs-backend-wasm"),
  typescript: directVersion(importers, "typescript"),
  "@types/node": directVersion(importers, "@types/node"),
  esbuild: snapshotDependencyVersion(lockText, "tsup", "esbuild"), // the esbuild that builds our packages
};
for (const [name, version] of Object.entries(versions)) console.log(`${name}@${version}`);

const packages: PackageInfo[] = readdirSync(path.join(repo, "packages"), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(path.join(repo, "packages", d.name, "package.json")))
  .map((d) => ({ dir: d.name, manifest: readManifest(path.join(repo, "packages", d.name)) }))
  .filter(({ manifest }) => manifest["private"] !== true)
  .map(({ dir, manifest }) => ({ dir, name: String(manifest["name"]) }));
console.log(`publishable packages: ${packages.map((p) => p.name).join(", ")}`);

step("examples from the package READMEs");
let examples: Example[] = [];
for (const p of packages) {
  const file = `packages/${p.dir}/README.md`;
  const { examples: found, fragments } = readmeExamples(readFileSync(path.join(repo, file), "utf8"), p.dir, file);
  console.log(`${file}: ${found.length} example(s)${fragments ? `, ${fragments} fragment(s), not run` : ""}`);
  examples.push(...found);
}
if (args.filter !== undefined) {
  const filter = args.filter;
  examples = examples.filter((e) => e.id.includes(filter));
  console.log(`--filter ${JSON.stringify(filter)}: ${examples.length} example(s) left`);
}

const scratch = mkdtempSync(path.join(os.tmpdir(), "recurrent-consumers-"));
console.log(`\nscratch folder: ${scratch} (${args.keep ? "kept" : "removed at the end; --keep keeps it"})`);
try {
  process.exitCode = await main(scratch);
} finally {
  if (!args.keep) rmSync(scratch, { recursive: true, force: true });
}

async function main(scratch: string): Promise<number> {
  step("pack");
  const tarballs = await pack(path.join(scratch, "tarballs"));

  step("npm install in the scratch consumer");
  const { ts, esbuild } = await install(scratch, tarballs);

  step("consumer projects");
  const sharedTarget = path.resolve(repo, "..", "shared");
  const hasShared = existsSync(sharedTarget);
  if (hasShared) symlinkSync(sharedTarget, path.join(scratch, "shared"), "dir");
  console.log(
    hasShared
      ? `${path.join(scratch, "shared")} -> ${sharedTarget}: examples run in esm/ and cjs/, so ../shared/data is the real data`
      : `no ${sharedTarget}: examples that read ../shared/ are ${process.env["CI"] ? "failures (CI is set)" : "skipped"}`,
  );
  const entries = packages.flatMap((p) =>
    exportSpecifiers(path.join(scratch, "node_modules", p.name)).map((e) => e.specifier),
  );
  const projects = {} as Record<Flavor, { dir: string; files: Map<string, string> }>;
  const exampleByFile = new Map<string, Example>();
  for (const flavor of FLAVORS) {
    const dir = path.join(scratch, flavor);
    const files = writeProject(ts, dir, flavor, examples, entries);
    projects[flavor] = { dir, files };
    for (const [id, file] of files) exampleByFile.set(file, examples.find((e) => e.id === id) as Example);
    console.log(
      `${dir}: package.json, tsconfig.{${RESOLUTIONS.join(",")}}.json, src/: ${files.size} example(s) and ` +
        `${ENTRIES_FILE} (imports the types of ${entries.join(", ")})`,
    );
  }
  const describeLine = (file: string, line: number) => {
    const example = exampleByFile.get(file);
    return example ? `${example.file}:${example.line + line}` : file;
  };

  step(`type-check (strict) under ${RESOLUTIONS.join(", ")}; emit with ${RUN_RESOLUTION}`);
  const checks = new Map<string, TypecheckResult>();
  const packageTypeErrors: string[] = [];
  const thirdPartyFirst = new Map<string, string>();
  for (const flavor of FLAVORS) {
    for (const resolution of RESOLUTIONS) {
      const result = typecheckProject(ts, projects[flavor].dir, resolution, describeLine);
      checks.set(`${flavor} ${resolution}`, result);
      const errors = [...result.byFile.values()].reduce((n, list) => n + list.length, 0);
      const thirdParty = [...result.thirdParty].map(([name, { count }]) => `${name} ${count}`).join(", ");
      console.log(
        `${flavor} ${resolution}: ${result.seconds.toFixed(1)} s, ${errors} error(s) in examples` +
          (result.packageTypes.length ? `, ${result.packageTypes.length} in @recurrent/* .d.ts files` : "") +
          (thirdParty ? `; not counted, in third-party .d.ts files: ${thirdParty}` : ""),
      );
      for (const e of [...result.global, ...result.packageTypes]) packageTypeErrors.push(`[${flavor} ${resolution}] ${e}`);
      for (const [name, { first }] of result.thirdParty) if (!thirdPartyFirst.has(name)) thirdPartyFirst.set(name, first);
    }
  }
  for (const [name, first] of thirdPartyFirst) console.log(`(the first of ${name}'s: ${first})`);

  step(`run with node ${process.version} (timeout ${timeoutSeconds} s each)`);
  const runs = new Map<string, Record<Flavor, RunOutcome>>();
  const exampleTmp = path.join(scratch, "tmp");
  mkdirSync(exampleTmp);
  for (const example of examples) {
    const outcome: Record<Flavor, RunOutcome> = { esm: { status: "—" }, cjs: { status: "—" } };
    runs.set(example.id, outcome);
    for (const flavor of FLAVORS) {
      const { dir, files } = projects[flavor];
      const source = files.get(example.id);
      if (source === undefined) continue;
      if (!hasShared && example.code.includes("../shared/")) {
        outcome[flavor] = {
          status: process.env["CI"] ? "FAIL" : "skip",
          note: `it reads ../shared/, and ${sharedTarget} does not exist`,
        };
        continue;
      }
      const emitted = emittedFile(dir, source);
      if (!existsSync(emitted)) {
        outcome[flavor] = { status: "FAIL", note: `tsc emitted no ${path.relative(dir, emitted)}` };
        continue;
      }
      // os.tmpdir() of the example is inside the scratch folder, so what it writes there goes away with it
      const env = { ...consumerEnv(), TMPDIR: exampleTmp };
      const result = await exec(process.execPath, [emitted], { cwd: dir, env, timeoutSeconds });
      const ok = result.code === 0 && !result.timedOut;
      const note = result.timedOut
        ? `killed after ${timeoutSeconds} s`
        : `exit code ${result.code}${result.signal ? `, signal ${result.signal}` : ""}`;
      outcome[flavor] = { status: ok ? "ok" : "FAIL", result, ...(ok ? {} : { note }) };
      console.log(`${example.id} ${flavor}: ${outcome[flavor].status} in ${result.seconds.toFixed(1)} s`);
    }
  }

  step(`browser bundles (esbuild ${esbuild.version}: platform browser, format esm, bundle, tfjs bundled too)`);
  const bundles: BundleResult[] = [];
  for (const p of packages) {
    const { entries, skipped } = browserEntries(path.join(scratch, "node_modules", p.name));
    if (skipped.length) console.log(`not browser entries (Node-only or test switches): ${skipped.join(", ")}`);
    for (const entry of entries) {
      const result = await bundleEntry(esbuild, projects.esm.dir, entry);
      bundles.push(result);
      console.log(`${entry}: ${result.ok ? "ok" : "FAIL"} in ${result.seconds.toFixed(1)} s`);
    }
  }

  step("summary");
  const failed: string[] = [];
  const rows = examples.map((example) => {
    const outcome = runs.get(example.id) as Record<Flavor, RunOutcome>;
    const typecheckCells = FLAVORS.flatMap((flavor) => {
      const source = projects[flavor].files.get(example.id);
      return RESOLUTIONS.map((resolution) =>
        source === undefined ? "—" : checks.get(`${flavor} ${resolution}`)?.byFile.has(source) ? "FAIL" : "ok",
      );
    });
    const seconds = FLAVORS.reduce((s, f) => s + (outcome[f].result?.seconds ?? 0), 0);
    const lines = (outcome.esm.result ?? outcome.cjs.result)?.stdout.split("\n").filter((l) => l.trim()) ?? [];
    const shown = lines.length === 0 ? "" : clip(lines[0] ?? "", 60) + (lines.length > 1 ? ` (+${lines.length - 1} lines)` : "");
    const cells = [example.id, ...typecheckCells, outcome.esm.status, outcome.cjs.status, seconds.toFixed(1), shown];
    if (cells.includes("FAIL")) failed.push(example.id);
    return cells;
  });
  console.log(
    table(
      [
        "example",
        ...FLAVORS.flatMap((f) => RESOLUTIONS.map((r) => `${f.toUpperCase()} ${r}`)),
        "ESM run",
        "CJS run",
        "s",
        "output",
      ],
      rows,
    ),
  );
  console.log("");
  console.log(
    table(
      ["browser entry", "bundle", "size", "modules", "s", "Node builtins it pulls in / problems"],
      bundles.map((b) => [
        b.entry,
        b.ok ? "ok" : "FAIL",
        b.bytes ? `${Math.round(b.bytes / 1024)} KB` : "—",
        b.modules ? String(b.modules) : "—",
        b.seconds.toFixed(1),
        [
          b.builtins.length ? [...new Set(b.builtins.map((x) => x.split(" ")[0]))].join(", ") : "",
          b.problems.length ? `${b.problems.length} problem(s)` : "",
        ]
          .filter(Boolean)
          .join("; "),
      ]),
    ),
  );

  const failedBundles = bundles.filter((b) => !b.ok);
  if (failed.length || failedBundles.length || packageTypeErrors.length) {
    step("failures");
    if (packageTypeErrors.length) {
      console.log(`\n### errors in the published .d.ts files (${ENTRIES_FILE} imports every entry) or the compiler setup`);
      for (const e of packageTypeErrors) console.log(`  ${e}`);
    }
    for (const id of failed) {
      printExampleFailure(examples.find((e) => e.id === id) as Example, projects, checks, runs.get(id));
    }
    for (const b of failedBundles) {
      console.log(`\n### browser bundle of ${b.entry}`);
      for (const x of b.builtins) console.log(`  Node builtin: ${x}`);
      for (const x of b.problems) console.log(`  ${x}`);
    }
  }
  console.log(
    `\nconsumers: ${examples.length} example(s), ${failed.length} failed; ` +
      `${bundles.length} browser entries, ${failedBundles.length} failed; ` +
      `${packageTypeErrors.length} error(s) in published types; ${elapsed().toFixed(0)} s`,
  );
  return failed.length || failedBundles.length || packageTypeErrors.length ? 1 : 0;
}

/**
 * `pnpm --filter … pack` of every publishable package (pnpm replaces `workspace:` ranges), checking that each
 * tarball holds every file its package.json points to (a missing dist means the packages were not built).
 * @returns the tarballs' paths
 */
async function pack(dir: string): Promise<string[]> {
  mkdirSync(dir);
  const pnpmVersion = String(readManifest(repo)["packageManager"]).replace(/^pnpm@/, "");
  const filters = packages.flatMap((p) => ["--filter", p.name]);
  const packed = await mustSucceed(
    "pnpm pack",
    exec("npx", ["--yes", `pnpm@${pnpmVersion}`, ...filters, "pack", "--pack-destination", dir, "--json"], {
      cwd: repo,
      env: consumerEnv(),
    }),
  );
  const list = [JSON.parse(packed.stdout)].flat() as { name: string; filename: string; files: { path: string }[] }[];
  for (const p of packages) {
    const tarball = list.find((t) => t.name === p.name);
    if (!tarball) throw new Error(`pnpm pack made no tarball for ${p.name}: ${packed.stdout}`);
    const inTarball = new Set(tarball.files.map((f) => f.path));
    const missing = manifestTargets(readManifest(path.join(repo, "packages", p.dir))).filter((t) => !inTarball.has(t));
    if (missing.length > 0) {
      throw new Error(
        `${p.name}: expected the tarball to hold every file its package.json points to, missing ` +
          `${missing.join(", ")} (run \`pnpm build\` first)`,
      );
    }
    console.log(`${path.basename(tarball.filename)}: ${tarball.files.length} files`);
  }
  return list.map((t) => t.filename);
}

/**
 * One `npm install` in the scratch folder, with exact versions: our tarballs, tfjs and its wasm backend, TypeScript,
 * @types/node and esbuild, at our lockfile's versions. Checks that our packages came from the tarballs (not from the
 * registry) and that tfjs-node did not come along.
 * @returns the consumer's TypeScript and esbuild
 */
async function install(scratch: string, tarballs: string[]): Promise<{ ts: TypeScript; esbuild: Esbuild }> {
  const manifest = { name: "recurrent-consumers", private: true, description: "Scratch consumer of the packed tarballs." };
  writeFileSync(path.join(scratch, "package.json"), JSON.stringify(manifest, null, 2) + "\n");
  const installArgs = [
    "install",
    "--save-exact",
    "--no-audit",
    "--no-fund",
    "--no-update-notifier",
    "--loglevel=error",
    ...tarballs,
    ...Object.entries(versions).map(([name, version]) => `${name}@${version}`),
  ];
  console.log(`npm ${installArgs.map((a) => (a.startsWith(scratch) ? path.relative(scratch, a) : a)).join(" ")}`);
  const result = await mustSucceed("npm install", exec("npm", installArgs, { cwd: scratch, env: consumerEnv() }));
  const lock = JSON.parse(readFileSync(path.join(scratch, "package-lock.json"), "utf8")) as {
    packages: Record<string, { version?: string; resolved?: string }>;
  };
  for (const p of packages) {
    const resolved = lock.packages[`node_modules/${p.name}`]?.resolved;
    if (!resolved?.startsWith("file:")) {
      throw new Error(`expected ${p.name} to be installed from our tarball, got ${JSON.stringify(resolved)}`);
    }
  }
  if (existsSync(path.join(scratch, "node_modules/@tensorflow/tfjs-node"))) {
    throw new Error("@tensorflow/tfjs-node got installed; it must not be (its install script downloads a binary)");
  }
  const installed = Object.keys(lock.packages).filter((k) => k.startsWith("node_modules/")).length;
  const dependencies = Object.entries(lock.packages)
    .filter(([k]) => /^node_modules\/(tar-stream|csv-parse)$/.test(k))
    .map(([k, v]) => `${k.slice("node_modules/".length)}@${v.version}`);
  console.log(`${installed} packages in ${result.seconds.toFixed(1)} s (our runtime dependencies: ${dependencies.join(", ")})`);
  const consumerRequire = createRequire(path.join(scratch, "package.json"));
  return { ts: consumerRequire("typescript") as TypeScript, esbuild: consumerRequire("esbuild") as Esbuild };
}

function printExampleFailure(
  example: Example,
  projects: Record<Flavor, { dir: string; files: Map<string, string> }>,
  checks: Map<string, TypecheckResult>,
  outcome: Record<Flavor, RunOutcome> | undefined,
): void {
  console.log(`\n### ${example.id} (${example.file}:${example.line})`);
  // the same error in several projects and resolutions is printed once, followed by where it happened
  const errors = new Map<string, Set<string>>();
  for (const flavor of FLAVORS) {
    const source = projects[flavor].files.get(example.id);
    if (source === undefined) continue;
    for (const resolution of RESOLUTIONS) {
      for (const e of checks.get(`${flavor} ${resolution}`)?.byFile.get(source) ?? []) {
        const key = e.replace(/ \([^)]*:\d+:\d+\) /, " ");
        errors.set(key, (errors.get(key) ?? new Set()).add(`${flavor} ${resolution}`));
      }
    }
  }
  if (errors.size) console.log("type errors:");
  for (const [e, where] of errors) console.log(`  ${e}  [${[...where].join(", ")}]`);
  for (const flavor of FLAVORS) {
    const o = outcome?.[flavor];
    if (o?.status !== "FAIL") continue;
    console.log(`${flavor.toUpperCase()} run failed: ${o.note ?? ""}`);
    // Node's own frames (node:internal/…) say nothing about the example
    const stderr = o.result?.stderr.replace(/^ +at .*\(?node:internal\/.*\n?/gm, "") ?? "";
    if (stderr.trim()) console.log(tail(stderr, 25, "  stderr| "));
    if (o.result?.stdout.trim()) console.log(tail(o.result.stdout, 8, "  stdout| "));
  }
}

function readManifest(dir: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as Record<string, unknown>;
}

/** Every file a package.json points to (`main`, `module`, `types`, every `exports` target), without "./". */
function manifestTargets(manifest: Record<string, unknown>): string[] {
  const out = new Set<string>();
  const walk = (v: unknown): void => {
    if (typeof v === "string") {
      if (!v.includes("*")) out.add(v.replace(/^\.\//, ""));
    } else if (v && typeof v === "object") {
      for (const x of Object.values(v)) walk(x);
    }
  };
  walk([manifest["main"], manifest["module"], manifest["types"], manifest["exports"]]);
  return [...out];
}

async function mustSucceed(what: string, pending: Promise<ExecResult>): Promise<ExecResult> {
  const result = await pending;
  if (result.code !== 0) {
    throw new Error(`${what} failed (exit code ${result.code}):\n${tail(result.stderr || result.stdout, 40, "  ")}`);
  }
  return result;
}
