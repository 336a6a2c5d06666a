import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { currentBackend } from "./index";

describe("currentBackend", () => {
  it("reports the active backend, the tfjs-core version and the registered backends", async () => {
    await tf.setBackend("cpu");
    await tf.ready();
    const info = currentBackend();
    expect(info.backend).toBe("cpu");
    expect(info.tfjsVersion).toBe(tf.version_core);
    expect(info.registered).toContain("cpu");
    expect(info.registered).toEqual(Object.keys(tf.engine().registryFactory));
  });
});
