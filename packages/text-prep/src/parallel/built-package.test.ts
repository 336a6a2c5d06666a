import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

// The worker script is a separate file of the build (dist/text-worker.js and
// .cjs), found from the entry point: check both builds in a fresh Node
// process, which must also exit by itself although a background count was
// left unfinished (its worker must not keep the process alive).
const dist = resolve(__dirname, "../../dist");
const built = existsSync(resolve(dist, "index.js")) && existsSync(resolve(dist, "index.cjs"));
if (!built) console.warn(`skipping the built-package tests: run the build first (${dist} is missing)`);

const body = `
  const counter = new TokenCounter();
  await counter.addTexts(["a b", "b c", "c d"], { workers: 2 });
  const unfinished = new TokenCounter().countInBackground();
  unfinished.addText("left behind");
  const encoder = new TokenTextEncoder(counter.toVocabulary());
  const ids = await encoder.encodeAll(["a b", "d e"], { workers: 1 });
  console.log(JSON.stringify({ entries: [...counter.entries()], ids: ids.map((x) => [...x]) }));
`;

// In CI the build runs before the tests: a missing dist fails here instead of skipping the tests below.
it.runIf(Boolean(process.env.CI))("finds the built package in CI (dist/index.js and dist/index.cjs)", () => {
  expect(built).toBe(true);
});

describe.skipIf(!built)("built package (dist)", () => {
  const esm = `import { TokenCounter, TokenTextEncoder } from ${JSON.stringify(resolve(dist, "index.js"))};\n${body}`;
  // A preload the workers must not inherit (like tsx's) beside a V8 option they
  // must not be given explicitly (Node refuses it in a worker's execArgv).
  const preload = resolve(__dirname, "../__fixtures__/empty-preload.cjs");
  const cases: [string, string[]][] = [
    ["ESM", ["--input-type=module", "-e", esm]],
    ["ESM with a preload and a V8 option", ["--require", preload, "--max-old-space-size=512", "--input-type=module", "-e", esm]],
    [
      "CJS",
      ["-e", `const { TokenCounter, TokenTextEncoder } = require(${JSON.stringify(resolve(dist, "index.cjs"))});\n(async () => {${body}})();`],
    ],
  ];
  it.each(cases)("%s: runs its workers and lets the process exit", (_format, args) => {
    const run = spawnSync(process.execPath, args, { encoding: "utf8", timeout: 30_000 });
    expect(run.error).toBeUndefined(); // a timeout would mean a worker kept the process alive
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      entries: [
        ["a", 1],
        ["b", 2],
        ["c", 2],
        ["d", 1],
      ],
      ids: [
        [1, 2],
        [4, 5],
      ],
    });
  });
});
