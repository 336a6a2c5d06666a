import { defineConfig } from "tsup";

export default defineConfig({
  // "testing": helpers for the apps' CLI tests (start a CLI, wait, snapshot a folder); "imdb": the chapter's IMDb
  // data rules, browser-safe (the web app uses them too)
  entry: ["src/index.ts", "src/testing.ts", "src/imdb.ts"],
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
});
