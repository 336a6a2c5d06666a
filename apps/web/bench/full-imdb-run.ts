// The full IMDb run of `pnpm main`, in the page: builds the app (unless --no-build), serves the production build
// with `vite preview` on 127.0.0.1 (cross-origin isolated unless --not-isolated), opens it in headless Chromium,
// picks ../shared/data/aclImdb-labeled.tar.gz through the file input, trains with the page's defaults (the CLI's:
// all 49,996 reviews, batch 32, bucketed, masked, 10 epochs with early stopping) and prints the test metrics, the
// steps, ms per step and the wall time from the click, with the CPU model and the threads the page used.
// A script, not a test: `pnpm --filter web bench:full-imdb` (about 5 minutes on 2 cores).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { chromium, type Page } from "playwright-core";
import { cpuInfo, formatCpuInfo } from "../../../packages/models/bench/cpu-info";

const appDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const repoRoot = resolve(appDir, "../..");
const ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"];

interface PageState {
  init: { report: { backend: string; wasm?: { binary: string; threadsCount: number }; recurrent?: { threads: number; fallback?: string } } } | null;
  progress: Record<string, { step: number; msPerStep: number; totalSteps: number | null }>;
  models: Record<string, { steps: number; history: { loss: number; valLoss?: number }[]; test: Record<string, unknown> | null }>;
  status: Record<string, { phase: string; text: string }>;
  errors: string[];
}
const state = (page: Page): Promise<PageState> => page.evaluate("window.__web") as Promise<PageState>;

async function preview(isolated: boolean, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(appDir, "node_modules/vite/bin/vite.js"), "preview", "--logLevel", "warn"], {
    cwd: appDir,
    env: { ...process.env, WEB_ISOLATION: isolated ? "on" : "off", WEB_PORT: String(port) },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const started = Date.now();
  while (Date.now() - started < 30_000) {
    if (child.exitCode !== null) throw new Error(`vite preview exited with ${child.exitCode}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/`)).ok) return child;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill();
  throw new Error("vite preview did not answer within 30 s");
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const { values } = parseArgs({
    args: argv[0] === "--" ? argv.slice(1) : argv,
    options: {
      "not-isolated": { type: "boolean", default: false },
      "no-build": { type: "boolean", default: false },
      chromium: { type: "string" },
      data: { type: "string", default: join(repoRoot, "..", "shared", "data", "aclImdb-labeled.tar.gz") },
      port: { type: "string", default: "4199" },
      "timeout-minutes": { type: "string", default: "40" },
    },
  });
  const executablePath = values.chromium ?? process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (!existsSync(executablePath)) throw new Error(`expected Chromium at ${executablePath} (apt-get install chromium, or --chromium <path>)`);
  if (!existsSync(values.data)) throw new Error(`expected the IMDb archive at ${values.data} (--data <file>)`);
  const port = Number(values.port);
  const timeoutMs = Number(values["timeout-minutes"]) * 60_000;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`expected --port to be a port number, got ${values.port}`);
  if (!(timeoutMs > 0)) throw new RangeError(`expected --timeout-minutes > 0, got ${values["timeout-minutes"]}`);
  if (!values["no-build"]) {
    const build = spawnSync(process.execPath, [join(appDir, "node_modules/vite/bin/vite.js"), "build", "--logLevel", "warn"], { cwd: appDir, stdio: "inherit" });
    if (build.status !== 0) throw new Error(`vite build failed (exit ${build.status})`);
  }
  const isolated = !values["not-isolated"];
  const cpu = cpuInfo();
  console.log(formatCpuInfo(cpu));
  console.log(`load average before: ${loadavg().map((l) => l.toFixed(2)).join(" ")} on ${cpu.logicalCores} logical cores`);
  const server = await preview(isolated, port);
  const browser = await chromium.launch({ executablePath, args: ARGS });
  try {
    const page = await (await browser.newContext({ acceptDownloads: false })).newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction("window.__web && window.__web.init !== null", undefined, { timeout: 60_000 });
    const init = (await state(page)).init!;
    console.log(
      `Chromium ${browser.version()}, ${isolated ? "cross-origin isolated" : "not isolated"}; backend ${init.report.backend}` +
        ` (${init.report.wasm?.binary ?? "-"}, XNNPACK threads ${init.report.wasm?.threadsCount ?? "-"}); recurrent threads ${init.report.recurrent?.threads ?? "-"}` +
        (init.report.recurrent?.fallback === undefined ? "" : ` (${init.report.recurrent.fallback})`),
    );
    await page.setInputFiles("#s-file", values.data);
    await page.waitForSelector("#s-train:not([disabled])", { timeout: 300_000 });
    const clicked = Date.now();
    await page.click("#s-train");
    let lastPrint = 0;
    for (;;) {
      const s = await state(page);
      if (s.errors.length > 0) throw new Error(`the page reported: ${s.errors.join("; ")}`);
      const model = s.models.sentiment;
      if (model?.test) {
        const seconds = (Date.now() - clicked) / 1000;
        const p = s.progress.sentiment;
        const t = model.test;
        console.log(`\ntrained ${model.steps} steps (${model.history.length} epochs), ${p?.msPerStep.toFixed(0) ?? "?"} ms/step, ${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s from the click to the test metrics`);
        const figures = Object.entries(t).filter((e): e is [string, number] => typeof e[1] === "number");
        console.log(`test: ${figures.map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(4)}`).join(", ")}`);
        console.log(`RESULT ${JSON.stringify({ isolated, steps: model.steps, epochs: model.history.length, msPerStep: p?.msPerStep ?? null, seconds, test: t, recurrentThreads: init.report.recurrent?.threads ?? null })}`);
        break;
      }
      if (Date.now() - clicked > timeoutMs) throw new Error(`no test metrics within ${values["timeout-minutes"]} minutes (status: ${s.status.sentiment?.text ?? "none"})`);
      if (Date.now() - lastPrint > 30_000) {
        lastPrint = Date.now();
        const p = s.progress.sentiment;
        console.log(`  ${Math.round((Date.now() - clicked) / 1000)} s: ${s.status.sentiment?.text ?? ""}${p === undefined ? "" : ` (step ${p.step}, ${p.msPerStep.toFixed(0)} ms/step)`}`);
      }
      await page.waitForTimeout(1000);
    }
  } finally {
    await browser.close();
    server.kill();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
