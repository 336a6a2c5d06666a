import * as tf from "@tensorflow/tfjs";
import * as tfWasm from "@tensorflow/tfjs-backend-wasm";
import { describe, expect, it } from "vitest";
import { initBackend } from "./init-backend";

// Own file, so that the wasm backend has not been started yet in this worker process.
describe("initBackend when the wasm binaries cannot be found", () => {
  it("skips wasm with tfjs' reason and where the installed binaries are, and falls back to cpu", async () => {
    // What tfjs sees when a bundle moved its script away from the .wasm files.
    tfWasm.setWasmPaths("/nonexistent/bundle-dir/");
    const report = await initBackend({ log: false, env: {}, order: ["wasm", "cpu"] });
    expect(report.backend).toBe("cpu");
    expect(tf.getBackend()).toBe("cpu");
    expect(report.skipped).toHaveLength(1);
    expect(report.skipped[0]?.backend).toBe("wasm");
    expect(report.skipped[0]?.reason).toMatch(
      /^the wasm backend failed to initialise \(if tfjs was bundled away from its \.wasm files, pass wasmPaths: ".*tfjs-backend-wasm.dist.*"\): \S/,
    );
  });
});
