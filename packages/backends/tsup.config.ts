import type { Plugin } from "esbuild";
import { defineConfig } from "tsup";

const common = { format: ["esm", "cjs"] as ("esm" | "cjs")[], dts: true, sourcemap: true, target: "node20" };

/**
 * `./register` is the main entry plus one call: its build imports `./index.js` / `./index.cjs` instead of bundling a
 * copy, so that it registers the very kernels (and runtime) the main entry configures, and so that it has no bare
 * import of a chunk (which bundlers, reading `sideEffects`, would warn about dropping).
 */
const importMainEntry: Plugin = {
  name: "import-main-entry",
  setup(build) {
    const ext = build.initialOptions.format === "cjs" ? ".cjs" : ".js";
    build.onResolve({ filter: /^\.\/index$/ }, () => ({ path: `./index${ext}`, external: true }));
  },
};

export default defineConfig([
  {
    ...common,
    entry: ["src/index.ts", "src/testing.ts"],
    // Also for CJS (tsup splits ESM only by default): the two entries share the settings module through a chunk
    // instead of each bundling a copy.
    splitting: true,
    clean: ["!register.*"],
  },
  {
    ...common,
    entry: ["src/register.ts"],
    esbuildPlugins: [importMainEntry],
  },
]);
