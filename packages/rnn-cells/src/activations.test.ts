import { describe, expect, it } from "vitest";
import { activationName, cellKind, getActivation, resolveSpec } from "./index";
import type { ActivationName } from "./index";

const NAMES: ActivationName[] = ["tanh", "sigmoid", "hardSigmoid", "relu", "linear", "softsign", "elu", "selu", "softplus"];

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
    // sigmoid(0) = 1/2, tanh(0) = 0, hardSigmoid(1) = 0.2 + 0.5
    expect(getActivation("sigmoid").apply(0)).toBe(0.5);
    expect(getActivation("tanh").apply(0)).toBe(0);
    expect(getActivation("hardSigmoid").apply(1)).toBeCloseTo(0.7, 15);
    // softsign(1) = 1/2; elu(−1) = e^−1 − 1; selu(1) = λ; softplus(0) = ln 2, and softplus(−800) > 0 (no underflow to
    // log(1) = 0 through e^x + 1), softplus(800) = 800 (no overflow)
    expect(getActivation("softsign").apply(1)).toBe(0.5);
    expect(getActivation("elu").apply(-1)).toBeCloseTo(Math.exp(-1) - 1, 15);
    expect(getActivation("selu").apply(1)).toBeCloseTo(1.0507009873554805, 15);
    expect(getActivation("softplus").apply(0)).toBeCloseTo(Math.LN2, 15);
    expect(getActivation("softplus").apply(-800)).toBe(0); // e^−800 is below the smallest double
    expect(getActivation("softplus").apply(-30)).toBeCloseTo(Math.exp(-30), 25);
    expect(getActivation("softplus").apply(800)).toBe(800);
  });

  it("uses tfjs's subgradients at the kinks: hardSigmoid 0.2 at ±2.5 (inclusive clip), relu 0 at 0", () => {
    const hs = getActivation("hardSigmoid");
    expect(hs.derivative(2.5, hs.apply(2.5))).toBe(0.2);
    expect(hs.derivative(-2.5, hs.apply(-2.5))).toBe(0.2);
    expect(hs.derivative(2.6, hs.apply(2.6))).toBe(0);
    expect(getActivation("relu").derivative(0, 0)).toBe(0);
  });

  it("rejects an unknown name with the list of known ones", () => {
    expect(() => getActivation("gelu" as ActivationName)).toThrow(
      'expected activation to be one of tanh, sigmoid, hardSigmoid, relu, linear, softsign, elu, selu, softplus (or Keras\'s hard_sigmoid), got "gelu"',
    );
  });

  it("accepts Keras's snake-case spelling as an alias of the tfjs name", () => {
    expect(activationName("hard_sigmoid")).toBe("hardSigmoid");
    expect(getActivation("hard_sigmoid" as ActivationName).name).toBe("hardSigmoid");
    expect(() => activationName("hard-sigmoid")).toThrow(RangeError);
  });
});

describe("cellKind", () => {
  it("maps the tfjs and Keras spellings onto one name", () => {
    for (const name of ["simple-rnn", "simpleRNN", "SimpleRNN", "simple_rnn", "simpleRnn"]) expect(cellKind(name)).toBe("simple-rnn");
    expect(cellKind("LSTM")).toBe("lstm");
    expect(cellKind("GRU")).toBe("gru");
    expect(() => cellKind("rnn")).toThrow('expected cell to be one of lstm, gru, simple-rnn (or simpleRNN, SimpleRNN, simple_rnn, LSTM, GRU), got "rnn"');
    expect(resolveSpec({ cell: "SimpleRNN" as "simple-rnn", units: 1, inputDim: 1 }).cell).toBe("simple-rnn");
  });
});
