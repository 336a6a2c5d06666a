import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EarlyStopping, type EarlyStoppingOptions, type EarlyStoppingState } from "./early-stopping";
import type { EpochRecord, NamedArray } from "./training-checkpoint";

const record = (epoch: number, fields: Partial<EpochRecord>): EpochRecord => ({
  epoch,
  loss: 1,
  accuracy: 0.5,
  seconds: 1,
  stepSeconds: 1,
  batches: 1,
  tokens: 1,
  ...fields,
});

/**
 * Keras 3's `EarlyStopping.on_epoch_end` (keras/src/callbacks/early_stopping.py), transcribed line by line for
 * a list of monitored values: the 0-based epoch it stops after (or null) and its best epoch.
 */
function kerasReference(values: number[], o: { patience: number; minDelta: number; mode: "min" | "max"; baseline?: number }) {
  const monitorOp = (a: number, b: number) => (o.mode === "min" ? a < b : a > b);
  const minDelta = o.mode === "min" ? -o.minDelta : o.minDelta;
  const isImprovement = (value: number, reference: number) => monitorOp(value - minDelta, reference);
  let best = o.mode === "min" ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  let bestEpoch = 0;
  let wait = 0;
  for (let epoch = 0; epoch < values.length; epoch++) {
    const current = values[epoch]!;
    wait += 1;
    if (isImprovement(current, best)) {
      best = current;
      bestEpoch = epoch;
      if (o.baseline === undefined || isImprovement(current, o.baseline)) wait = 0;
      continue;
    }
    if (wait >= o.patience && epoch > 0) return { stoppedAfter: epoch, bestEpoch };
  }
  return { stoppedAfter: null, bestEpoch };
}

function run(values: number[], options: EarlyStoppingOptions) {
  const early = new EarlyStopping(options);
  const state: EarlyStoppingState = { best: null, wait: 0 };
  const monitor = early.monitor;
  for (let i = 0; i < values.length; i++) {
    const r = record(i + 1, monitor === "val_loss" ? { valLoss: values[i]! } : { valAccuracy: values[i]! });
    if (early.update(state, r, () => [{ name: `epoch ${i + 1}`, shape: [], data: new Float32Array(1) }]).stop) {
      return { stoppedAfter: i, bestEpoch: state.best!.epoch - 1, state };
    }
  }
  return { stoppedAfter: null, bestEpoch: state.best!.epoch - 1, state };
}

describe("EarlyStopping", () => {
  it("stops and picks the best epoch exactly as Keras 3's EarlyStopping (fast-check)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 20 }).map((x) => x / 10), { minLength: 1, maxLength: 12 }), // ties happen
        fc.integer({ min: 0, max: 4 }),
        fc.constantFrom(0, 0.05, 0.1, 0.3),
        fc.constantFrom("min" as const, "max" as const),
        fc.option(fc.integer({ min: 0, max: 20 }).map((x) => x / 10), { nil: undefined }),
        (values, patience, minDelta, mode, baseline) => {
          const monitor = mode === "min" ? "val_loss" : "val_accuracy"; // "auto" infers the mode from the name
          const ours = run(values, { monitor, patience, minDelta, ...(baseline === undefined ? {} : { baseline }) });
          const keras = kerasReference(values, { patience, minDelta, mode, ...(baseline === undefined ? {} : { baseline }) });
          expect({ stoppedAfter: ours.stoppedAfter, bestEpoch: ours.bestEpoch }).toStrictEqual(keras);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("keeps the best epoch's weights only with restoreBestWeights, read only when the epoch improved", () => {
    let reads = 0;
    const weights = (): NamedArray[] => [{ name: `read ${++reads}`, shape: [], data: new Float32Array(1) }];
    const early = new EarlyStopping({ monitor: "loss", patience: 2 });
    const state: EarlyStoppingState = { best: null, wait: 0 };
    expect(early.update(state, record(1, { loss: 0.5 }), weights)).toStrictEqual({ improved: true, stop: false });
    expect(early.update(state, record(2, { loss: 0.6 }), weights)).toStrictEqual({ improved: false, stop: false });
    expect(early.update(state, record(3, { loss: 0.4 }), weights)).toStrictEqual({ improved: true, stop: false });
    expect(early.update(state, record(4, { loss: 0.4 }), weights)).toStrictEqual({ improved: false, stop: false });
    expect(early.update(state, record(5, { loss: 0.45 }), weights)).toStrictEqual({ improved: false, stop: true });
    expect(state.best).toMatchObject({ value: 0.4, epoch: 3, weights: [{ name: "read 2" }] });
    expect(reads).toBe(2);
    const noRestore = new EarlyStopping({ monitor: "loss", restoreBestWeights: false });
    const s2: EarlyStoppingState = { best: null, wait: 0 };
    noRestore.update(s2, record(1, { loss: 0.5 }), weights);
    expect(s2.best).toStrictEqual({ value: 0.5, epoch: 1, weights: [] });
    expect(reads).toBe(2);
  });

  it("has the chapter's defaults, and infers the mode from the monitor", () => {
    const d = new EarlyStopping();
    expect([d.monitor, d.patience, d.minDelta, d.mode, d.baseline, d.restoreBestWeights]).toStrictEqual(["val_loss", 2, 0, "min", undefined, true]);
    expect(d.needsValidation).toBe(true);
    expect(new EarlyStopping({ monitor: "accuracy" }).mode).toBe("max");
    expect(new EarlyStopping({ monitor: "accuracy", mode: "min" }).mode).toBe("min");
    expect(new EarlyStopping({ monitor: "loss" }).needsValidation).toBe(false);
  });

  it("rejects unknown options and values out of range, naming them", () => {
    const bad: [unknown, string | RegExp][] = [
      [{ monitr: "loss" }, /^unknown option "monitr" in earlyStopping \(did you mean "monitor"\?\)/],
      [{ monitor: "val_acc" }, 'expected earlyStopping.monitor to be one of "val_loss" | "val_accuracy" | "loss" | "accuracy", got "val_acc"'],
      [{ minDelta: Number.NaN }, "expected earlyStopping.minDelta to be a finite number >= 0, got NaN"],
      [{ minDelta: -0.1 }, "expected earlyStopping.minDelta to be a finite number >= 0, got -0.1"],
      [{ patience: 1.5 }, "expected earlyStopping.patience to be an integer >= 0, got 1.5"],
      [{ patience: -1 }, "expected earlyStopping.patience to be an integer >= 0, got -1"],
      [{ mode: "up" }, 'expected earlyStopping.mode to be one of "auto" | "min" | "max", got "up"'],
      [{ baseline: Number.POSITIVE_INFINITY }, "expected earlyStopping.baseline to be a finite number, got Infinity"],
      [{ restoreBestWeights: 1 }, "expected earlyStopping.restoreBestWeights to be true or false, got 1"],
      [null, "expected earlyStopping to be an object, got null"],
    ];
    for (const [options, message] of bad) expect(() => new EarlyStopping(options as EarlyStoppingOptions)).toThrow(message);
  });

  it("refuses a record without the monitored figure, or with a NaN in it", () => {
    const early = new EarlyStopping();
    const state: EarlyStoppingState = { best: null, wait: 0 };
    expect(() => early.update(state, record(1, {}), () => [])).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT", message: "expected epoch 1 to record val_loss for early stopping, got nothing (no validation source?)" }),
    );
    expect(() => early.update(state, record(2, { valLoss: Number.NaN }), () => [])).toThrow(
      expect.objectContaining({ code: "NON_FINITE_LOSS", message: expect.stringContaining("epoch 2: val_loss is NaN") as unknown }),
    );
  });
});
