import { describe, expect, it } from "vitest";
import { binaryClassificationMetrics } from "../index";

describe("binaryClassificationMetrics", () => {
  it("counts the confusion matrix and derives precision, recall, F1 (hand-computed example)", () => {
    // predictions at 0.5: 1 1 0 0 1 0 ; labels: 1 0 1 0 1 0 → TP 2, FP 1, FN 1, TN 2
    const m = binaryClassificationMetrics([0.9, 0.6, 0.4, 0.1, 0.5, 0.3], [1, 0, 1, 0, 1, 0]);
    expect(m.confusionMatrix).toStrictEqual({ truePositives: 2, falsePositives: 1, trueNegatives: 2, falseNegatives: 1 });
    expect(m.accuracy).toBeCloseTo(4 / 6, 12);
    expect(m.precision).toBeCloseTo(2 / 3, 12);
    expect(m.recall).toBeCloseTo(2 / 3, 12);
    expect(m.f1).toBeCloseTo(2 / 3, 12);
    // loss: −mean(ln .9, ln .4, ln .4, ln .9, ln .5, ln .7)
    const expectedLoss = -(2 * Math.log(0.9) + 2 * Math.log(0.4) + Math.log(0.5) + Math.log(0.7)) / 6;
    expect(m.loss).toBeCloseTo(expectedLoss, 6);
    // AUC by pairs: positives .9 .4 .5 vs negatives .6 .1 .3 → (3 + 2 + 2)/9
    expect(m.rocAuc).toBeCloseTo(7 / 9, 12);
  });

  it("matches the pairwise definition of ROC AUC with ties counted one half", () => {
    const scores = [0.2, 0.2, 0.5, 0.5, 0.5, 0.9, 0.1, 0.9];
    const labels = [0, 1, 0, 1, 1, 0, 0, 1];
    let wins = 0;
    let pairs = 0;
    scores.forEach((sp, i) => {
      if (labels[i] !== 1) return;
      scores.forEach((sn, j) => {
        if (labels[j] !== 0) return;
        pairs++;
        wins += sp > sn ? 1 : sp === sn ? 0.5 : 0;
      });
    });
    expect(binaryClassificationMetrics(scores, labels).rocAuc).toBeCloseTo(wins / pairs, 12);
  });

  it("gives null AUC and zero precision when undefined instead of NaN", () => {
    const m = binaryClassificationMetrics([0.1, 0.2], [0, 0]);
    expect(m.rocAuc).toBeNull();
    expect(m.precision).toBe(0);
    expect(m.recall).toBe(0);
    expect(m.f1).toBe(0);
  });

  it("rejects malformed input", () => {
    expect(() => binaryClassificationMetrics([0.1], [0, 1])).toThrow("expected as many labels as probabilities (1), got 2");
    expect(() => binaryClassificationMetrics([], [])).toThrow("expected at least one example, got 0");
    expect(() => binaryClassificationMetrics([1.5], [1])).toThrow("expected probabilities[0] in [0, 1], got 1.5");
    expect(() => binaryClassificationMetrics([0.5], [2])).toThrow("expected labels[0] to be 0 or 1, got 2");
  });
});
