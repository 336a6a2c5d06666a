// The app in Debian's Chromium, driven by playwright-core, against the production build served by `vite preview`
// on 127.0.0.1: once cross-origin isolated (COOP/COEP), once not. The real data comes from ../shared/data.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { unzipSync } from "fflate";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { threadedWasmDecision } from "../src/worker/wasm-threads";

const run = promisify(execFile);
const appDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const repoRoot = resolve(appDir, "../..");
const shots = join(appDir, "test-results");
mkdirSync(shots, { recursive: true });

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"];

const servers = inject("servers");
const dataDir = inject("dataDir");
const cli = inject("cli");
const archive = dataDir === null ? "" : join(dataDir, "aclImdb-labeled.tar.gz");
const novel = dataDir === null ? "" : join(dataDir, "mysterious-island.txt");

/** The page's test hooks (src/main.ts `__web`), as far as the tests read them. */
interface Web {
  init: {
    report: { backend: string; wasm?: { simd: boolean; threadsCount: number; binary: string }; recurrent?: { threads: number; fallback?: string }; notes: string[] };
    reportText: string;
    adjustments: string[];
    crossOriginIsolated: boolean;
    hardwareConcurrency: number;
  } | null;
  pageCrossOriginIsolated: boolean;
  longTasks: { startTime: number; duration: number; duringTraining: boolean }[];
  longFrames: { startTime: number; duration: number; blockingDuration: number; scripts: string[] }[];
  data: Record<string, { vocabularyDigest?: string; vocabSize?: number; batchesPerEpoch: number }>;
  progress: Record<string, { step: number; checkpointStep: number | null; resumedFrom: number | null; msPerStep: number; totalSteps: number | null }>;
  losses: Record<string, [number, number][]>;
  models: Record<string, { digest: string; origin: string; history: { loss: number; valLoss?: number }[]; steps: number; test: { accuracy: number } | null; heldOut: { loss: number } | null }>;
  status: Record<string, { phase: string; text: string }>;
  score: { text: string; probability: number } | null;
  generation: { requested: number; received: number; shown: number; updates: number; done: boolean; text: string };
  errors: string[];
  handlerMs: Record<string, number>;
}
const web = <T>(page: Page, f: (w: Web) => T): Promise<T> => page.evaluate(`(${f.toString()})(window.__web)`) as Promise<T>;

/** Waits until `f(__web)` is truthy; fails early with the page's error when one appears. */
async function until<T>(page: Page, f: (w: Web) => T, timeout: number, what: string): Promise<Exclude<T, null | undefined | false | 0 | "">> {
  const started = Date.now();
  while (Date.now() - started < timeout) {
    const value = await web(page, f);
    if (value) return value as Exclude<T, null | undefined | false | 0 | "">;
    const errors = await web(page, (w) => w.errors);
    if (errors.length > 0) throw new Error(`waiting for ${what}: the page reported ${errors.join("; ")}`);
    await page.waitForTimeout(100);
  }
  throw new Error(`waiting for ${what}: not within ${timeout / 1000} s`);
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** The sentiment run of the tests: the CLI bundle's data (seed 1, 1,000 reviews), 3 epochs of 13 steps. */
async function setSentimentOptions(page: Page, checkpointEvery: number): Promise<void> {
  await page.fill("#s-limit", "1000");
  await page.fill("#s-epochs", "3");
  await page.fill("#s-seed", "1");
  await page.fill("#s-checkpoint-every", String(checkpointEvery));
}

/** The weights (SHA-256) of the uninterrupted sentiment run, per mode: the same in both (see the training test). */
const sentimentDigests: Record<string, string> = {};

/** Why the recurrent kernels run on one thread in a page that is not cross-origin isolated (@recurrent/backends). */
const NOT_ISOLATED =
  "the page is not cross-origin isolated, so the kernels' shared memory cannot be posted to a Web Worker " +
  "(serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)";

const modes = [
  { name: "cross-origin isolated (COOP/COEP)", key: "isolated", url: servers.isolated, isolated: true },
  { name: "not isolated", key: "plain", url: servers.plain, isolated: false },
] as const;

describe.skipIf(dataDir === null).each(modes)("the app, $name", (mode) => {
  let context: BrowserContext;
  let page: Page;
  /** Main-thread long tasks seen while training, over the page loads of this mode (collected before each reload and at the end). */
  const trainingLongTasks: { duration: number; startTime: number; load: string }[] = [];
  let uninterruptedDigest = "";
  const timings: string[] = [];

  // While training runs, only the viewport is shot: a full-page screenshot resizes the page, and the relayout it
  // forces on the main thread would itself be a long task counted against the page.
  const shot = async (name: string, whileTraining = false) => page.screenshot({ path: join(shots, `${mode.key}-${name}.png`), fullPage: !whileTraining });
  const collectLongTasks = async (load: string) => {
    for (const t of await web(page, (w) => w.longTasks.filter((x) => x.duringTraining))) trainingLongTasks.push({ duration: t.duration, startTime: t.startTime, load });
    const handlers = await web(page, (w) => w.handlerMs);
    timings.push(`longest handling of a worker message (${load}): ${Object.entries(handlers).map(([k, v]) => `${k} ${v.toFixed(1)} ms`).join(", ")}`);
    // what Chrome attributes the long frames to (for the log: a long task is easier to fix with its script)
    for (const f of await web(page, (w) => w.longFrames.filter((x) => x.blockingDuration > 0 || x.duration > 100))) {
      timings.push(`long frame at ${Math.round(f.startTime)} ms (${load}): ${Math.round(f.duration)} ms, blocking ${Math.round(f.blockingDuration)} ms, scripts: ${f.scripts.join(", ") || "none"}`);
    }
  };

  beforeAll(async () => {
    context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "web-chromium-")), {
      executablePath: CHROMIUM,
      args: ARGS,
      headless: true,
      viewport: { width: 1280, height: 1300 },
      acceptDownloads: true,
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on("pageerror", (e) => console.error(`[${mode.key}] page error: ${e.message}`));
  });
  afterAll(async () => {
    await context?.close();
    if (timings.length > 0) console.info(`[${mode.key}] ${timings.join("; ")}`);
  });

  it("serves the page with the expected headers and starts the wasm engine in the worker", async () => {
    const response = await page.goto(mode.url);
    const headers = response?.headers() ?? {};
    if (mode.isolated) {
      expect(headers["cross-origin-opener-policy"]).toBe("same-origin");
      expect(headers["cross-origin-embedder-policy"]).toBe("require-corp");
    } else {
      expect(headers["cross-origin-opener-policy"]).toBeUndefined();
      expect(headers["cross-origin-embedder-policy"]).toBeUndefined();
    }
    const init = await until(page, (w) => w.init, 60_000, "the engine");
    expect(await web(page, (w) => w.pageCrossOriginIsolated)).toBe(mode.isolated);
    expect(init.crossOriginIsolated).toBe(mode.isolated);
    expect(init.report.backend).toBe("wasm");
    expect(init.report.wasm?.simd).toBe(true);
    expect(await page.textContent("#env-isolated")).toBe(mode.isolated ? "yes" : "no");
    // the whole-sequence recurrent kernels: in the isolated page on every core (the app's worker and Web Workers over
    // its shared memory, as worker threads in Node; at most 8), otherwise on the worker's thread, and the page says why
    const cores = init.hardwareConcurrency;
    const threads = init.report.recurrent?.threads;
    expect(threads).toBe(mode.isolated ? Math.min(8, cores) : 1);
    expect(await page.textContent("#env-threads")).toBe(`${threads} of ${cores} cores`);
    if (mode.isolated) {
      expect(init.report.recurrent?.fallback).toBeUndefined();
      expect(await page.isHidden("#env-note")).toBe(true);
    } else {
      expect(init.report.recurrent?.fallback).toBe(NOT_ISOLATED);
      expect(init.report.notes).toContain(`the recurrent kernels' worker threads are not used: ${NOT_ISOLATED}; the kernels run on the calling thread`);
      expect(await page.textContent("#env-note")).toBe(`The recurrent kernels run on one thread: ${NOT_ISOLATED}.`);
    }
    // tfjs's threaded wasm binary: where the page is isolated and tfjs would give it more than one thread (it takes
    // half the cores); otherwise the single-threaded SIMD one, and the app says why (src/worker/wasm-threads.ts)
    const threaded = threadedWasmDecision("auto", mode.isolated, cores);
    expect(init.report.wasm?.binary).toBe(threaded.use ? "tfjs-backend-wasm-threaded-simd.wasm" : "tfjs-backend-wasm-simd.wasm");
    expect(init.adjustments).toStrictEqual(threaded.why === null ? [] : [threaded.why]);
    // advice for a browser only: no tfjs-node, nothing about Node
    expect(init.reportText).not.toMatch(/install|tfjs-node .*speed|Node only|in Node/i);
    timings.push(`recurrent threads ${threads}, tfjs wasm threads ${init.report.wasm?.threadsCount} (${init.report.wasm?.binary})`);
    await shot("01-start");
    await page.click(".report summary");
    await shot("01b-backend-report");
    await page.click(".report summary");
  });

  it("sentiment: reads the real archive through the file input, splits it as the CLI does, trains, and the loss falls", async () => {
    await page.setInputFiles("#s-file", archive);
    await setSentimentOptions(page, 4);
    const started = Date.now();
    await page.click("#s-train");
    const data = await until(page, (w) => w.data.sentiment, 120_000, "the data");
    // same reviews, split, tokenizer and vocabulary as `imdb-sentiment train --limit 1000 --seed 1`
    if (cli !== null) {
      const cliEncoder = JSON.parse(readFileSync(join(cli.runDir, "bundle/encoder.json"), "utf8")) as unknown;
      expect(data.vocabularyDigest).toBe(sha256(JSON.stringify(cliEncoder)));
    }
    await page.waitForFunction(() => ((window as unknown as { __web: Web }).__web.progress.sentiment?.step ?? 0) >= 10, null, { timeout: 120_000 });
    await shot("02-sentiment-training", true);
    const model = await until(page, (w) => w.models.sentiment, 300_000, "the trained model");
    timings.push(`sentiment: 39 steps, ${Math.round((await web(page, (w) => w.progress.sentiment?.msPerStep)) ?? 0)} ms/step, ${((Date.now() - started) / 1000).toFixed(1)} s from click to test metrics`);
    expect(model.steps).toBe(3 * data.batchesPerEpoch);
    const [first, , third] = model.history;
    expect(third!.loss).toBeLessThan(first!.loss - 0.01); // the training loss falls, epoch over epoch
    expect(model.test?.accuracy).toBeGreaterThan(0);
    expect(await page.textContent("#s-metrics")).toContain("accuracy");
    expect(await page.locator("[data-testid=confusion] .cell").count()).toBe(4);
    uninterruptedDigest = model.digest;
    // the same weights, bit for bit, with the recurrent kernels on all cores (isolated) and on one (not): threads
    // split the units, and each is computed by the same instructions in the same order
    sentimentDigests[mode.key] = model.digest;
    const other = sentimentDigests[mode.key === "isolated" ? "plain" : "isolated"];
    if (other !== undefined) expect(model.digest).toBe(other);
    await shot("03-sentiment-trained");
  });

  it("sentiment: scores a review as it is typed", async () => {
    await page.click("#s-review");
    await page.keyboard.type("Dull, far too long, and the acting is wooden.", { delay: 5 });
    const negative = await until(page, (w) => w.score?.text.endsWith("wooden.") && w.score, 20_000, "the first score");
    await page.fill("#s-review", "");
    await page.keyboard.type(cli?.review ?? "A wonderful film.", { delay: 5 });
    const positive = await until(page, (w) => w.score?.text === document.querySelector<HTMLTextAreaElement>("#s-review")?.value && w.score, 20_000, "the second score");
    expect(negative.probability).toBeGreaterThanOrEqual(0);
    expect(positive.probability).toBeLessThanOrEqual(1);
    expect(positive.probability).not.toBe(negative.probability);
    expect(await page.textContent("#s-score-text")).toContain(positive.probability.toFixed(4));
    await shot("04-sentiment-scored");
  });

  it.skipIf(cli === null)("sentiment: the model downloaded from the page is a bundle the CLI's predict accepts, with the page's probability", async () => {
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#s-download")]);
    expect(download.suggestedFilename()).toBe("imdb-sentiment-bundle.zip");
    const zipPath = join(cli!.tmp, `${mode.key}-page-bundle.zip`);
    await download.saveAs(zipPath);
    // the README's steps: unzip into a folder, then `imdb-sentiment predict --run-dir <folder>`
    const runDir = join(cli!.tmp, `${mode.key}-page-run`);
    for (const [path, bytes] of Object.entries(unzipSync(readFileSync(zipPath)))) {
      mkdirSync(dirname(join(runDir, path)), { recursive: true });
      writeFileSync(join(runDir, path), bytes);
    }
    expect(readdirSync(join(runDir, "bundle")).sort()).toStrictEqual(["bundle.json", "config.json", "encoder.json", "metrics.json", "model.json", "weights.bin"]);
    const { stdout } = await run(process.execPath, [join(repoRoot, "apps/imdb-sentiment/dist/cli.js"), "predict", "--run-dir", runDir, cli!.review]);
    const fromCli = Number(stdout.split("\t")[0]);
    const inPage = (await web(page, (w) => w.score))!;
    expect(inPage.text).toBe(cli!.review);
    // the CLI prints 4 decimals; Node and the page run the same kernels, up to float32 rounding
    expect(Math.abs(fromCli - inPage.probability)).toBeLessThan(2e-4);
  });

  it.skipIf(cli === null)("sentiment: loads a bundle the CLI wrote and gives the CLI's probability", async () => {
    const files = readdirSync(join(cli!.runDir, "bundle")).map((f) => join(cli!.runDir, "bundle", f));
    await page.setInputFiles("#s-bundle-files", files);
    await until(page, (w) => w.models.sentiment?.origin === "bundle", 60_000, "the bundle");
    // the Training panel no longer shows the previous run: it says where the model came from
    expect(await page.textContent("#s-status")).toMatch(/^Loaded a bundle \(bundle written .*\): the model was not trained in this page/);
    expect(await page.textContent("#s-figures")).toBe("");
    expect(await page.locator("#s-loss-chart .chart-note").textContent()).toBe("The model shown was loaded from a bundle, which carries no training curves.");
    await page.fill("#s-review", "");
    await page.keyboard.type(cli!.review, { delay: 2 });
    const score = await until(page, (w) => w.models.sentiment?.origin === "bundle" && w.score?.text === document.querySelector<HTMLTextAreaElement>("#s-review")?.value && w.score, 20_000, "the score");
    expect(Math.abs(score.probability - cli!.probability)).toBeLessThan(2e-4);
    await shot("05-sentiment-cli-bundle");
  });

  it("sentiment: a run reloaded mid-training resumes from IndexedDB and ends with the weights of the uninterrupted run", async () => {
    expect(uninterruptedDigest).not.toBe("");
    await setSentimentOptions(page, 4);
    await page.click("#s-train");
    await page.waitForFunction(() => ((window as unknown as { __web: Web }).__web.progress.sentiment?.checkpointStep ?? 0) >= 12, null, { timeout: 300_000 });
    const before = (await web(page, (w) => w.progress.sentiment))!;
    await collectLongTasks("the page load before the reload");
    await page.reload();
    await until(page, (w) => w.init, 60_000, "the engine after the reload");
    const offer = page.locator("[data-testid=resume-sentiment]");
    await offer.waitFor({ timeout: 10_000 });
    expect(await page.textContent("#resume")).toMatch(/interrupted sentiment run .* at step \d+/);
    await shot("06-resume-offered");
    await offer.click();
    const model = await until(page, (w) => w.models.sentiment, 300_000, "the resumed run's model");
    const after = (await web(page, (w) => w.progress.sentiment))!;
    expect(after.resumedFrom).toBeGreaterThanOrEqual(12);
    expect(after.resumedFrom).toBeLessThanOrEqual(before.step);
    expect(model.steps).toBe(39);
    // the weights of a resumed run are those of the uninterrupted one, byte for byte (same seed)
    expect(model.digest).toBe(uninterruptedDigest);
    timings.push(`reload at step ${before.step} (checkpoint ${before.checkpointStep}), resumed from ${after.resumedFrom}`);
    await shot("07-resumed-done");
  });

  it("char model: trains on the novel, the loss falls, and the generated text appears character by character until stopped", async () => {
    await page.click("[data-testid=tab-char]");
    await page.setInputFiles("#c-file", novel);
    await page.fill("#c-units", "128");
    await page.fill("#c-embedding", "64");
    await page.fill("#c-batch", "32");
    await page.fill("#c-max-steps", "30");
    await page.fill("#c-checkpoint-every", "10");
    const started = Date.now();
    await page.click("#c-train");
    await page.waitForFunction(() => ((window as unknown as { __web: Web }).__web.progress.char?.step ?? 0) >= 15, null, { timeout: 300_000 });
    await shot("08-char-training", true);
    const model = await until(page, (w) => w.models.char, 300_000, "the character model");
    timings.push(`char (128 units, batch 32 × 40): 30 steps, ${Math.round((await web(page, (w) => w.progress.char?.msPerStep)) ?? 0)} ms/step, ${((Date.now() - started) / 1000).toFixed(1)} s to held-out figures`);
    expect(model.steps).toBe(30);
    const losses = ((await web(page, (w) => w.losses.char)) ?? []).map(([, l]) => l);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(losses.slice(-5))).toBeLessThan(mean(losses.slice(0, 5)) - 0.3); // from ln(80) ≈ 4.4 nats down
    expect(model.heldOut?.loss).toBeGreaterThan(0);

    await page.fill("#g-length", "100000");
    await page.click("#g-generate");
    const genStarted = Date.now();
    const at200 = await until(page, (w) => w.generation.shown >= 200 && { ...w.generation }, 120_000, "200 generated characters");
    await page.click("#g-stop");
    await until(page, (w) => w.generation.done, 20_000, "the generation to stop");
    // the page finishes revealing what had arrived, then nothing more comes
    const generation = await until(page, (w) => w.generation.shown === w.generation.received && { ...w.generation }, 20_000, "the generated text to be shown");
    await page.waitForTimeout(300);
    expect(await web(page, (w) => w.generation.shown)).toBe(generation.shown);
    timings.push(`generation: ${generation.received} characters in ${((Date.now() - genStarted) / 1000).toFixed(1)} s before the stop`);
    expect(generation.shown).toBeGreaterThanOrEqual(200);
    expect(generation.shown).toBeLessThan(100_000); // stopped long before the end
    expect(generation.shown).toBe(generation.received); // every character that came is shown
    // the text grew a little at a time, not in one piece (a frame per update: few frames render on a busy machine)
    expect(at200.updates).toBeGreaterThanOrEqual(3);
    timings.push(`the first 200 characters appeared in ${at200.updates} steps`);
    expect(await page.locator("#g-generate").isEnabled()).toBe(true);
    const text = (await page.textContent("#g-output")) ?? "";
    expect(text.startsWith("The island")).toBe(true);
    expect(text.length).toBe("The island".length + generation.text.length);
    // and the start text is in view: the box did not scroll past it while the text came in
    expect(await page.locator("#g-output .start").textContent()).toBe("The island");
    expect(await page.evaluate(() => document.querySelector("#g-output")!.scrollTop)).toBe(0);
    await shot("09-char-generated");
  });

  it("keeps every main-thread task under 100 ms while training runs", async () => {
    await collectLongTasks("the page load after the reload");
    const longest = trainingLongTasks.reduce((m, t) => Math.max(m, t.duration), 0);
    timings.push(`${trainingLongTasks.length} main-thread tasks over 50 ms while training, longest ${Math.round(longest)} ms`);
    expect(await page.evaluate(() => PerformanceObserver.supportedEntryTypes.includes("longtask"))).toBe(true);
    expect(trainingLongTasks.filter((t) => t.duration > 100)).toStrictEqual([]);
  });

  it.runIf(mode.isolated)("tfjs's threaded wasm binary starts in the minified production build (?wasm-threads=on), with its workers", async () => {
    // a browser of its own, after the other tests: its pthread workers share nothing with the app's page above
    const own = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "web-chromium-threaded-")), { executablePath: CHROMIUM, args: ARGS, headless: true });
    const forced = own.pages()[0] ?? (await own.newPage());
    const problems: string[] = [];
    forced.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    // what issue #12 saw: "worker sent an error! … ReferenceError: e is not defined" from each pthread worker
    forced.on("console", (m) => {
      if (m.type() === "error" || /worker sent an error/.test(m.text())) problems.push(`console ${m.type()}: ${m.text()}`);
    });
    try {
      await forced.goto(`${mode.url}?wasm-threads=on`);
      const init = await until(forced, (w) => w.init, 60_000, "the engine with tfjs's threaded binary");
      expect(init.report.backend).toBe("wasm");
      expect(init.report.wasm?.binary).toBe("tfjs-backend-wasm-threaded-simd.wasm");
      expect(init.report.wasm?.threadsCount).toBeGreaterThanOrEqual(1);
      expect(init.adjustments).toStrictEqual([]);
      expect(problems).toStrictEqual([]);
      timings.push(`tfjs's threaded binary (forced): ${init.report.wasm?.threadsCount} XNNPACK thread(s) on ${init.hardwareConcurrency} cores`);
    } finally {
      await own.close();
    }
  });
});
