import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { languageModelMetrics } from "../index";

describe("languageModelMetrics", () => {
  it("gives perplexity 2 and 1 bit per character for a loss of ln 2", () => {
    const m = languageModelMetrics(Math.LN2);
    expect(m.perplexity).toBeCloseTo(2, 12);
    expect(m.bitsPerCharacter).toBeCloseTo(1, 12);
  });

  it("agrees with tfjs cross-entropy of a uniform prediction over 80 characters", async () => {
    await tf.setBackend("cpu");
    const before = tf.memory().numTensors;
    // A uniform distribution over V classes has cross-entropy ln V and perplexity V.
    const loss = tf.tidy(() =>
      tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d([3, 7], "int32"), 80), tf.zeros([2, 80])).dataSync()[0],
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(languageModelMetrics(loss ?? Number.NaN).perplexity).toBeCloseTo(80, 3);
  });

  it("rejects a NaN loss", () => {
    expect(() => languageModelMetrics(Number.NaN)).toThrow("expected a finite loss >= 0, got NaN");
  });
});
