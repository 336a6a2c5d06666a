import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    testTimeout: 60_000,
    // setup hooks build models and start backends: on a loaded 2-core machine they take more than the 10 s default
    hookTimeout: 60_000,
  },
});
