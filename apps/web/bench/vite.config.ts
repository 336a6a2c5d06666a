// Builds the benchmark page (bench/page/) into bench/dist/ with the app's settings: module worker, the check that
// our code imports no Node built-in, and the fix that lets tfjs's threaded wasm binary start in a minified build.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import { noNodeBuiltins, tfjsThreadedWasmSource } from "../vite.config";

export default defineConfig({
  root: fileURLToPath(new URL("./page", import.meta.url)),
  base: "./",
  logLevel: "warn",
  worker: { format: "es", plugins: () => [noNodeBuiltins(), tfjsThreadedWasmSource()] },
  plugins: [noNodeBuiltins(), tfjsThreadedWasmSource()],
  build: {
    target: "es2022",
    outDir: fileURLToPath(new URL("./dist", import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 4_000,
    // no "slowest callbacks" report in the benchmark's output (it appears on a busy machine)
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
});
