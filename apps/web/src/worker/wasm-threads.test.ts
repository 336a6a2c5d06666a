import { describe, expect, it } from "vitest";
import { tfjsDefaultThreads, threadedWasmDecision, wasmThreadsMode } from "./wasm-threads";

describe("when tfjs may use its threaded wasm binary", () => {
  it("reads ?wasm-threads=on|off, anything else is auto", () => {
    expect(wasmThreadsMode("?wasm-threads=on")).toBe("on");
    expect(wasmThreadsMode("?x=1&wasm-threads=off")).toBe("off");
    expect(wasmThreadsMode("?wasm-threads=yes")).toBe("auto");
    expect(wasmThreadsMode("")).toBe("auto");
  });

  it("knows tfjs 4.22's default thread count: half the logical cores, 1 to 4", () => {
    expect([1, 2, 3, 4, 6, 8, 16].map(tfjsDefaultThreads)).toEqual([1, 1, 1, 2, 3, 4, 4]);
  });

  it("auto: only where tfjs would run it on more than one thread, saying why not", () => {
    expect(threadedWasmDecision("auto", true, 4)).toEqual({ use: true, why: null });
    const two = threadedWasmDecision("auto", true, 2);
    expect(two.use).toBe(false);
    expect(two.why).toBe(
      "tfjs's threaded wasm binary is not used: on 2 logical cores tfjs would run it on 1 thread (it takes half the cores, " +
        "at most 4), where it is slower per training step than the single-threaded SIMD binary; ?wasm-threads=on uses it anyway",
    );
    expect(threadedWasmDecision("auto", true, 1).why).toContain("on 1 logical core tfjs");
  });

  it("on and off are obeyed where the page is isolated; without isolation there is nothing to decide", () => {
    expect(threadedWasmDecision("on", true, 2)).toEqual({ use: true, why: null });
    expect(threadedWasmDecision("off", true, 16)).toEqual({ use: false, why: "tfjs's threaded wasm binary is not used: the page was opened with ?wasm-threads=off" });
    expect(threadedWasmDecision("on", false, 16)).toEqual({ use: false, why: null });
  });
});
