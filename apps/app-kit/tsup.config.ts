import { defineConfig } from "tsup";

export default defineConfig({
  // "testing": helpers for the apps' CLI tests (start a CLI, wait, snapshot a folder)
  entry: ["src/index.ts", "src/testing.ts"],
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
});
