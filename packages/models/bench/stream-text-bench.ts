/**
 * `pnpm --filter @recurrent/models bench:generate`: how fast `streamText` streams characters out of the chapter's
 * char model (Embedding 80×256, LSTM 512, Dense 80; random weights, which cost the same as trained ones) on the
 * backend `initBackend()` picks (wasm in Node without tfjs-node), for each step implementation. Prints ms per
 * character (median and mean of the gaps between characters), the time to the first character (priming the state
 * with the start text included) and the total. A benchmark, not a test: it never fails on a time.
 *
 * Options: --length <n> (characters, default 500), --start <text> (default "The island"), --kernels fused|ops
 * (repeatable; default both), --refeed (also time the chapter's re-feed method, 40 characters per step),
 * --warmup <n> (characters streamed first and not counted, default 20).
 */
import * as tf from "@tensorflow/tfjs";
import { parseArgs } from "node:util";
import { initBackend } from "@recurrent/backends";
import { CharEncoder } from "@recurrent/text-prep";
import { buildCharLanguageModel } from "../src/builders/build-char-language-model";
import { streamText } from "../src/generation/stream-text";
import type { GenerationOptions } from "../src/generation/stream-tokens";

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== "--"),
  options: {
    length: { type: "string", default: "500" },
    start: { type: "string", default: "The island" },
    kernels: { type: "string", multiple: true },
    refeed: { type: "boolean", default: false },
    warmup: { type: "string", default: "20" },
  },
});
const length = Number(values.length);
const warmup = Number(values.warmup);
if (!Number.isInteger(length) || length < 1) throw new RangeError(`expected --length >= 1, got ${values.length}`);
if (!Number.isInteger(warmup) || warmup < 0) throw new RangeError(`expected --warmup >= 0, got ${values.warmup}`);
const kernelsList = (values.kernels ?? ["fused", "ops"]) as ("fused" | "ops")[];
for (const k of kernelsList) if (k !== "fused" && k !== "ops") throw new RangeError(`expected --kernels fused|ops, got ${k}`);

const report = await initBackend({ relaxedSimd: "on", log: false });
// 80 distinct characters, as in The Mysterious Island: those of the start, then printable ASCII
const alphabet = new Set(values.start);
for (let code = 32; alphabet.size < 80 && code < 127; code++) alphabet.add(String.fromCharCode(code));
const encoder = CharEncoder.fromText([...alphabet].join(""));
const model = buildCharLanguageModel({ vocabSize: encoder.size, seed: 1 });
console.log(
  `backend ${report.backend} (tfjs ${tf.version.tfjs}, Node ${process.versions.node}); model Embedding ${encoder.size}×256, LSTM 512, Dense ${encoder.size}; ` +
    `${length} characters after ${JSON.stringify(values.start)}, ${warmup} warm-up characters first`,
);

interface Row {
  name: string;
  firstMs: number;
  medianMs: number;
  meanMs: number;
  totalMs: number;
}

async function time(name: string, options: GenerationOptions): Promise<Row> {
  if (warmup > 0) for await (const _ of streamText(model, encoder, { ...options, start: values.start!, length: warmup })) void _;
  const gaps: number[] = [];
  const started = performance.now();
  let last = started;
  let first = 0;
  let count = 0;
  for await (const _ of streamText(model, encoder, { ...options, start: values.start!, length })) {
    const now = performance.now();
    if (count === 0) first = now - started;
    else gaps.push(now - last);
    last = now;
    count++;
  }
  const totalMs = last - started;
  const sorted = [...gaps].sort((a, b) => a - b);
  const medianMs = sorted.length === 0 ? first : (sorted[Math.floor(sorted.length / 2)] as number);
  return { name, firstMs: first, medianMs, meanMs: totalMs / count, totalMs };
}

const rows: Row[] = [];
for (const kernels of kernelsList) rows.push(await time(`stateful, ${kernels}`, { kernels, seed: 1 }));
if (values.refeed) rows.push(await time("refeed (40 characters per step)", { method: "refeed", seed: 1 }));

console.log("| method | first character (ms) | median ms/char | mean ms/char | total (ms) |");
console.log("|---|---|---|---|---|");
for (const r of rows) {
  console.log(`| ${r.name} | ${r.firstMs.toFixed(1)} | ${r.medianMs.toFixed(3)} | ${r.meanMs.toFixed(3)} | ${r.totalMs.toFixed(0)} |`);
}
console.log(`RESULT ${JSON.stringify({ backend: report.backend, length, rows })}`);
model.dispose();
process.exit(0); // the recurrent kernels' worker threads would keep the process alive
