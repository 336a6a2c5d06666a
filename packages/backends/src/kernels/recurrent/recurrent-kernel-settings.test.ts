import { afterEach, describe, expect, it } from "vitest";
import * as main from "../../index";
import * as testing from "../../testing";
import { configureRecurrentKernels, recurrentKernelSettings, setRecurrentKernelSwitches } from "./recurrent-kernel-settings";

const DEFAULTS = { threads: null, relaxedSimd: "auto", sequenceKernels: true, simdKernels: true, distinctInputRows: true };
const SWITCHES = { sequenceKernels: true, simdKernels: true, distinctInputRows: true };

afterEach(() => {
  configureRecurrentKernels({ threads: null, relaxedSimd: "auto" });
  setRecurrentKernelSwitches(SWITCHES);
});

describe("the recurrent kernels' settings", () => {
  it("start at the defaults, as a frozen snapshot", () => {
    const settings = recurrentKernelSettings();
    expect(settings).toEqual(DEFAULTS);
    expect(Object.isFrozen(settings)).toBe(true);
  });

  it("configureRecurrentKernels sets the keys given, keeps the others, and returns the previous values", () => {
    expect(configureRecurrentKernels({ threads: 3 })).toEqual({ threads: null, relaxedSimd: "auto" });
    expect(configureRecurrentKernels({ relaxedSimd: "off" })).toEqual({ threads: 3, relaxedSimd: "auto" });
    expect(recurrentKernelSettings()).toEqual({ ...DEFAULTS, threads: 3, relaxedSimd: "off" });
    const before = configureRecurrentKernels({ threads: 1, relaxedSimd: "on" });
    configureRecurrentKernels(before);
    expect(recurrentKernelSettings()).toEqual({ ...DEFAULTS, threads: 3, relaxedSimd: "off" });
    configureRecurrentKernels({ threads: null });
    expect(recurrentKernelSettings().threads).toBeNull();
  });

  it("rejects bad values and unknown keys, naming what was expected and what came", () => {
    expect(() => configureRecurrentKernels({ threads: 0 })).toThrow(
      new RangeError("expected threads to be an integer from 1 to 16 (or null for the default), got 0"),
    );
    expect(() => configureRecurrentKernels({ threads: 2.5 })).toThrow(RangeError);
    expect(() => configureRecurrentKernels({ threads: 17 })).toThrow(RangeError);
    expect(() => configureRecurrentKernels({ relaxedSimd: "yes" as never })).toThrow(
      new RangeError('expected relaxedSimd to be "auto", "on" or "off", got "yes"'),
    );
    expect(() => configureRecurrentKernels({ thread: 2 } as never)).toThrow(
      new TypeError('expected recurrent kernel options among threads, relaxedSimd, got "thread"'),
    );
    expect(() => configureRecurrentKernels(null as never)).toThrow(new TypeError("expected recurrent kernel options to be an object, got null"));
    expect(() => setRecurrentKernelSwitches({ simdKernels: 0 as never })).toThrow(
      new TypeError("expected simdKernels to be a boolean, got number"),
    );
    expect(() => setRecurrentKernelSwitches({ threads: 1 } as never)).toThrow(
      new TypeError('expected recurrent kernel switches among sequenceKernels, simdKernels, distinctInputRows, got "threads"'),
    );
    expect(recurrentKernelSettings()).toEqual(DEFAULTS); // nothing changed by the failed calls
  });

  it("setRecurrentKernelSwitches (./testing) flips the test switches and returns the previous ones", () => {
    expect(setRecurrentKernelSwitches({ sequenceKernels: false })).toEqual(SWITCHES);
    expect(recurrentKernelSettings()).toEqual({ ...DEFAULTS, sequenceKernels: false });
    expect(setRecurrentKernelSwitches({ sequenceKernels: true, simdKernels: false })).toEqual({ ...SWITCHES, sequenceKernels: false });
    expect(recurrentKernelSettings().simdKernels).toBe(false);
    expect(setRecurrentKernelSwitches({ distinctInputRows: false })).toEqual({ ...SWITCHES, simdKernels: false });
    expect(recurrentKernelSettings().distinctInputRows).toBe(false);
  });

  it("the switches are in ./testing only; the main entry configures threads and relaxed SIMD and reads all five", () => {
    expect(Object.keys(testing).sort()).toEqual(["setRecurrentKernelSwitches"]);
    expect(main).not.toHaveProperty("setRecurrentKernelSwitches");
    expect(main.configureRecurrentKernels).toBe(configureRecurrentKernels);
    expect(main.recurrentKernelSettings).toBe(recurrentKernelSettings);
  });
});
