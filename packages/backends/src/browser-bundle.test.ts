import { build } from "esbuild";
import { existsSync } from "node:fs";
import { builtinModules } from "node:module";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

// The browser-facing entries (`.`, `./register`, `./testing`) must bundle for the browser with no Node builtin and
// no warning, the way an application's bundler sees them: esbuild --platform=browser --bundle on the built files,
// tfjs left external (the application brings it). Node builtins may only be reached at run time, through
// `globalThis.process?.getBuiltinModule?.(…)`, which a bundler does not see.
const dist = resolve(__dirname, "../dist");
const ENTRIES = ["index.js", "register.js", "testing.js"];
const built = ENTRIES.every((entry) => existsSync(resolve(dist, entry)));
if (!built) console.warn(`skipping the browser-bundle tests: run the build first (${dist} is incomplete)`);

const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

// In CI the build runs before the tests: a missing dist fails here instead of skipping the tests below.
it.runIf(Boolean(process.env.CI))("finds the built entries in CI", () => {
  expect(built).toBe(true);
});

describe.skipIf(!built)("bundling the built entries for the browser (esbuild --platform=browser --bundle)", () => {
  it.each(ENTRIES)("dist/%s: no error, no warning, no Node builtin", async (entry) => {
    const result = await build({
      entryPoints: [resolve(dist, entry)],
      bundle: true,
      platform: "browser",
      format: "esm",
      external: ["@tensorflow/*"],
      write: false,
      metafile: true,
      logLevel: "silent",
    }).catch((error: { errors?: { text: string }[] }) => {
      throw new Error(`esbuild failed on dist/${entry}:\n${(error.errors ?? []).map((e) => `  ${e.text}`).join("\n") || String(error)}`);
    });
    expect(result.errors.map((e) => e.text)).toEqual([]);
    expect(result.warnings.map((w) => `${w.location?.file ?? ""}: ${w.text}`)).toEqual([]);
    const imports = Object.values(result.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path));
    expect(imports.filter((path) => builtins.has(path))).toEqual([]);
    expect(imports.every((path) => path.startsWith("@tensorflow/"))).toBe(true);
  });
});
