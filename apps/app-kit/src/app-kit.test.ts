import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findRepoRoot, formatSeconds, integerOption, positiveOption, rateOption, sharedDataFile } from "./index";

describe("formatSeconds", () => {
  it("shows hours and minutes, minutes and seconds, or seconds", () => {
    expect(formatSeconds(3 * 3600 + 5 * 60 + 7)).toBe("3h05m");
    expect(formatSeconds(261)).toBe("4m21s");
    expect(formatSeconds(9.4)).toBe("9s");
  });
});

describe("option parsers", () => {
  it("accept what they promise", () => {
    expect(integerOption("epochs")("10")).toBe(10);
    expect(integerOption("seed", 0)("0")).toBe(0);
    expect(positiveOption("lr")("1e-3")).toBe(0.001);
    expect(rateOption("dropout")("0")).toBe(0);
  });

  it("say what was expected and what came", () => {
    expect(() => integerOption("epochs")("0")).toThrow("expected epochs to be an integer >= 1, got 0");
    expect(() => integerOption("epochs")("2.5")).toThrow("expected epochs to be an integer >= 1, got 2.5");
    expect(() => positiveOption("lr")("-1")).toThrow("expected lr > 0, got -1");
    expect(() => positiveOption("lr")("Infinity")).toThrow("expected lr > 0, got Infinity");
    expect(() => rateOption("dropout")("1")).toThrow("expected dropout to be a rate in [0, 1), got 1");
  });
});

describe("shared data lookup", () => {
  let top: string;
  beforeAll(async () => {
    // <top>/repo/pnpm-workspace.yaml, <top>/repo/apps/x, <top>/shared/data/novel.txt
    top = await mkdtemp(join(tmpdir(), "app-kit-"));
    await mkdir(join(top, "repo", "apps", "x"), { recursive: true });
    await writeFile(join(top, "repo", "pnpm-workspace.yaml"), "packages: []\n");
    await mkdir(join(top, "shared", "data"), { recursive: true });
    await writeFile(join(top, "shared", "data", "novel.txt"), "text");
  });
  afterAll(() => rm(top, { recursive: true, force: true }));

  it("finds the repository root above a nested folder", () => {
    expect(findRepoRoot(join(top, "repo", "apps", "x"))).toBe(join(top, "repo"));
  });

  it("finds a file of ../shared/data and says null for one that is not there", () => {
    expect(sharedDataFile("novel.txt", join(top, "repo", "apps", "x"))).toBe(join(top, "shared", "data", "novel.txt"));
    expect(sharedDataFile("missing.txt", join(top, "repo", "apps", "x"))).toBeNull();
  });

  it("says null outside any repository", () => {
    expect(findRepoRoot(tmpdir())).toBeNull();
  });
});
