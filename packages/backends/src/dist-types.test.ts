import { existsSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The published types: dist/*.d.ts and *.d.cts may import only this package's own files and the packages it
// declares (by their bare names: no deep path such as @tensorflow/tfjs-core/dist/…, which a consumer's resolver
// need not find), and a TypeScript consumer resolves and type-checks them under node16, nodenext and bundler
// resolution, from ESM and from CJS.
const pkgDir = resolve(__dirname, "..");
const dist = join(pkgDir, "dist");
const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")) as {
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
};
const declared = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})]);
const typeFiles = existsSync(dist) ? readdirSync(dist).filter((f) => /\.d\.c?ts$/.test(f)) : [];
const built = typeFiles.includes("index.d.ts") && typeFiles.includes("index.d.cts");
if (!built) console.warn(`skipping the published-types tests: run the build first (${dist} has no index.d.ts)`);

// In CI the build runs before the tests: a missing dist fails here instead of skipping the tests below.
it.runIf(Boolean(process.env.CI))("finds the built types in CI", () => {
  expect(built).toBe(true);
});

/** Every module specifier a declaration file imports or re-exports. */
function specifiers(text: string): string[] {
  const found: string[] = [];
  const file = ts.createSourceFile("x.d.ts", text, ts.ScriptTarget.Latest, true);
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push(node.moduleSpecifier.text);
    }
    if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push(node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

const CONSUMER = `
import { configureRecurrentKernels, formatBackendReport, initBackend, recurrentKernelsInfo } from "@recurrent/backends";
import type { BackendName, BackendReport, InitBackendOptions, RecurrentKernelsInfo } from "@recurrent/backends";
import { setRecurrentKernelSwitches } from "@recurrent/backends/testing";
import type { RecurrentKernelSwitches } from "@recurrent/backends/testing";
import "@recurrent/backends/register";

const order: BackendName[] = ["wasm", "cpu"];
const options: InitBackendOptions = { order, backendTimeoutMs: 30_000, recurrentThreadsTimeoutMs: 10_000 };
export async function main(): Promise<string> {
  const report: BackendReport = await initBackend(options);
  const info: RecurrentKernelsInfo | null = recurrentKernelsInfo();
  const switches: RecurrentKernelSwitches = setRecurrentKernelSwitches({ sequenceKernels: true });
  configureRecurrentKernels({ threads: 1 });
  return formatBackendReport(report) + report.backend + String(info?.threads) + String(switches.simdKernels);
}
`;

const SETUPS: { name: string; file: string; options: ts.CompilerOptions }[] = [
  { name: "node16, ESM", file: "consumer.mts", options: { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16 } },
  { name: "node16, CJS", file: "consumer.cts", options: { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16 } },
  { name: "nodenext, ESM", file: "consumer.mts", options: { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext } },
  { name: "nodenext, CJS", file: "consumer.cts", options: { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext } },
  { name: "bundler", file: "consumer.ts", options: { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler } },
];

describe.skipIf(!built)("the published types (dist/*.d.ts, *.d.cts)", () => {
  it.each(typeFiles)("dist/%s imports only this package's files and declared packages, by their names", (file) => {
    const outside = specifiers(readFileSync(join(dist, file), "utf8")).filter((s) => !s.startsWith("./"));
    expect(outside.filter((s) => !declared.has(s))).toEqual([]);
  });

  describe("in a TypeScript consumer", () => {
    // A consumer project: its own package.json, this package and tfjs in its node_modules (symlinked).
    let dir = "";
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), "recurrent-backends-types-"));
      writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
      mkdirSync(join(dir, "node_modules", "@recurrent"), { recursive: true });
      symlinkSync(pkgDir, join(dir, "node_modules", "@recurrent", "backends"), "dir");
      symlinkSync(join(pkgDir, "node_modules", "@tensorflow"), join(dir, "node_modules", "@tensorflow"), "dir");
      for (const file of ["consumer.mts", "consumer.cts", "consumer.ts"]) writeFileSync(join(dir, file), CONSUMER);
    });
    afterAll(() => {
      if (dir !== "") rmSync(dir, { recursive: true, force: true });
    });

    it.each(SETUPS)("resolves and type-checks them ($name)", ({ file, options }) => {
      const program = ts.createProgram([join(dir, file)], {
        ...options,
        target: ts.ScriptTarget.ES2022,
        lib: ["lib.es2023.d.ts", "lib.dom.d.ts"],
        types: [],
        strict: true,
        noEmit: true,
        skipLibCheck: false, // check our declaration files too (problems inside tfjs's own are not ours: filtered below)
      });
      const ours = ts
        .getPreEmitDiagnostics(program)
        .filter((d) => d.file === undefined || !d.file.fileName.includes("/@tensorflow/"))
        .map((d) => `${d.file?.fileName ?? ""}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
      expect(ours).toEqual([]);
      // and the entries resolved to the built declaration files, not to sources
      const files = program.getSourceFiles().map((f) => f.fileName);
      expect(files.some((f) => /backends\/dist\/index\.d\.c?ts$/.test(f))).toBe(true);
      expect(files.some((f) => /backends\/dist\/testing\.d\.c?ts$/.test(f))).toBe(true);
    });
  });
});
