import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkBoolean, checkFunction, checkKnownKeys, checkNumber, checkOneOf, show } from "./option-checks";

const KNOWN = ["task", "train", "epochs", "maxSteps", "checkpointEverySteps"];

describe("checkKnownKeys", () => {
  it("accepts known keys only, and names the unknown one with the nearest known key", () => {
    expect(() => checkKnownKeys({ task: 1, epochs: 2 }, KNOWN, "trainModel options")).not.toThrow();
    expect(() => checkKnownKeys({}, KNOWN, "trainModel options")).not.toThrow();
    expect(() => checkKnownKeys({ maxStep: 3 }, KNOWN, "trainModel options")).toThrow(
      new TypeError(`unknown option "maxStep" in trainModel options (did you mean "maxSteps"?); expected one of ${KNOWN.join(", ")}`),
    );
    expect(() => checkKnownKeys({ checkpointEvery: 3 }, KNOWN, "x")).toThrow('(did you mean "checkpointEverySteps"?)');
    expect(() => checkKnownKeys({ learningRate: 3 }, KNOWN, "x")).toThrow(/^unknown option "learningRate" in x; expected one of/);
  });

  it("rejects what is not a plain object", () => {
    expect(() => checkKnownKeys(null, KNOWN, "earlyStopping")).toThrow("expected earlyStopping to be an object, got null");
    expect(() => checkKnownKeys([1], KNOWN, "earlyStopping")).toThrow("expected earlyStopping to be an object, got an array of length 1");
    expect(() => checkKnownKeys(2, KNOWN, "earlyStopping")).toThrow("expected earlyStopping to be an object, got 2");
  });

  it("throws a TypeError for any key outside the known ones, and nothing else (fast-check)", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.anything()), (object) => {
        const unknown = Object.keys(object).filter((k) => !KNOWN.includes(k));
        let error: unknown = null;
        try {
          checkKnownKeys(object, KNOWN, "o");
        } catch (e) {
          error = e;
        }
        if (unknown.length === 0) return error === null;
        return error instanceof TypeError && error.message.startsWith(`unknown option ${JSON.stringify(unknown[0])} in o`);
      }),
    );
  });
});

describe("checkNumber", () => {
  it("says what was expected and what came", () => {
    expect(checkNumber("clipNorm", 5, { above: 0 })).toBe(5);
    expect(() => checkNumber("maxSteps", 2.5, { integer: true, min: 1, infinite: true })).toThrow(
      new RangeError("expected maxSteps to be an integer >= 1 (or Infinity), got 2.5"),
    );
    expect(checkNumber("maxSteps", Number.POSITIVE_INFINITY, { integer: true, min: 1, infinite: true })).toBe(Number.POSITIVE_INFINITY);
    expect(() => checkNumber("minDelta", Number.NaN, { min: 0 })).toThrow("expected minDelta to be a finite number >= 0, got NaN");
    expect(() => checkNumber("clipNorm", Number.POSITIVE_INFINITY, { above: 0 })).toThrow("expected clipNorm to be a finite number > 0, got Infinity");
    expect(() => checkNumber("beta1", 1, { min: 0, below: 1 })).toThrow("expected beta1 to be a finite number >= 0 and < 1, got 1");
    expect(() => checkNumber("epochs", "3", { integer: true, min: 1 })).toThrow(new TypeError('expected epochs to be an integer >= 1, got "3"'));
    expect(() => checkNumber("epochs", 11, { integer: true, max: 10 })).toThrow("expected epochs to be an integer <= 10, got 11");
  });

  it("accepts exactly the numbers within bounds (fast-check)", () => {
    fc.assert(
      fc.property(fc.double(), fc.double({ noNaN: true, min: -1e6, max: 1e6 }), fc.boolean(), (value, min, integer) => {
        const ok = Number.isFinite(value) && value >= min && (!integer || Number.isInteger(value));
        let threw = false;
        try {
          expect(checkNumber("x", value, { min, integer })).toBe(value);
        } catch (error) {
          threw = error instanceof RangeError && error.message.endsWith(`got ${String(value)}`);
          if (!threw) throw error;
        }
        return threw === !ok;
      }),
    );
  });
});

describe("the other checks", () => {
  it("check booleans, functions and choices", () => {
    expect(checkBoolean("resume", false)).toBe(false);
    expect(() => checkBoolean("resume", "yes")).toThrow(new TypeError('expected resume to be true or false, got "yes"'));
    const f = () => 1;
    expect(checkFunction("train", f)).toBe(f);
    expect(() => checkFunction("train", [])).toThrow("expected train to be a function, got an array of length 0");
    expect(checkOneOf("monitor", "loss", ["val_loss", "loss"])).toBe("loss");
    expect(() => checkOneOf("monitor", "val_acc", ["val_loss", "loss"])).toThrow(
      new RangeError('expected monitor to be one of "val_loss" | "loss", got "val_acc"'),
    );
    expect(show(new Map())).toBe("an object (Map)");
    expect(show(undefined)).toBe("undefined");
  });
});
