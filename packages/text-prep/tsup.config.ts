import { defineConfig } from "tsup";

export default defineConfig({
  // text-worker is the script of the worker threads (TokenCounter.addTexts,
  // TokenTextEncoder.encodeAll): loaded by path from beside the entry point,
  // `text-worker.js` from the ESM build and `text-worker.cjs` from the CJS one.
  entry: { index: "src/index.ts", "text-worker": "src/parallel/text-worker.ts" },
  format: ["esm", "cjs"],
  dts: { entry: "src/index.ts" },
  sourcemap: true,
  clean: true,
  target: "node20",
  // import.meta.url in the CJS build (where the worker script is found).
  shims: true,
});
