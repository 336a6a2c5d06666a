import { describe, expect, it } from "vitest";
import { tokenize } from "./index";

describe("tokenize", () => {
  it("splits like Python's re.split(r'\\W+') with empty strings dropped", () => {
    expect(tokenize("Don't panic: café 3.14 foo_bar <br />x")).toEqual([
      "Don", "t", "panic", "café", "3", "14", "foo_bar", "br", "x",
    ]);
  });

  it("returns no tokens for text without word characters", () => {
    expect(tokenize(" ... !! ")).toEqual([]);
  });

  it("lower-cases on request", () => {
    expect(tokenize("The Island", { lowercase: true })).toEqual(["the", "island"]);
  });

  it("rejects a non-string with the type it got", () => {
    expect(() => tokenize(42 as unknown as string)).toThrow("expected text to be a string, got number");
  });
});
