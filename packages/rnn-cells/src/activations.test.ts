import { describe, expect, it } from "vitest";
import { getActivation } from "./index";
import type { ActivationName } from "./index";

const NAMES: ActivationName[] = ["tanh", "sigmoid", "hard_sigmoid", "relu", "linear"];

describe("getActivation", () => {
  // Central differences in float64 away from kinks: error O(h^2) ~ 1e-10.
  it.each(NAMES)("%s derivative matches a central difference", (name) => {
    const act = getActivation(name);
    const h = 1e-5;
    for (const x of [-3.1, -1.3, -0.4, 0.7, 1.9, 3.3]) {
      const numeric = (act.apply(x + h) - act.apply(x - h)) / (2 * h);
      const analytic = act.derivative(x, act.apply(x));
      expect(Math.abs(numeric - analytic)).toBeLessThan(1e-8);
    }
  });

  it("matches known values", () => {
    // sigmoid(0) = 1/2, tanh(0) = 0, hard_sigmoid(1) = 0.2 + 0.5
    expect(getActivation("sigmoid").apply(0)).toBe(0.5);
    expect(getActivation("tanh").apply(0)).toBe(0);
    expect(getActivation("hard_sigmoid").apply(1)).toBeCloseTo(0.7, 15);
  });

  it("uses tfjs's subgradients at the kinks: hard_sigmoid 0.2 at ±2.5 (inclusive clip), relu 0 at 0", () => {
    const hs = getActivation("hard_sigmoid");
    expect(hs.derivative(2.5, hs.apply(2.5))).toBe(0.2);
    expect(hs.derivative(-2.5, hs.apply(-2.5))).toBe(0.2);
    expect(hs.derivative(2.6, hs.apply(2.6))).toBe(0);
    expect(getActivation("relu").derivative(0, 0)).toBe(0);
  });

  it("rejects an unknown name with the list of known ones", () => {
    expect(() => getActivation("gelu" as ActivationName)).toThrow(
      'expected activation to be one of tanh, sigmoid, hard_sigmoid, relu, linear, got "gelu"',
    );
  });
});
