import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DivergenceMonitor, type DivergenceOptions, type DivergenceState } from "./divergence-monitor";

const feed = (monitor: DivergenceMonitor, losses: number[], state = DivergenceMonitor.initial()): DivergenceState =>
  losses.reduce((s, loss) => monitor.observe(s, loss), state);

describe("DivergenceMonitor", () => {
  it("averages the loss fast and slow with bias correction (both start at the first loss)", () => {
    const m = new DivergenceMonitor();
    const one = m.observe(DivergenceMonitor.initial(), 0.7);
    expect(DivergenceMonitor.smoothed(one)).toBeCloseTo(0.7, 12);
    expect(one.lowest).toBeCloseTo(0.7, 12);
    const two = m.observe(one, 0.5);
    // fast: (0.9·0.1·0.7 + 0.1·0.5) / (1 − 0.9²) = 0.113 / 0.19; slow: (0.99·0.01·0.7 + 0.01·0.5) / (1 − 0.99²) = 0.01193 / 0.0199
    expect(DivergenceMonitor.smoothed(two)).toBeCloseTo(0.113 / 0.19, 12);
    expect(two.lowest).toBeCloseTo(0.01193 / 0.0199, 12);
    expect(Number.isNaN(DivergenceMonitor.smoothed(DivergenceMonitor.initial()))).toBe(true);
  });

  it("never trips while every loss stays within factor × the lowest loss (fast-check)", () => {
    // the average of losses in [low, factor·low] stays in that range, so it never exceeds factor × its lowest value
    fc.assert(
      fc.property(
        fc.double({ min: 1e-4, max: 10, noNaN: true }),
        fc.double({ min: 1.5, max: 20, noNaN: true }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 300 }),
        (low, factor, fractions) => {
          const m = new DivergenceMonitor({ factor, patience: 1 });
          const losses = [low, ...fractions.map((f) => low * (1 + f * (factor - 1) * 0.999))];
          let state = DivergenceMonitor.initial();
          for (const loss of losses) {
            state = m.observe(state, loss);
            expect(m.diverging(state)).toBe(false);
          }
        },
      ),
    );
  });

  it("trips after `patience` steps of diverging; only an average back at √factor × the lowest resets the count", () => {
    const m = new DivergenceMonitor({ factor: 10, patience: 5 });
    let state = feed(m, [0.7, 0.69, 0.68]);
    expect(m.diverging(state)).toBe(false);
    let steps = 0;
    while (!m.exhausted(state)) {
      state = m.observe(state, 16); // a saturated sigmoid with clipped cross-entropy
      steps++;
      expect(steps).toBeLessThan(20);
    }
    expect(state.over).toBe(5);
    expect(m.diverging(state)).toBe(true);
    // hovering between √10 and 10 times the lowest average (0.68): still diverging
    const hovering = feed(m, Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? 3 : 6)), state);
    expect(hovering.over).toBe(35);
    // the average has to come back below the limit: a few low losses reset the count
    const recovered = feed(m, [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1], state);
    expect(recovered.over).toBe(0);
  });

  it("accepts weights for a checkpoint within √factor × the level, at the end of a run within factor ×", () => {
    const m = new DivergenceMonitor({ factor: 4 });
    expect(m.accepts(DivergenceMonitor.initial(), 123, "checkpoint")).toBe(true);
    expect(m.accepts(DivergenceMonitor.initial(), Number.NaN, "end")).toBe(false);
    const state = feed(m, [1]); // level 1
    expect(m.accepts(state, 2, "checkpoint")).toBe(true);
    expect(m.accepts(state, 2.01, "checkpoint")).toBe(false);
    expect(m.accepts(state, 4, "end")).toBe(true);
    expect(m.accepts(state, 4.01, "end")).toBe(false);
    expect(m.accepts(state, Number.POSITIVE_INFINITY, "end")).toBe(false);
    const diverging = feed(m, [50, 50, 50], state);
    expect(m.diverging(diverging)).toBe(true);
    expect(m.accepts(diverging, 0.5, "checkpoint")).toBe(false); // whatever one batch says
  });

  it("says in DIVERGED what happened and what was kept", () => {
    const m = new DivergenceMonitor({ factor: 10, patience: 2 });
    const state = feed(m, [0.5, 50, 50]);
    const error = m.diverged(state, 3, "the checkpoint of step 0 was kept", 0);
    expect(error.code).toBe("DIVERGED");
    expect(error.message).toMatch(/^training diverged at step 3: the loss \(moving average .*\) has been above 10 × its lowest level 0\.5000 for 2 steps; the checkpoint of step 0 was kept\./);
    expect(error.details).toStrictEqual({ step: 3, checkpointWritten: false, checkpointStep: 0 });
    const ended = m.diverged(feed(m, [0.5]), 1, "no checkpoint was written", null, 12);
    expect(ended.message).toMatch(/^training diverged at step 1: the run ended with weights whose loss on a batch is 12\.00, above 10 × its lowest level 0\.5000; no checkpoint was written\./);
  });

  it("has defaults factor 5, patience 50, and rejects bad options", () => {
    const d = new DivergenceMonitor();
    expect([d.factor, d.patience]).toStrictEqual([5, 50]);
    const bad: [unknown, string | RegExp][] = [
      [{ factor: 1 }, "expected divergence.factor to be a finite number > 1, got 1"],
      [{ factor: Number.NaN }, "expected divergence.factor to be a finite number > 1, got NaN"],
      [{ patience: 0 }, "expected divergence.patience to be an integer >= 1, got 0"],
      [{ patience: 2.5 }, "expected divergence.patience to be an integer >= 1, got 2.5"],
      [{ factr: 3 }, /^unknown option "factr" in divergence \(did you mean "factor"\?\)/],
    ];
    for (const [options, message] of bad) expect(() => new DivergenceMonitor(options as DivergenceOptions)).toThrow(message);
  });
});
