import { defineConfig } from "tsup";

export default defineConfig({
  // "node" is the Node-only subpath (file IO); the main entry stays browser-safe.
  entry: { index: "src/index.ts", node: "src/node/index.ts" },
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  // shared chunks, so that ModelsError is one class for both entries
  splitting: true,
  target: "node20",
});
