import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

// The worker script is a separate file of the build (dist/text-worker.js and
// .cjs), found from the chunk that starts the workers: check both builds in a
// fresh Node process, which must also exit by itself although a background
// count was left unfinished (its worker must not keep the process alive).
// The counter and encoder come from the main entry, the functions from the
// node entry: both must share one TokenCounter class (shared chunks).
const dist = resolve(__dirname, "../../../dist");
const files = ["index.js", "index.cjs", "node.js", "node.cjs", "text-worker.js", "text-worker.cjs"];
const built = files.every((file) => existsSync(resolve(dist, file)));
if (!built) console.warn(`skipping the built-package tests: run the build first (${dist} is incomplete)`);

const body = `
  const counter = new TokenCounter({ keepIds: true });
  await countTexts(counter, ["a b", "b c", "c d"], { workers: 2 });
  const unfinished = countInBackground(new TokenCounter());
  unfinished.addText("left behind");
  const encoder = new TokenTextEncoder(counter.toVocabulary());
  const ids = await encodeTexts(encoder, ["a b", "d e"], { workers: 1 });
  const counted = encoder.encodeCounted(counter);
  console.log(JSON.stringify({ entries: [...counter.entries()], ids: ids.map((x) => [...x]), counted: counted.map((x) => [...x]) }));
`;
const at = (file: string): string => JSON.stringify(resolve(dist, file));

// In CI the build runs before the tests: a missing dist fails here instead of skipping the tests below.
it.runIf(Boolean(process.env.CI))("finds the built package in CI (dist/index, dist/node and dist/text-worker, .js and .cjs)", () => {
  expect(built).toBe(true);
});

function run(args: string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, args, { encoding: "utf8", timeout: 30_000 });
}

describe.skipIf(!built)("built package (dist)", () => {
  const esm = `import { TokenCounter, TokenTextEncoder } from ${at("index.js")};
import { countInBackground, countTexts, encodeTexts } from ${at("node.js")};
${body}`;
  const cjs = `const { TokenCounter, TokenTextEncoder } = require(${at("index.cjs")});
const { countInBackground, countTexts, encodeTexts } = require(${at("node.cjs")});
(async () => {${body}})();`;
  // A preload the workers must not inherit (like tsx's) beside a V8 option they
  // must not be given explicitly (Node refuses it in a worker's execArgv).
  const preload = resolve(__dirname, "../../__fixtures__/empty-preload.cjs");
  const cases: [string, string[]][] = [
    ["ESM", ["--input-type=module", "-e", esm]],
    ["ESM with a preload and a V8 option", ["--require", preload, "--max-old-space-size=512", "--input-type=module", "-e", esm]],
    ["CJS", ["-e", cjs]],
  ];
  it.each(cases)("%s: runs its workers from the built files and lets the process exit", (_format, args) => {
    const result = run(args);
    expect(result.error).toBeUndefined(); // a timeout would mean a worker kept the process alive
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
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
      counted: [
        [1, 2],
        [2, 3],
        [3, 4],
      ],
    });
  });

  it("names the dual-package mix-up: a counter of the ESM build given to the CJS build's countTexts", () => {
    const mixed = `import { createRequire } from "node:module";
import { TokenCounter } from ${at("index.js")};
const { countTexts } = createRequire(import.meta.url)(${at("node.cjs")});
try {
  await countTexts(new TokenCounter(), ["a"]);
} catch (error) {
  console.log(String(error));
}`;
    const result = run(["--input-type=module", "-e", mixed]);
    expect(result.stderr).toBe("");
    expect(result.stdout.trim()).toBe(
      'TypeError: expected counter to be a TokenCounter, got a TokenCounter from another copy of @recurrent/text-prep (load "@recurrent/text-prep" and "@recurrent/text-prep/node" the same way: both with import, or both with require)',
    );
  });
});
