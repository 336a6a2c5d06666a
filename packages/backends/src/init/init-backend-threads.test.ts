import { describe, expect, it } from "vitest";
import { initBackend } from "./init-backend";

// Own file, so that the wasm backend starts here with the requested thread count.
describe("initBackend({ threads }) in Node", () => {
  it("reports that tfjs keeps the wasm backend single-threaded under Node", async () => {
    const report = await initBackend({ log: false, env: {}, order: ["wasm"], threads: 2 });
    expect(report.backend).toBe("wasm");
    expect(report.wasm?.threadsSupported).toBe(false);
    expect(report.wasm?.threadsCount).toBe(1);
    expect(report.notes).toContain("asked for 2 threads, running 1");
    expect(report.notes).toContain("tfjs runs the wasm backend single-threaded in Node (setThreadsCount has no effect there)");
  });
});
