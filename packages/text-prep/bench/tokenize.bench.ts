/**
 * Benchmark of the chapter's pipeline on the real IMDb archive, beside the
 * Python reference (bench/tokenize_reference.py) doing the same work with
 * `re` and `collections.Counter`. It runs the BUILT package (dist/, what users
 * install; `pnpm bench` builds it first) through its public API, the way the
 * README's Usage section does it:
 *
 *   1. read: stream the archive and decode all 49,996 reviews (`readImdb`),
 *      handing each text to `countInBackground(counter)` (both of
 *      `@recurrent/text-prep/node`) of a `TokenCounter({ keepIds: true })`,
 *      which tokenizes and counts in a worker thread while the archive
 *      streams, keeping each review's token ids;
 *   2. tokenize + count: `finish()`, the part of the count that reading did
 *      not hide (the worker's backlog, shared with this thread, and the merge);
 *   3. build the encoder: first-seen vocabulary, `TokenTextEncoder`;
 *   4. encode: `TokenTextEncoder.encodeCounted(counter)`, which maps the ids
 *      the count pass kept to encoder ids: every review is tokenized once.
 *
 * The same pipeline with `workers: 0` everywhere (`addText` while reading,
 * all in one thread) is timed beside it, as are tokenization alone
 * (`tokenize` on every review) and the Python reference. After each run,
 * outside its end-to-end time, the reviews are encoded again the way that
 * tokenizes them a second time (`encodeTexts`, or `encode` per review in one
 * thread): that time is printed on its own line, and its ids must equal the
 * one-pass ids exactly (the bench throws otherwise).
 * Prints a table, then one line `RESULT {json}`. Timings are wall clock on a
 * possibly shared machine: read them as such. Never fails on a time.
 *
 * Usage: pnpm bench:text-prep            (from the repository root)
 *        tsx bench/tokenize.bench.ts [archive] [--skip-python] [--runs N]
 *
 * With --runs N every variant runs N times and the fastest end-to-end run of
 * each is reported (useful on a busy machine). CPU seconds (user + system of
 * the process: every thread, zlib's and the workers' included) are printed
 * beside wall-clock seconds.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type * as TextPrep from "../src/index";
import type * as TextPrepNode from "../src/node/index";

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

const entry = resolve(here, "../dist/index.js");
const nodeEntry = resolve(here, "../dist/node.js");
for (const file of [entry, nodeEntry]) {
  if (!existsSync(file)) {
    console.error(`bench: ${file} is missing: build the package first (pnpm --filter @recurrent/text-prep build)`);
    process.exit(1);
  }
}
const { TokenCounter, TokenTextEncoder, tokenize } = (await import(pathToFileURL(entry).href)) as typeof TextPrep;
const { countInBackground, encodeTexts, readImdb } = (await import(pathToFileURL(nodeEntry).href)) as typeof TextPrepNode;

const seconds = (from: number): number => (performance.now() - from) / 1000;
const cpuSeconds = (from: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(from);
  return (used.user + used.system) / 1e6;
};

/** The pipeline; `workers: 0` runs it all in this thread. */
async function runTs(workers: 0 | undefined) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const texts: string[] = [];
  const counter = new TokenCounter({ keepIds: true });
  const counting = countInBackground(counter, workers === 0 ? { workers: 0 } : {});
  for await (const review of readImdb(archive)) {
    texts.push(review.text);
    counting.addText(review.text);
  }
  const readSeconds = seconds(t0);

  const t1 = performance.now();
  await counting.finish();
  const countSeconds = seconds(t1);

  const t2 = performance.now();
  const encoder = new TokenTextEncoder(counter.toVocabulary());
  const vocabularySeconds = seconds(t2);

  const t3 = performance.now();
  const encoded = encoder.encodeCounted(counter);
  const encodeSeconds = seconds(t3);
  const totalSeconds = seconds(t0);
  const totalCpuSeconds = cpuSeconds(c0);

  // Not part of the pipeline: encoding again by tokenizing every review, for comparison and as a check.
  const t4 = performance.now();
  const retokenized = workers === 0 ? texts.map((text) => encoder.encode(text)) : await encodeTexts(encoder, texts);
  const retokenizeSeconds = seconds(t4);
  if (retokenized.length !== encoded.length) throw new Error(`encodeCounted gave ${encoded.length} reviews, re-tokenizing ${retokenized.length}`);
  for (let j = 0; j < encoded.length; j++) {
    const a = encoded[j] as Int32Array;
    const b = retokenized[j] as Int32Array;
    if (a.length !== b.length) throw new Error(`review ${j}: encodeCounted gave ${a.length} ids, re-tokenizing ${b.length}`);
    for (let i = 0; i < a.length; i++) {
      if (a[i] !== b[i]) throw new Error(`review ${j}, token ${i}: encodeCounted gave ${a[i]}, re-tokenizing ${b[i]}`);
    }
  }

  let encodedIds = 0;
  for (const ids of encoded) encodedIds += ids.length;
  if (encodedIds !== counter.totalCount) throw new Error(`encoded ${encodedIds} ids, counted ${counter.totalCount} tokens`);
  let bytes = 0;
  for (const text of texts) bytes += Buffer.byteLength(text, "utf8");
  return {
    texts,
    reviews: texts.length,
    textMB: bytes / 1e6,
    readSeconds,
    countSeconds,
    vocabularySeconds,
    encodeSeconds,
    retokenizeSeconds,
    totalSeconds,
    totalCpuSeconds,
    distinctTokens: counter.distinctCount,
    tokens: counter.totalCount,
    encodedIds,
  };
}

type TsRun = Awaited<ReturnType<typeof runTs>>;

async function best(workers: 0 | undefined): Promise<TsRun> {
  let fastest: TsRun | null = null;
  for (let r = 0; r < runs; r++) {
    const run = await runTs(workers);
    if (fastest === null || run.totalSeconds < fastest.totalSeconds) fastest = run;
  }
  return fastest as TsRun;
}

function runPython(): Record<string, number> | null {
  const run = spawnSync("python3", [resolve(here, "tokenize_reference.py"), archive], { encoding: "utf8" });
  if (run.status !== 0) {
    console.error(`bench: the Python reference failed (${run.error?.message ?? `exit ${run.status}`}):\n${run.stderr}`);
    return null;
  }
  return JSON.parse(run.stdout.trim().split("\n").pop() as string) as Record<string, number>;
}

const ts = await best(undefined);
const one = await best(0);
if (one.distinctTokens !== ts.distinctTokens || one.tokens !== ts.tokens) {
  throw new Error(`one thread counted ${one.distinctTokens} / ${one.tokens}, workers ${ts.distinctTokens} / ${ts.tokens}`);
}
// Tokenization alone (strings out), best of three passes.
let tokenizeSeconds = Number.POSITIVE_INFINITY;
for (let pass = 0; pass < 3; pass++) {
  const t = performance.now();
  let n = 0;
  for (const text of ts.texts) n += tokenize(text).length;
  tokenizeSeconds = Math.min(tokenizeSeconds, seconds(t));
  if (n !== ts.tokens) throw new Error(`tokenize found ${n} tokens, the counter ${ts.tokens}`);
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
console.log(row("read + decode", ts.readSeconds, py?.["readSeconds"]) + "   (counting in a worker meanwhile)");
console.log(row("tokenize + count", ts.countSeconds, py?.["tokenizeCountSeconds"]) + "   (what reading did not hide)");
console.log(row("build encoder", ts.vocabularySeconds, py?.["vocabularySeconds"]));
console.log(row("encode", ts.encodeSeconds, py?.["encodeSeconds"]) + "   (remap of the ids the count pass kept)");
console.log(
  row("encodeTexts", ts.retokenizeSeconds, undefined) +
    "   (re-tokenizing every review, this thread + workers; not in end to end, same ids checked)",
);
console.log(row("end to end", ts.totalSeconds, py?.["totalSeconds"]));
console.log(
  `${"end to end, CPU".padEnd(18)} ${ts.totalCpuSeconds.toFixed(3).padStart(8)} s` +
    (py === null ? "" : `${" ".repeat(15)} | python ${(py["cpuSeconds"] as number).toFixed(3).padStart(8)} s`),
);
console.log(
  `${"one thread".padEnd(18)} ${one.totalSeconds.toFixed(3).padStart(8)} s ${mbps(one.totalSeconds).toFixed(1).padStart(9)} MB/s` +
    `   (read ${one.readSeconds.toFixed(3)} incl. counting, finish ${one.countSeconds.toFixed(3)}, build ${one.vocabularySeconds.toFixed(3)}, encode ${one.encodeSeconds.toFixed(3)} by remap; CPU ${one.totalCpuSeconds.toFixed(3)} s;` +
    ` encode per review, re-tokenizing: ${one.retokenizeSeconds.toFixed(3)} s, not included)`,
);
console.log(row("tokenize alone", tokenizeSeconds, undefined));
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
  oneThreadSeconds: round(one.totalSeconds),
  oneThreadCpuSeconds: round(one.totalCpuSeconds),
  oneThreadSpeedup: pythonSeconds === null ? null : round(pythonSeconds / one.totalSeconds),
  tokenizeMBps: round(mbps(tokenizeSeconds)),
  countMBps: round(mbps(ts.countSeconds)),
  encodeMBps: round(mbps(ts.encodeSeconds)),
  encodeTextsSeconds: round(ts.retokenizeSeconds),
  encodeTextsMBps: round(mbps(ts.retokenizeSeconds)),
  onePass: true,
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
