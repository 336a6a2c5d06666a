import { describe, expect, it } from "vitest";

import { fencedBlocks, headingSlug, readmeExamples } from "./markdown";

describe("headingSlug", () => {
  it("makes GitHub's anchors", () => {
    const seen = new Map<string, number>();
    expect(headingSlug("`tokenize(text, options?) => string[]`", seen)).toBe("tokenizetext-options--string");
    expect(headingSlug("`initBackend(options?): Promise<BackendReport>`", seen)).toBe(
      "initbackendoptions-promisebackendreport",
    );
    expect(headingSlug("Bundlers and browsers", seen)).toBe("bundlers-and-browsers");
    expect(headingSlug("See [the API](#api) — café", seen)).toBe("see-the-api--café");
  });

  it("numbers repeated headings as GitHub does", () => {
    const seen = new Map<string, number>();
    expect(["Usage", "Usage", "Usage"].map((h) => headingSlug(h, seen))).toEqual(["usage", "usage-1", "usage-2"]);
  });
});

describe("fencedBlocks", () => {
  it("finds backtick and tilde fences, indented ones, and the heading above each", () => {
    const md = [
      "# Title",
      "```ts",
      "a();",
      "```",
      "## Two",
      "- item",
      "  ~~~~js",
      "  b();",
      "  ```",
      "  still code",
      "  ~~~~",
      "```",
      "no info",
      "````",
    ].join("\n");
    expect(fencedBlocks(md, "x.md")).toEqual([
      { info: "ts", code: "a();\n", line: 2, heading: "title" },
      { info: "js", code: "b();\n```\nstill code\n", line: 7, heading: "two" },
      { info: "", code: "no info\n", line: 12, heading: "two" },
    ]);
  });

  it("does not take a # line inside a block for a heading", () => {
    const blocks = fencedBlocks("## A\n```sh\n# comment\n```\n```ts\nx\n```\n", "x.md");
    expect(blocks.map((b) => b.heading)).toEqual(["a", "a"]);
  });

  it("refuses a fence that is never closed", () => {
    expect(() => fencedBlocks("# A\n```ts\nx\n", "pkg/README.md")).toThrow(
      'pkg/README.md:2: code fence "```ts" is never closed',
    );
  });
});

describe("readmeExamples", () => {
  const md = [
    "## Usage",
    "```ts",
    "one",
    "```",
    "```ts fragment",
    "not run",
    "```",
    "```sh",
    "npm i",
    "```",
    "```typescript",
    "two",
    "```",
    "## API",
    "```mjs",
    "three",
    "```",
  ].join("\n");

  it("takes ts/typescript/js/mjs/cjs blocks, numbered per heading, and counts fragments", () => {
    const { examples, fragments } = readmeExamples(md, "rnn-cells", "packages/rnn-cells/README.md");
    expect(examples.map((e) => [e.id, e.language, e.code, e.line])).toEqual([
      ["rnn-cells/usage/1", "ts", "one\n", 2],
      ["rnn-cells/usage/2", "typescript", "two\n", 11],
      ["rnn-cells/api/1", "mjs", "three\n", 15],
    ]);
    expect(fragments).toBe(1);
  });

  it("refuses any other word after an example language, so a typo cannot turn an example off", () => {
    expect(() => readmeExamples("```ts framgent\nx\n```\n", "p", "p/README.md")).toThrow(
      'p/README.md:1: expected the info string "ts" (an example that runs) or "ts fragment" (shown, not run), ' +
        'got "ts framgent"',
    );
  });
});
