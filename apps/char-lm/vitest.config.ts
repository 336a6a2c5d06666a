import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    testTimeout: 120_000,
    // setup hooks run the CLIs and train small models: on a loaded 2-core machine they take more than the 10 s default
    hookTimeout: 120_000,
  },
});
