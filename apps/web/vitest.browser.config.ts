import { defineConfig } from "vitest/config";

// The browser tests (`pnpm --filter web test:browser`, after `vite build`): Debian's Chromium driven by
// playwright-core against `vite preview` of the production build, isolated and not (test/global-setup.ts).
export default defineConfig({
  test: {
    include: ["test/**/*.browser.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 600_000,
    hookTimeout: 300_000,
    fileParallelism: false,
    sequence: { concurrent: false },
  },
});
