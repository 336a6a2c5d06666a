import { defineConfig } from "vitest/config";

// Unit tests in Node (`pnpm --filter web test`); the browser tests have their own config (vitest.browser.config.ts).
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    testTimeout: 120_000,
    // setup hooks run the CLIs and train small models: on a loaded 2-core machine they take more than the 10 s default
    hookTimeout: 120_000,
  },
});
