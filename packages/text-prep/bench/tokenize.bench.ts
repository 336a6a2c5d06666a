/**
 * Benchmark of the chapter's pipeline on the real IMDb archive, beside the
 * Python reference (bench/tokenize_reference.py) doing the same work with
 * `re` and `collections.Counter`:
 *
 *   1. read: stream the archive and decode all 49,996 reviews;
 *   2. tokenize + count: `TokenCounter.addText` on every review, as it arrives
 *      (timed around each call; stage 1 is the rest of the streaming loop);
 *   3. build the encoder: first-seen vocabulary, `TokenTextEncoder`;
 *   4. encode: `TokenTextEncoder.encode` on every review.
 *
 * Also times tokenization alone (`tokenize` on every review). Prints a table,
 * then one line `RESULT {json}`. Timings are wall clock on a possibly shared
 * machine: read them as such. Never fails on a time.
 *
 * Usage: pnpm bench:text-prep            (from the repository root)
 *        tsx bench/tokenize.bench.ts [archive] [--skip-python] [--runs N]
 *
 * With --runs N both sides run N times and the fastest end-to-end run of each
 * is reported (useful on a busy machine). CPU seconds (user + system of the
 * process, zlib's thread included) are printed beside wall-clock seconds: on a
 * shared machine they are the steadier figure.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { TokenCounter, TokenTextEncoder, readImdb, tokenize } from "../src/index";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const skipPython = args.includes("--skip-python");
const runsAt = args.indexOf("--runs");
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 1;
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`bench: expected --runs to be an integer >= 1, got ${args[runsAt + 1]}`);
  process.exit(1);
}
const positional = args.filter((a, i) => !a.startsWith("--") && args[i - 1] !== "--runs");
const archive = resolve(positional[0] ?? resolve(here, "../../../../shared/data/aclImdb-labeled.tar.gz"));
if (!existsSync(archive)) {
  console.error(`bench: archive not found: ${archive}`);
  process.exit(1);
}

const seconds = (from: number): number => (performance.now() - from) / 1000;
const cpuSeconds = (from: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(from);
  return (used.user + used.system) / 1e6;
};

async function runTs() {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  // Count while the archive streams in, as a user would: zlib inflates on
  // libuv's thread pool meanwhile. The count stage is timed around addText;
  // the read stage is the rest of the loop.
  const texts: string[] = [];
  let bytes = 0;
  let countMs = 0;
  const counter = new TokenCounter();
  for await (const review of readImdb(archive)) {
    texts.push(review.text);
    bytes += Buffer.byteLength(review.text, "utf8");
    const t = performance.now();
    counter.addText(review.text);
    countMs += performance.now() - t;
  }
  const countSeconds = countMs / 1000;
  const readSeconds = seconds(t0) - countSeconds;

  const t2 = performance.now();
  const encoder = new TokenTextEncoder(counter.toVocabulary());
  const vocabularySeconds = seconds(t2);

  const t3 = performance.now();
  let encodedIds = 0;
  for (const text of texts) encodedIds += encoder.encode(text).length;
  const encodeSeconds = seconds(t3);
  const totalSeconds = seconds(t0);
  const totalCpuSeconds = cpuSeconds(c0);

  // Tokenization alone (strings out), best of three passes.
  let tokenizeSeconds = Number.POSITIVE_INFINITY;
  for (let pass = 0; pass < 3; pass++) {
    const t = performance.now();
    let n = 0;
    for (const text of texts) n += tokenize(text).length;
    tokenizeSeconds = Math.min(tokenizeSeconds, seconds(t));
    if (n !== counter.totalCount) throw new Error(`tokenize found ${n} tokens, the counter ${counter.totalCount}`);
  }
  return {
    reviews: texts.length,
    textMB: bytes / 1e6,
    readSeconds,
    countSeconds,
    vocabularySeconds,
    encodeSeconds,
    totalSeconds,
    totalCpuSeconds,
    tokenizeSeconds,
    distinctTokens: counter.distinctCount,
    tokens: counter.totalCount,
    encodedIds,
  };
}

function runPython(): Record<string, number> | null {
  const run = spawnSync("python3", [resolve(here, "tokenize_reference.py"), archive], { encoding: "utf8" });
  if (run.status !== 0) {
    console.error(`bench: the Python reference failed (${run.error?.message ?? `exit ${run.status}`}):\n${run.stderr}`);
    return null;
  }
  return JSON.parse(run.stdout.trim().split("\n").pop() as string) as Record<string, number>;
}

let ts = await runTs();
for (let r = 1; r < runs; r++) {
  const again = await runTs();
  if (again.totalSeconds < ts.totalSeconds) ts = again;
}
// Peak resident set size of this process (kB on Linux), all runs included.
const peakRss = process.resourceUsage().maxRSS * 1024;
let py: Record<string, number> | null = null;
for (let r = 0; r < (skipPython ? 0 : runs); r++) {
  const again = runPython();
  if (again === null) break;
  if (py === null || (again["totalSeconds"] as number) < (py["totalSeconds"] as number)) py = again;
}
const mbps = (s: number): number => ts.textMB / s;
const row = (stage: string, s: number, p: number | undefined): string =>
  `${stage.padEnd(18)} ${s.toFixed(3).padStart(8)} s ${mbps(s).toFixed(1).padStart(9)} MB/s` +
  (p === undefined ? "" : ` | python ${p.toFixed(3).padStart(8)} s ${(ts.textMB / p).toFixed(1).padStart(7)} MB/s`);

console.log(`archive: ${archive}`);
console.log(`${ts.reviews} reviews, ${ts.textMB.toFixed(1)} MB of text, ${ts.distinctTokens} distinct / ${ts.tokens} tokens`);
console.log(row("read + decode", ts.readSeconds, py?.["readSeconds"]));
console.log(row("tokenize + count", ts.countSeconds, py?.["tokenizeCountSeconds"]));
console.log(row("build encoder", ts.vocabularySeconds, py?.["vocabularySeconds"]));
console.log(row("encode", ts.encodeSeconds, py?.["encodeSeconds"]));
console.log(row("end to end", ts.totalSeconds, py?.["totalSeconds"]));
console.log(
  `${"end to end, CPU".padEnd(18)} ${ts.totalCpuSeconds.toFixed(3).padStart(8)} s` +
    (py === null ? "" : `${" ".repeat(15)} | python ${(py["cpuSeconds"] as number).toFixed(3).padStart(8)} s`),
);
console.log(row("tokenize alone", ts.tokenizeSeconds, undefined));
if (py !== null && (py["distinctTokens"] !== ts.distinctTokens || py["tokens"] !== ts.tokens)) {
  console.log(`WARNING: Python counts differ: ${py["distinctTokens"]} distinct / ${py["tokens"]} tokens`);
}
const pythonSeconds = py?.["totalSeconds"] ?? null;
const result = {
  totalSeconds: round(ts.totalSeconds),
  pythonSeconds: pythonSeconds === null ? null : round(pythonSeconds),
  speedup: pythonSeconds === null ? null : round(pythonSeconds / ts.totalSeconds),
  cpuSeconds: round(ts.totalCpuSeconds),
  pythonCpuSeconds: py === null ? null : round(py["cpuSeconds"] as number),
  cpuSpeedup: py === null ? null : round((py["cpuSeconds"] as number) / ts.totalCpuSeconds),
  runs,
  tokenizeMBps: round(mbps(ts.tokenizeSeconds)),
  countMBps: round(mbps(ts.countSeconds)),
  encodeMBps: round(mbps(ts.encodeSeconds)),
  readMBps: round(mbps(ts.readSeconds)),
  distinctTokens: ts.distinctTokens,
  tokens: ts.tokens,
  reviews: ts.reviews,
  peakRssMB: round(peakRss / 2 ** 20),
  pythonPeakRssMB: py === null ? null : round(py["peakRssMB"] as number),
};
console.log(`RESULT ${JSON.stringify(result)}`);

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
