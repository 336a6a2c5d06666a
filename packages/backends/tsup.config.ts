import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts", "src/register.ts", "src/testing.ts"],
  format: ["esm", "cjs"],
  // Also for CJS (tsup's splitting is on for ESM only by default): the entries share their modules through
  // chunks instead of each bundling its own copy, so that `@recurrent/backends/register`, `/testing` and the main
  // entry act on one kernel runtime and one set of settings in either format.
  splitting: true,
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
});
