import { defineConfig } from "vitest/config";

// Unit tests in Node (`pnpm --filter web test`); the browser tests have their own config (vitest.browser.config.ts).
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    testTimeout: 120_000,
  },
});
