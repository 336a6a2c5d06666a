import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { initBackend } from "./init-backend";

// Own file, so that the wasm backend has not been started yet in this worker process.
describe("initBackend with wasm binaries that cannot be found", () => {
  it("skips wasm with the loader's reason and falls back to cpu", async () => {
    const report = await initBackend({ log: false, env: {}, order: ["wasm", "cpu"], wasmPaths: "/nonexistent/tfjs-wasm/" });
    expect(report.engine).toBe("cpu");
    expect(tf.getBackend()).toBe("cpu");
    expect(report.skipped).toHaveLength(1);
    expect(report.skipped[0]?.engine).toBe("wasm");
    expect(report.skipped[0]?.reason).toMatch(/^the wasm backend failed to initialise: /);
  });
});
