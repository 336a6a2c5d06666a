import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    // wasm-out/ is build output that the kernels import: build it first when missing or stale.
    globalSetup: ["src/test-support/build-wasm-setup.ts"],
    testTimeout: 60_000,
    // setup hooks build models and start backends: on a loaded 2-core machine they take more than the 10 s default
    hookTimeout: 60_000,
  },
});
