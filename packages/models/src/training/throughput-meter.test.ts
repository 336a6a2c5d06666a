import { describe, expect, it } from "vitest";
import { ThroughputMeter, remainingSteps } from "./throughput-meter";

describe("ThroughputMeter (on a hand-driven clock)", () => {
  it("measures steps and positions per second over the session, and the time left", () => {
    let now = 1000;
    const meter = new ThroughputMeter(() => now);
    expect(meter.etaSeconds(10)).toBeNull(); // no step yet: no rate
    now += 500;
    meter.record(320);
    now += 1500; // 2 s, 2 steps
    meter.record(320);
    expect(meter.steps).toBe(2);
    expect(meter.seconds).toBe(2);
    expect(meter.batchesPerSecond()).toBe(1);
    expect(meter.tokensPerSecond()).toBe(320);
    expect(meter.etaSeconds(30)).toBe(30);
    expect(meter.etaSeconds(0)).toBe(0);
    expect(meter.etaSeconds(null)).toBeNull();
  });
});

describe("remainingSteps", () => {
  const at = { epoch: 1, epochs: 3, batch: 4, batchesPerEpoch: 10, step: 14, maxSteps: Number.POSITIVE_INFINITY };
  it("counts the rest of the epoch and the epochs after it", () => {
    expect(remainingSteps(at)).toBe(6 + 10);
    expect(remainingSteps({ ...at, epoch: 2, batch: 10 })).toBe(0);
  });
  it("stops at maxSteps when that comes first, and knows only maxSteps before the epoch length", () => {
    expect(remainingSteps({ ...at, maxSteps: 20 })).toBe(6);
    expect(remainingSteps({ ...at, maxSteps: 100 })).toBe(16);
    expect(remainingSteps({ ...at, batchesPerEpoch: null })).toBeNull();
    expect(remainingSteps({ ...at, batchesPerEpoch: null, maxSteps: 20 })).toBe(6);
    expect(remainingSteps({ ...at, maxSteps: 10 })).toBe(0);
  });
});
