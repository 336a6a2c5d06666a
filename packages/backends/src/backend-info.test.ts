import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { currentEngine } from "./index";

describe("currentEngine", () => {
  it("reports the active backend and the tfjs-core version", async () => {
    await tf.setBackend("cpu");
    await tf.ready();
    const info = currentEngine();
    expect(info.backend).toBe("cpu");
    expect(info.tfjsVersion).toBe(tf.version_core);
    expect(info.registered).toContain("cpu");
  });
});
