import { defineConfig } from "tsup";

export default defineConfig({
  // index: the browser-safe main entry. node: the Node-only subpath
  // (@recurrent/text-prep/node: readers, worker threads, encoder files).
  // text-worker is the script of the worker threads (countTexts,
  // countInBackground, encodeTexts): loaded by path from beside the chunk
  // that starts them, `text-worker.js` from the ESM build and
  // `text-worker.cjs` from the CJS one.
  entry: { index: "src/index.ts", node: "src/node/index.ts", "text-worker": "src/node/parallel/text-worker.ts" },
  format: ["esm", "cjs"],
  dts: { entry: { index: "src/index.ts", node: "src/node/index.ts" } },
  // Shared chunks in both formats, so that the node entry's functions get
  // the main entry's TokenCounter and TokenTextEncoder classes (one copy of
  // each), and the main entry's files never import a Node-only one.
  splitting: true,
  sourcemap: true,
  clean: true,
  target: "node20",
  // No import.meta shim: run-parallel.ts finds its own file through
  // __filename in the CJS build and import.meta.url in the ESM one. (tsup's
  // shim would land in a chunk the browser-safe main entry shares, and read
  // __filename there.) The CJS chunks are converted from ESM ones, which
  // would keep import.meta as it is: it is replaced by undefined there.
  esbuildOptions(options, { format }) {
    if (format === "cjs") options.define = { ...options.define, "import.meta.url": "undefined" };
  },
});
