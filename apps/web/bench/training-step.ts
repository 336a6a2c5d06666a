/**
 * `pnpm --filter web bench`: ms per training step of the chapter's sentiment model (T = 250, batch 32) and char
 * model (T = 40, batch 64) in headless Chromium, in a page that is cross-origin isolated and in one that is not,
 * next to Node on the same machine in the same run. Every row trains with the same code (bench/training-steps.ts:
 * the app's builders, `trainModel`, fusedAdam, fixed batches of random ids): in Node in a child process of its own,
 * on @recurrent/backends' wasm engine as `pnpm main` runs it; in Chromium in a Web Worker of a page built by Vite
 * (bench/vite.config.ts, minified as the app's production build) and served on 127.0.0.1, one page load per row.
 * Prints the CPU, the load, the threads each row used and a table, then `RESULT {json}`. A script, not a test.
 *
 * Options: --model sentiment|char (repeatable; default both), --steps <n> measured steps (default 5), --warmup <n>
 * steps before them (default 2), --variants (also the isolated page with tfjs's threaded wasm binary forced on,
 * and forced off: the app decides by the core count, src/worker/wasm-threads.ts), --no-build (use bench/dist as it is), --chromium <path> (default /usr/bin/chromium or
 * $CHROMIUM_PATH).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { loadavg } from "node:os";
import { dirname, extname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { cpuInfo, formatCpuInfo } from "../../../packages/models/bench/cpu-info";
import type { BenchReply } from "./page/protocol";
import type { BenchModel, StepTimes } from "./training-steps";
import { BENCH_MODELS } from "./training-steps";

const here = dirname(fileURLToPath(import.meta.url));
const appDir = resolve(here, "..");
const distDir = join(here, "dist");
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];
/** The longest one row may take (a step of the char model on one thread takes seconds on a slow machine). */
const ROW_TIMEOUT_MS = 15 * 60_000;

/** Where a row runs. */
interface Variant {
  key: string;
  label: string;
  /** null: Node. */
  page: null | { isolated: boolean; query: string };
}

const NODE: Variant = { key: "node", label: "Node (wasm)", page: null };
const ISOLATED: Variant = { key: "isolated", label: "Chromium, isolated", page: { isolated: true, query: "" } };
const PLAIN: Variant = { key: "plain", label: "Chromium, not isolated", page: { isolated: false, query: "" } };
const EXTRA: Variant[] = [
  { key: "isolated-threaded-tfjs", label: "Chromium, isolated, tfjs threaded binary", page: { isolated: true, query: "&wasm-threads=on" } },
  { key: "isolated-simd-tfjs", label: "Chromium, isolated, tfjs SIMD binary", page: { isolated: true, query: "&wasm-threads=off" } },
];

interface Row {
  model: BenchModel;
  variant: Variant;
  times: StepTimes | null;
  /** Threads of the whole-sequence recurrent kernels, and of tfjs's wasm backend (XNNPACK). */
  recurrentThreads: number | null;
  tfjsThreads: number | null;
  relaxedSimd: boolean | null;
  note: string;
}

// ---------------------------------------------------------------------------------------------- Node rows

/** In the child process: one Node row, printed as one JSON line. */
async function nodeRow(model: BenchModel, steps: number, warmup: number): Promise<void> {
  const { initBackend } = await import("@recurrent/backends");
  const tf = await import("@tensorflow/tfjs");
  const { measureTrainingSteps } = await import("./training-steps");
  // as `pnpm main` trains: wasm, every kernel, the recurrent kernels' worker threads; relaxed SIMD (fused
  // multiply-add) as Chromium has it (Node 20 needs V8's flag, which "on" sets)
  const report = await initBackend({ order: ["wasm"], relaxedSimd: "on", log: false });
  tf.enableProdMode();
  const times = await measureTrainingSteps(model, { steps, warmup });
  process.stdout.write(`${JSON.stringify({ times, recurrent: report.recurrent ?? null, tfjsThreads: report.wasm?.threadsCount ?? null })}\n`);
}

function runNode(model: BenchModel, steps: number, warmup: number): Row {
  const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), "--node-row", model, "--steps", String(steps), "--warmup", String(warmup)], {
    encoding: "utf8",
    cwd: appDir,
    maxBuffer: 1 << 24,
    timeout: ROW_TIMEOUT_MS,
  });
  const line = r.stdout.trim().split("\n").filter((l) => l.startsWith("{")).pop();
  if (r.status !== 0 || line === undefined) {
    return { model, variant: NODE, times: null, recurrentThreads: null, tfjsThreads: null, relaxedSimd: null, note: `failed: ${(r.error?.message ?? r.stderr).trim().split("\n").slice(-3).join(" | ")}` };
  }
  const parsed = JSON.parse(line) as { times: StepTimes; recurrent: { threads: number; relaxedSimd: boolean } | null; tfjsThreads: number | null };
  return { model, variant: NODE, times: parsed.times, recurrentThreads: parsed.recurrent?.threads ?? null, tfjsThreads: parsed.tfjsThreads, relaxedSimd: parsed.recurrent?.relaxedSimd ?? null, note: `Node ${process.version}` };
}

// ---------------------------------------------------------------------------------------------- page rows

const TYPES: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm", ".css": "text/css", ".json": "application/json" };

/** Serves bench/dist on 127.0.0.1 (a free port), with COOP/COEP or without. */
async function serve(isolated: boolean): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname)).replace(/^\/+/, "");
    const file = join(distDir, path === "" ? "index.html" : path);
    if (!file.startsWith(distDir) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    const headers: Record<string, string> = { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-store" };
    if (isolated) Object.assign(headers, { "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" });
    res.writeHead(200, headers).end(readFileSync(file));
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const address = server.address();
  if (typeof address !== "object" || address === null) throw new Error("expected the bench server to listen on a port");
  return { url: `http://127.0.0.1:${address.port}/`, server };
}

async function runPages(rows: { model: BenchModel; variant: Variant }[], steps: number, warmup: number, executablePath: string): Promise<{ rows: Row[]; version: string }> {
  const servers = { isolated: await serve(true), plain: await serve(false) };
  const browser = await chromium.launch({ executablePath, args: ARGS, headless: true });
  const out: Row[] = [];
  try {
    for (const { model, variant } of rows) {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      page.on("console", (m) => {
        if (m.type() === "error" || m.type() === "warning") errors.push(m.text());
      });
      const base = variant.page!.isolated ? servers.isolated.url : servers.plain.url;
      await page.goto(`${base}?model=${model}&steps=${steps}&warmup=${warmup}${variant.page!.query}`);
      const started = Date.now();
      let reply: BenchReply | null = null;
      while (reply === null && Date.now() - started < ROW_TIMEOUT_MS) {
        await page.waitForTimeout(250);
        reply = (await page.evaluate("window.__bench")) as BenchReply | null;
      }
      await page.close();
      if (reply === null || !reply.ok) {
        const why = reply === null ? `no result within ${ROW_TIMEOUT_MS / 60_000} min` : reply.error.split("\n")[0];
        out.push({ model, variant, times: null, recurrentThreads: null, tfjsThreads: null, relaxedSimd: null, note: `failed: ${why}${errors.length > 0 ? ` (${errors.slice(0, 2).join(" | ")})` : ""}` });
        continue;
      }
      if (reply.crossOriginIsolated !== variant.page!.isolated) throw new Error(`expected crossOriginIsolated ${variant.page!.isolated} in the bench page, got ${reply.crossOriginIsolated}`);
      const r = reply.report;
      const fallback = r.recurrent?.fallback;
      out.push({
        model,
        variant,
        times: reply.times,
        recurrentThreads: r.recurrent?.threads ?? null,
        tfjsThreads: r.wasm?.threadsCount ?? null,
        relaxedSimd: r.recurrent?.relaxedSimd ?? null,
        note: `${r.wasm?.binary ?? r.backend}${fallback === undefined ? "" : `; recurrent fallback: ${fallback.split(",")[0]}`}`,
      });
    }
    return { rows: out, version: browser.version() };
  } finally {
    await browser.close();
    for (const s of Object.values(servers)) s.server.close();
  }
}

// ---------------------------------------------------------------------------------------------- main

const fixed = (n: number | null | undefined, digits = 0) => (n === null || n === undefined ? "—" : n.toFixed(digits));

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const { values } = parseArgs({
    // `pnpm --filter web bench -- --steps 3` passes the "--" on
    args: argv[0] === "--" ? argv.slice(1) : argv,
    options: {
      "node-row": { type: "string" },
      model: { type: "string", multiple: true },
      steps: { type: "string", default: "5" },
      warmup: { type: "string", default: "2" },
      variants: { type: "boolean", default: false },
      "no-build": { type: "boolean", default: false },
      chromium: { type: "string" },
    },
  });
  const steps = Number(values.steps);
  const warmup = Number(values.warmup);
  if (!Number.isInteger(steps) || steps < 1 || !Number.isInteger(warmup) || warmup < 1) {
    throw new RangeError(`expected --steps and --warmup to be integers >= 1, got ${values.steps} and ${values.warmup}`);
  }
  const models = (values.model ?? ["sentiment", "char"]).map((m) => {
    if (m !== "sentiment" && m !== "char") throw new RangeError(`expected --model sentiment|char, got ${JSON.stringify(m)}`);
    return m as BenchModel;
  });
  const child = values["node-row"];
  if (child !== undefined) {
    if (child !== "sentiment" && child !== "char") throw new RangeError(`expected --node-row sentiment|char, got ${JSON.stringify(child)}`);
    await nodeRow(child, steps, warmup);
    return;
  }
  const executablePath = values.chromium ?? process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (!existsSync(executablePath)) throw new Error(`expected Chromium at ${executablePath} (apt-get install chromium, or --chromium <path>)`);
  if (!values["no-build"]) {
    // (bench/vite.config.ts imports the app's plugins from ../vite.config, without an extension, which Vite's future
    // "native" config loader will not resolve: a warning about a default that is not here yet)
    const build = spawnSync(process.execPath, [join(appDir, "node_modules/vite/bin/vite.js"), "build", "--config", join(here, "vite.config.ts")], {
      cwd: appDir,
      stdio: "inherit",
      env: { ...process.env, VITE_CONFIG_NATIVE_IGNORE_WARNING: "true" },
    });
    if (build.status !== 0) throw new Error(`vite build of the bench page failed (exit ${build.status})`);
  }
  const cpu = cpuInfo();
  const loadBefore = loadavg();
  console.log(formatCpuInfo(cpu));
  console.log(`load average before: ${loadBefore.map((l) => l.toFixed(2)).join(" ")} (1, 5, 15 min) on ${cpu.logicalCores} logical cores`);
  console.log(`${steps} measured steps after ${warmup} warm-up steps per row, median reported\n`);

  const rows: Row[] = [];
  for (const model of models) {
    process.stdout.write(`  node, ${model}…`);
    rows.push(runNode(model, steps, warmup));
    process.stdout.write(` ${fixed(rows.at(-1)!.times?.msPerStep)} ms/step\n`);
  }
  const variants = [ISOLATED, PLAIN, ...(values.variants ? EXTRA : [])];
  const pageRows = variants.flatMap((variant) => models.map((model) => ({ model, variant })));
  console.log(`  ${pageRows.length} Chromium rows (one page load each)…`);
  const pages = await runPages(pageRows, steps, warmup, executablePath);
  rows.push(...pages.rows);
  const loadAfter = loadavg();

  console.log(`\nChromium ${pages.version} (headless, --no-sandbox --disable-gpu); load average after: ${loadAfter.map((l) => l.toFixed(2)).join(" ")}\n`);
  const header = ["model", "where", "ms/step", "× Node", "recurrent threads", "tfjs threads", "FMA", "note"];
  const table = rows.map((r) => {
    const node = rows.find((n) => n.model === r.model && n.variant === NODE)?.times?.msPerStep;
    const ms = r.times?.msPerStep;
    return [
      `${r.model} (T = ${BENCH_MODELS[r.model].time}, batch ${BENCH_MODELS[r.model].batch})`,
      r.variant.label,
      fixed(ms),
      ms === undefined || node === undefined ? "—" : (ms / node).toFixed(2),
      fixed(r.recurrentThreads),
      fixed(r.tfjsThreads),
      r.relaxedSimd === null ? "—" : r.relaxedSimd ? "yes" : "no",
      r.note,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const row of table) console.log(line(row));
  console.log("");
  for (const model of models) {
    const node = rows.find((r) => r.model === model && r.variant === NODE)?.times?.msPerStep;
    const isolated = rows.find((r) => r.model === model && r.variant === ISOLATED)?.times?.msPerStep;
    if (node === undefined || isolated === undefined) continue;
    const ratio = isolated / node;
    console.log(`target (issue #12), ${model}: isolated page ≤ 1.5 × Node per step: ${ratio.toFixed(2)} × → ${ratio <= 1.5 ? "met" : "not met"}`);
  }
  console.log(`\nRESULT ${JSON.stringify({ cpu, loadBefore, loadAfter, chromium: pages.version, node: process.version, steps, warmup, rows: rows.map((r) => ({ ...r, variant: r.variant.key })) })}`);
}

await main();
