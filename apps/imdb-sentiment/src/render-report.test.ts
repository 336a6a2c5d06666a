import { describe, expect, it } from "vitest";
import { binaryClassificationMetrics } from "@recurrent/models";
import { renderReport } from "./render-report";

const history = [1, 2, 3].map((epoch) => ({
  epoch,
  loss: 0.7 / epoch,
  accuracy: 0.5 + epoch / 10,
  valLoss: 0.6 + epoch / 100,
  valAccuracy: 0.7,
  seconds: 12.5,
  batches: 10,
  tokens: 1000,
}));

describe("renderReport", () => {
  it("is self-contained HTML with SVG curves (one point per epoch), the confusion matrix and escaped text", () => {
    const test = binaryClassificationMetrics([0.9, 0.8, 0.3, 0.6], [1, 1, 0, 0]);
    const html = renderReport({ title: "IMDb <run>", facts: { data: "a&b", epochs: 3 }, history, bestEpoch: 1, test });
    expect(html).not.toMatch(/<script|<link|src="http/);
    expect(html).toContain("IMDb &lt;run&gt;");
    expect(html).toContain("a&amp;b");
    const polylines = [...html.matchAll(/<polyline class="series" data-name="([^"]+)"[^>]*points="([^"]+)"/g)];
    expect(polylines.map((m) => m[1])).toStrictEqual(["training", "validation", "training", "validation"]);
    for (const m of polylines) expect(m[2]!.split(" ")).toHaveLength(3);
    // TN 1, FP 1, FN 0, TP 2 in reading order
    expect([...html.matchAll(/<text class="cell"[^>]*>(\d+)</g)].map((m) => Number(m[1]))).toStrictEqual([1, 1, 0, 2]);
    expect(html).toContain('<tr class="best"><td>1</td>');
  });

  it("says when the test split has not been evaluated, and draws a single epoch", () => {
    const html = renderReport({ title: "t", facts: {}, history: history.slice(0, 1), bestEpoch: null, test: null });
    expect(html).toContain("Not evaluated on the test split yet");
    expect(html).toContain("<circle");
  });
});
