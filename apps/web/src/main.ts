// The page. It holds no tensors: everything tfjs does runs in the worker (src/worker/app-worker.ts); here we only
// collect the visitor's files and options, send requests and draw what comes back.
import "./styles.css";
import { packFolder } from "./data/folder-blob";
import type { CharRunConfig, DataSummary, Event, GenerateRequest, InitInfo, ModelSummary, ProgressInfo, SentimentRunConfig, Task, TrainConfig } from "./protocol";
import { discardRun, loadRun, type RunRecord } from "./storage/run-storage";
import { TrainingCurves } from "./ui/curves";
import { LongTaskMonitor } from "./ui/long-tasks";
import { thousands } from "./format";
import { byId, formatBytes, formatDuration, h, renderCharMetrics, renderSentimentMetrics } from "./ui/render";
import { WorkerClient } from "./ui/worker-client";
import { wasmThreadsMode } from "./worker/wasm-threads";

const monitor = new LongTaskMonitor();
const client = new WorkerClient();

/** What the browser tests read (and what a curious visitor can inspect in the console as `__web`). */
const exposed = {
  longTasks: monitor.tasks,
  longFrames: monitor.longFrames,
  trainingWindows: monitor.trainingWindows,
  init: null as InitInfo | null,
  pageCrossOriginIsolated: globalThis.crossOriginIsolated === true,
  data: {} as Partial<Record<Task, DataSummary>>,
  progress: {} as Partial<Record<Task, ProgressInfo>>,
  /** Training losses seen per task (step, loss), in arrival order. */
  losses: { sentiment: [] as [number, number][], char: [] as [number, number][] },
  models: {} as Partial<Record<Task, ModelSummary>>,
  status: {} as Partial<Record<Task, { phase: string; text: string }>>,
  score: null as { text: string; probability: number } | null,
  /** The last generation: characters asked for, received from the worker, shown; how many times the shown text grew. */
  generation: { requested: 0, received: 0, shown: 0, updates: 0, done: true, text: "" },
  errors: [] as string[],
  /** The longest time the page spent handling one message from the worker, per message type (ms). */
  handlerMs: {} as Record<string, number>,
};
(globalThis as unknown as { __web: typeof exposed }).__web = exposed;

// ---------------------------------------------------------------------------------------------- tabs

function showTab(task: Task): void {
  for (const button of document.querySelectorAll<HTMLButtonElement>(".tabs button")) button.setAttribute("aria-selected", String(button.dataset.tab === task));
  for (const view of document.querySelectorAll<HTMLElement>(".view")) view.hidden = view.dataset.view !== task;
  if (location.hash !== `#${task}`) history.replaceState(null, "", `#${task}`);
}
for (const button of document.querySelectorAll<HTMLButtonElement>(".tabs button")) button.addEventListener("click", () => showTab(button.dataset.tab as Task));
showTab(location.hash === "#char" ? "char" : "sentiment");

// ---------------------------------------------------------------------------------------------- environment

function renderLongTasks(): void {
  const el = byId("env-longtasks");
  if (!monitor.supported) {
    el.textContent = "not measurable in this browser";
    return;
  }
  const during = monitor.tasks.filter((t) => t.duringTraining);
  const longest = monitor.longestDuringTraining();
  el.textContent = during.length === 0 ? `none while training (${monitor.tasks.length} over 50 ms at other times)` : `${during.length} while training, longest ${Math.round(longest)} ms`;
  el.className = longest > 100 ? "no" : "yes";
}
monitor.onChange(renderLongTasks);
renderLongTasks();

const isolatedEl = byId("env-isolated");
isolatedEl.textContent = exposed.pageCrossOriginIsolated ? "yes" : "no";
isolatedEl.className = exposed.pageCrossOriginIsolated ? "yes" : "no";
isolatedEl.title = exposed.pageCrossOriginIsolated ? "COOP/COEP served: SharedArrayBuffer and shared WebAssembly memory are available" : "served without COOP/COEP: no SharedArrayBuffer, so no WebAssembly threads";

client
  .request<InitInfo>({ type: "init", wasmThreads: wasmThreadsMode(location.search) })
  .then((info) => {
    exposed.init = info;
    const r = info.report;
    const wasm = r.wasm === undefined ? "" : ` · SIMD ${r.wasm.simd ? "yes" : "no"} · ${r.wasm.threadsCount} thread${r.wasm.threadsCount === 1 ? "" : "s"}`;
    byId("env-backend").textContent = `${r.backend}${wasm}`;
    const threads = byId("env-threads");
    threads.textContent = r.recurrent === undefined ? "unavailable (per-step kernels)" : `${r.recurrent.threads} of ${info.hardwareConcurrency} cores`;
    threads.className = r.recurrent !== undefined && r.recurrent.threads > 1 ? "yes" : "no";
    threads.title =
      "threads of the whole-sequence recurrent kernels (@recurrent/backends): the app's worker and, where the page is " +
      "cross-origin isolated, Web Workers sharing its WebAssembly memory";
    // why the recurrent kernels use fewer threads than the machine has, in the page itself (the report has the rest)
    const why = r.recurrent === undefined ? r.notes.find((n) => n.startsWith("the whole-sequence recurrent kernels cannot run")) : r.recurrent.fallback;
    const note = byId("env-note");
    note.textContent = why === undefined ? "" : r.recurrent === undefined ? `${why[0]!.toUpperCase()}${why.slice(1)}.` : `The recurrent kernels run on one thread: ${why}.`;
    note.hidden = why === undefined;
    byId("env-report").textContent = [info.reportText, ...info.adjustments.map((a) => `  app: ${a}`), `  worker: crossOriginIsolated ${info.crossOriginIsolated}, hardwareConcurrency ${info.hardwareConcurrency}`].join("\n");
    byId<HTMLButtonElement>("s-train").disabled = sources.sentiment === null;
    byId<HTMLButtonElement>("c-train").disabled = sources.char === null;
  })
  .catch((error: Error) => {
    byId("env-backend").textContent = "failed";
    byId("env-report").textContent = error.message;
    exposed.errors.push(error.message);
  });

// ---------------------------------------------------------------------------------------------- sources

const sources: Record<Task, { blob: Blob; name: string } | null> = { sentiment: null, char: null };

function setSource(task: Task, blob: Blob, name: string): void {
  sources[task] = { blob, name };
  const el = byId(task === "sentiment" ? "s-source" : "c-source");
  el.textContent = `${name} (${formatBytes(blob.size)})`;
  el.classList.add("ready");
  byId<HTMLButtonElement>(task === "sentiment" ? "s-train" : "c-train").disabled = exposed.init === null || running !== null;
}

/** The files under a dropped folder, with their paths (FileSystemEntry API: what a drop gives for folders). */
async function droppedFolderFiles(entry: FileSystemDirectoryEntry, prefix = ""): Promise<{ file: File; path: string }[]> {
  const reader = entry.createReader();
  const children: FileSystemEntry[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) break;
    children.push(...batch);
  }
  const out: { file: File; path: string }[] = [];
  for (const child of children) {
    const path = `${prefix}${entry.name}/${child.name}`;
    if (child.isDirectory) out.push(...(await droppedFolderFiles(child as FileSystemDirectoryEntry, `${prefix}${entry.name}/`)));
    else out.push({ file: await new Promise<File>((resolve, reject) => (child as FileSystemFileEntry).file(resolve, reject)), path });
  }
  return out;
}

function wireDrop(task: Task, zoneId: string, fileId: string, folderId?: string): void {
  const zone = byId(zoneId);
  zone.addEventListener("dragover", (e) => {
    e.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    const item = e.dataTransfer?.items[0];
    const entry = item?.webkitGetAsEntry?.() ?? null;
    if (entry?.isDirectory === true && task === "sentiment") {
      void droppedFolderFiles(entry as FileSystemDirectoryEntry).then((files) => setSource(task, packFolder(files), `${entry.name}/ (${thousands(files.length)} files)`));
      return;
    }
    const file = e.dataTransfer?.files[0];
    if (file !== undefined) setSource(task, file, file.name);
  });
  byId<HTMLInputElement>(fileId).addEventListener("change", (e) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (file !== undefined) setSource(task, file, file.name);
  });
  if (folderId !== undefined) {
    byId<HTMLInputElement>(folderId).addEventListener("change", (e) => {
      const files = [...((e.target as HTMLInputElement).files ?? [])];
      if (files.length === 0) return;
      const root = files[0]?.webkitRelativePath.split("/")[0] ?? "folder";
      setSource(task, packFolder(files.map((file) => ({ file, path: file.webkitRelativePath }))), `${root}/ (${thousands(files.length)} files)`);
    });
  }
}
wireDrop("sentiment", "s-drop", "s-file", "s-folder");
wireDrop("char", "c-drop", "c-file");

// ---------------------------------------------------------------------------------------------- options

function numberInput(id: string, what: string, { min, integer = true, optional = false }: { min: number; integer?: boolean; optional?: boolean }): number | null {
  const raw = byId<HTMLInputElement>(id).value.trim();
  if (raw === "" && optional) return null;
  const value = Number(raw);
  if (raw === "" || !Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min) {
    throw new RangeError(`expected ${what} to be ${integer ? "an integer" : "a number"} >= ${min}${optional ? " (or empty)" : ""}, got ${JSON.stringify(raw)}`);
  }
  return value;
}
const required = (id: string, what: string, min: number, integer = true) => numberInput(id, what, { min, integer }) as number;

function sentimentConfig(): TrainConfig {
  const run: SentimentRunConfig = {
    seed: required("s-seed", "the seed", 0),
    limit: numberInput("s-limit", "reviews", { min: 10, optional: true }),
    maxTokens: numberInput("s-max-tokens", "max tokens", { min: 1, optional: true }),
    batchSize: required("s-batch", "the batch size", 1),
    bucket: byId<HTMLInputElement>("s-bucket").checked,
    model: { cell: "lstm", bidirectional: true, layers: 1, units: 64, embeddingDim: 20, denseUnits: 64, dropout: 0, maskPadding: byId<HTMLInputElement>("s-mask").checked },
    learningRate: 1e-3,
    clipNorm: null,
    epochs: required("s-epochs", "epochs", 1),
    patience: 2,
  };
  return { task: "sentiment", run, checkpointEvery: required("s-checkpoint-every", "checkpoint every", 1), maxSteps: numberInput("s-max-steps", "max steps", { min: 1, optional: true }) };
}

function charConfig(): TrainConfig {
  const run: CharRunConfig = {
    seqLength: required("c-seq-length", "the sequence length", 1),
    batchSize: required("c-batch", "the batch size", 1),
    heldOut: 0.05,
    embeddingDim: required("c-embedding", "the embedding width", 1),
    units: required("c-units", "units", 1),
    learningRate: 1e-3,
    clipNorm: null,
    seed: required("c-seed", "the seed", 0),
    epochs: required("c-epochs", "epochs", 1),
  };
  return { task: "char", run, checkpointEvery: required("c-checkpoint-every", "checkpoint every", 1), maxSteps: numberInput("c-max-steps", "max steps", { min: 1, optional: true }) };
}

// ---------------------------------------------------------------------------------------------- training

const prefix = (task: Task) => (task === "sentiment" ? "s" : "c");
const curves: Record<Task, TrainingCurves> = {
  sentiment: new TrainingCurves(byId("s-loss-chart"), byId("s-accuracy-chart"), { lossLabel: "Loss (binary cross-entropy)", accuracyLabel: "Accuracy (per epoch)" }),
  char: new TrainingCurves(byId("c-loss-chart"), byId("c-accuracy-chart"), { lossLabel: "Loss (nats per character)", accuracyLabel: "Next-character accuracy (per epoch)" }),
};
let running: Task | null = null;

function setRunning(task: Task | null): void {
  running = task;
  for (const t of ["sentiment", "char"] as const) {
    byId<HTMLButtonElement>(`${prefix(t)}-train`).disabled = task !== null || sources[t] === null || exposed.init === null;
    byId<HTMLButtonElement>(`${prefix(t)}-stop`).disabled = task !== t;
    byId<HTMLFieldSetElement>(`${prefix(t)}-options`).disabled = task !== null;
  }
  for (const button of document.querySelectorAll<HTMLButtonElement>("#resume button")) button.disabled = task !== null;
  if (task === null) monitor.trainingEnded();
  else monitor.trainingStarted();
}

function setStatus(task: Task, text: string, failed = false): void {
  const el = byId(`${prefix(task)}-status`);
  el.textContent = text;
  el.classList.toggle("failed", failed);
}

async function train(task: Task, start: () => Promise<ModelSummary>): Promise<void> {
  setRunning(task);
  try {
    showModel(await start());
  } catch (error) {
    const message = (error as Error).message;
    if (!/aborted/.test(message)) {
      setStatus(task, message, true);
      exposed.errors.push(message);
    }
  } finally {
    setRunning(null);
    void refreshResume();
  }
}

for (const task of ["sentiment", "char"] as const) {
  byId(`${prefix(task)}-train`).addEventListener("click", () => {
    const source = sources[task];
    if (source === null) return;
    let config: TrainConfig;
    try {
      config = task === "sentiment" ? sentimentConfig() : charConfig();
    } catch (error) {
      setStatus(task, (error as Error).message, true);
      return;
    }
    exposed.losses[task] = [];
    delete exposed.progress[task];
    delete exposed.data[task];
    curves[task].reset([], null);
    void train(task, () => client.request<ModelSummary>({ type: "train", config, source: source.blob, sourceName: source.name }));
  });
  byId(`${prefix(task)}-stop`).addEventListener("click", () => void client.request({ type: "stop", task }));
}

function onProgress(p: ProgressInfo, points: { step: number; loss: number }[]): void {
  exposed.progress[p.task] = p;
  for (const point of points) exposed.losses[p.task].push([point.step, point.loss]);
  curves[p.task].add(points, p.batchesPerEpoch);
  const total = p.totalSteps ?? 0;
  byId(`${prefix(p.task)}-bar`).style.width = total > 0 ? `${(100 * Math.min(1, p.step / total)).toFixed(1)}%` : "0";
  const parts = [
    `epoch ${p.epoch}/${p.epochs}`,
    `step ${thousands(p.step)}${total > 0 ? ` of ${thousands(total)}` : ""}`,
    `loss ${p.loss.toFixed(4)} (epoch mean ${p.meanLoss.toFixed(4)})`,
    `${Math.round(p.msPerStep)} ms/step`,
    p.etaSeconds === null ? "" : `ETA ${formatDuration(p.etaSeconds)}`,
    p.checkpointStep === null ? "no checkpoint yet" : `checkpoint at step ${thousands(p.checkpointStep)} in IndexedDB`,
    p.resumedFrom === null ? "" : `resumed from step ${thousands(p.resumedFrom)}`,
  ];
  const figures = byId(`${prefix(p.task)}-figures`);
  figures.textContent = parts.filter((s) => s !== "").join(" · ");
  figures.dataset.step = String(p.step);
  figures.dataset.checkpointStep = String(p.checkpointStep ?? "");
}

function onData(summary: DataSummary): void {
  exposed.data[summary.task] = summary;
  const text =
    summary.task === "sentiment"
      ? `${thousands(summary.reviews)} reviews read: ${thousands(summary.train)} train, ${thousands(summary.validation)} validation, ${thousands(summary.test)} test; vocabulary ${thousands(summary.vocabSize)} ids; ${summary.batchesPerEpoch} batches per epoch, ${(100 * summary.paddingFraction).toFixed(1)} % padding (${summary.seconds.toFixed(1)} s)`
      : `${thousands(summary.characters)} characters${summary.sliced ? " (the chapter's slice of the novel)" : ""}, ${summary.distinct} distinct; training on ${thousands(summary.trainCharacters)}, holding out ${thousands(summary.heldOutCharacters)}; ${summary.batchesPerEpoch} batches per epoch`;
  setStatus(summary.task, text);
}

const stopText = (reason: string | null): string =>
  reason === "early-stopping" ? "stopped early on the validation loss" : reason === "max-steps" ? "the max steps" : reason === "epochs" ? "all epochs" : "?";

/** Puts a stored run's options back into the form (a resumed run trains with exactly these). */
function applyConfig(config: TrainConfig): void {
  const set = (id: string, value: number | null) => (byId<HTMLInputElement>(id).value = value === null ? "" : String(value));
  if (config.task === "sentiment") {
    const r = config.run;
    set("s-limit", r.limit);
    set("s-epochs", r.epochs);
    set("s-batch", r.batchSize);
    set("s-seed", r.seed);
    set("s-max-tokens", r.maxTokens);
    byId<HTMLInputElement>("s-bucket").checked = r.bucket;
    byId<HTMLInputElement>("s-mask").checked = r.model.maskPadding;
  } else {
    const r = config.run;
    set("c-units", r.units);
    set("c-embedding", r.embeddingDim);
    set("c-seq-length", r.seqLength);
    set("c-batch", r.batchSize);
    set("c-epochs", r.epochs);
    set("c-seed", r.seed);
  }
  set(`${prefix(config.task)}-max-steps`, config.maxSteps);
  set(`${prefix(config.task)}-checkpoint-every`, config.checkpointEvery);
}

function showModel(summary: ModelSummary): void {
  exposed.models[summary.task] = summary;
  if (summary.task === "sentiment") exposed.score = null; // a score belongs to the model that gave it
  if (summary.task === "sentiment") {
    renderSentimentMetrics(byId("s-metrics"), summary.test, summary.validation, summary.origin === "bundle" && summary.test === null ? "These are the validation figures the bundle carries; imdb-sentiment evaluate adds the test split's to it." : "");
    byId("s-model").textContent = `Model: ${summary.description}; vocabulary ${thousands(summary.vocabSize)} ids${summary.steps > 0 ? `; ${summary.steps} steps (${stopText(summary.stopReason)})` : ""}.`;
    byId<HTMLTextAreaElement>("s-review").disabled = false;
    byId<HTMLButtonElement>("s-download").disabled = false;
    byId("s-score-text").textContent = "type a review";
    if (byId<HTMLTextAreaElement>("s-review").value.trim() !== "") scheduleScore();
  } else {
    renderCharMetrics(byId("c-metrics"), summary.heldOut);
    byId("c-model").textContent = `Model: ${summary.description}; ${summary.vocabSize} characters${summary.steps > 0 ? `; ${summary.steps} steps (${stopText(summary.stopReason)})` : ""}.`;
    byId<HTMLButtonElement>("g-generate").disabled = false;
    byId<HTMLButtonElement>("c-download").disabled = false;
  }
}

client.on((event: Event) => {
  const started = performance.now();
  handleEvent(event);
  // how long the page's own handling of each kind of message takes (the tests print the longest)
  const took = performance.now() - started;
  exposed.handlerMs[event.type] = Math.max(exposed.handlerMs[event.type] ?? 0, took);
});

function handleEvent(event: Event): void {
  switch (event.type) {
    case "status":
      exposed.status[event.task] = { phase: event.phase, text: event.text };
      if (event.phase !== "training" || exposed.progress[event.task] === undefined) setStatus(event.task, event.text, event.phase === "failed");
      // the bar shows reading, then training; evaluation's progress is in the status text only
      if (event.fraction !== undefined && event.phase === "reading") byId(`${prefix(event.task)}-bar`).style.width = `${(100 * event.fraction).toFixed(1)}%`;
      if (event.phase === "done") byId(`${prefix(event.task)}-bar`).style.width = "100%";
      break;
    case "data":
      onData(event.summary);
      break;
    case "progress":
      onProgress(event.progress, event.points);
      break;
    case "epoch":
      curves[event.task].add([event.point], null);
      break;
    case "model":
      break; // shown when the request resolves
    case "generated":
      onGenerated(event.id, event.text, event.done, event.count);
      break;
  }
}

// ---------------------------------------------------------------------------------------------- resume

async function refreshResume(): Promise<void> {
  const box = byId("resume");
  box.replaceChildren();
  for (const task of ["sentiment", "char"] as const) {
    let record: RunRecord | null;
    try {
      record = await loadRun(task);
    } catch (error) {
      exposed.errors.push(`IndexedDB: ${(error as Error).message}`);
      continue;
    }
    // a run trained (or restored) in this page already has its model here: nothing to offer
    if (record === null || running === task || exposed.models[task]?.origin === "trained") continue;
    const what = task === "sentiment" ? "sentiment" : "character-model";
    const total = record.batchesPerEpoch === null ? null : record.epochs * record.batchesPerEpoch;
    const where = record.step === 0 ? "before its first checkpoint" : `at step ${thousands(record.step)}${total === null ? "" : ` of ${thousands(total)}`} (epoch ${record.epoch} of ${record.epochs})`;
    const text =
      record.status === "running"
        ? `An interrupted ${what} run on ${record.sourceName} is stored, ${where}; saved ${new Date(record.updatedAt).toLocaleString()}.`
        : `A finished ${what} run on ${record.sourceName} is stored (${thousands(record.step)} steps).`;
    const resume = h("button", { class: "primary", "data-testid": `resume-${task}` }, record.status === "running" ? "Resume" : "Restore the model");
    const discard = h("button", { "data-testid": `discard-${task}` }, "Discard");
    resume.addEventListener("click", () => {
      showTab(task);
      curves[task].reset(record.curve, record.batchesPerEpoch);
      exposed.losses[task] = [];
      delete exposed.progress[task];
      delete exposed.data[task];
      const el = byId(`${prefix(task)}-source`);
      el.textContent = `${record.sourceName} (${formatBytes(record.source.size)}, from browser storage)`;
      el.classList.add("ready");
      sources[task] = { blob: record.source, name: record.sourceName };
      applyConfig(record.config as TrainConfig);
      box.querySelector(`[data-task="${task}"]`)?.remove();
      void train(task, () => client.request<ModelSummary>({ type: "resume", task }));
    });
    discard.addEventListener("click", () => void discardRun(task).then(refreshResume));
    (resume as HTMLButtonElement).disabled = running !== null;
    box.append(h("div", { class: "row", "data-task": task }, h("span", {}, text), resume, discard));
  }
  box.hidden = box.childElementCount === 0;
}
void refreshResume();

// ---------------------------------------------------------------------------------------------- bundles

async function loadBundle(task: Task, files?: File[], url?: string): Promise<void> {
  setStatus(task, "loading the bundle");
  try {
    const summary = await client.request<ModelSummary>({ type: "load-bundle", task, ...(files === undefined ? {} : { files }), ...(url === undefined ? {} : { url }) });
    // the Training panel belonged to the previous model: the bundle's model was not trained here
    curves[task].showBundle();
    exposed.losses[task] = [];
    delete exposed.progress[task];
    byId(`${prefix(task)}-bar`).style.width = "0";
    const figures = byId(`${prefix(task)}-figures`);
    figures.textContent = "";
    delete figures.dataset.step;
    delete figures.dataset.checkpointStep;
    setStatus(task, `Loaded a bundle (${summary.description}): the model was not trained in this page. Train starts a new run.`);
    showModel(summary);
  } catch (error) {
    setStatus(task, (error as Error).message, true);
    exposed.errors.push((error as Error).message);
  }
}
for (const task of ["sentiment", "char"] as const) {
  for (const id of [`${prefix(task)}-bundle-folder`, `${prefix(task)}-bundle-files`]) {
    byId<HTMLInputElement>(id).addEventListener("change", (e) => {
      const files = [...((e.target as HTMLInputElement).files ?? [])];
      if (files.length > 0) void loadBundle(task, files);
    });
  }
  byId(`${prefix(task)}-download`).addEventListener("click", () => {
    void client.request<{ name: string; zip: Uint8Array }>({ type: "export-bundle", task }).then(({ name, zip }) => {
      const url = URL.createObjectURL(new Blob([zip as Uint8Array<ArrayBuffer>], { type: "application/zip" }));
      const a = h("a", { href: url, download: name });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    }, (error: Error) => setStatus(task, error.message, true));
  });
}
byId("s-bundle-url-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const url = byId<HTMLInputElement>("s-bundle-url").value.trim();
  if (url !== "") void loadBundle("sentiment", undefined, url);
});

// ---------------------------------------------------------------------------------------------- scoring

let scoreTimer: ReturnType<typeof setTimeout> | undefined;
let scoreSeq = 0;
function scheduleScore(): void {
  clearTimeout(scoreTimer);
  scoreTimer = setTimeout(() => {
    const text = byId<HTMLTextAreaElement>("s-review").value;
    const seq = ++scoreSeq;
    if (text.trim() === "") {
      byId("s-score-text").textContent = "type a review";
      return;
    }
    void client.request<{ probability: number; tokens: number }>({ type: "predict", text }).then(
      ({ probability, tokens }) => {
        if (seq !== scoreSeq) return; // an older answer overtaken by newer typing
        exposed.score = { text, probability };
        byId("s-score-bar").style.left = `calc(${(100 * probability).toFixed(1)}% - 2px)`;
        const scoreText = byId("s-score-text");
        scoreText.textContent = `${probability.toFixed(4)} ${probability >= 0.5 ? "positive" : "negative"} (${tokens} tokens)`;
        scoreText.dataset.probability = String(probability);
      },
      (error: Error) => (byId("s-score-text").textContent = error.message),
    );
  }, 150);
}
byId("s-review").addEventListener("input", () => {
  exposed.score = null; // until the worker has scored the new text
  scheduleScore();
});

// ---------------------------------------------------------------------------------------------- generation

let generationId = -1;
let queue: string[] = [];
let draining = false;
const output = byId("g-output");
const generatedNode = document.createTextNode("");
/**
 * Whether the output box scrolls along as text arrives: not at first, so that the text is seen to begin with the
 * start text; once the visitor scrolls to the bottom, it follows (and stops when they scroll up again).
 */
let followOutput = false;
output.addEventListener("scroll", () => {
  // at the bottom of text that overflows the box (a box that is not full has no bottom to follow)
  followOutput = output.scrollHeight > output.clientHeight + 4 && output.scrollTop + output.clientHeight >= output.scrollHeight - 4;
});

function drain(): void {
  if (queue.length === 0) {
    draining = false;
    if (exposed.generation.done) byId("g-count").textContent = `${exposed.generation.shown} characters`;
    return;
  }
  // a typewriter: reveal a fifteenth of what is waiting each frame (at least one character), so a burst from the
  // worker (it posts every 50 ms) unrolls over a quarter of a second or so instead of landing in one piece
  const n = Math.max(1, Math.ceil(queue.length / 15));
  const chars = queue.splice(0, n).join("");
  generatedNode.appendData(chars);
  exposed.generation.shown += [...chars].length;
  exposed.generation.updates++;
  exposed.generation.text += chars;
  byId("g-count").textContent = `${exposed.generation.shown} characters${exposed.generation.done ? "" : "…"}`;
  if (followOutput) output.scrollTop = output.scrollHeight;
  requestAnimationFrame(drain);
}

function onGenerated(id: number, text: string, done: boolean, count: number): void {
  if (id !== generationId) return;
  queue.push(...text);
  exposed.generation.received = count;
  if (done) {
    exposed.generation.done = true;
    byId<HTMLButtonElement>("g-stop").disabled = true;
    byId<HTMLButtonElement>("g-generate").disabled = false;
  }
  if (!draining) {
    draining = true;
    requestAnimationFrame(drain);
  }
}

byId("g-generate").addEventListener("click", () => {
  let request: GenerateRequest;
  try {
    request = {
      start: byId<HTMLInputElement>("g-start").value,
      length: required("g-length", "the length", 1),
      scale: required("g-scale", "the scale", 0.01, false),
      temperature: required("g-temperature", "the temperature", 0.01, false),
      topK: required("g-top-k", "top-k", 0),
      topP: required("g-top-p", "top-p", 0.01, false),
      seed: required("g-seed", "the seed", 0),
    };
    if (request.topP > 1) throw new RangeError(`expected top-p <= 1, got ${request.topP}`);
  } catch (error) {
    byId("g-count").textContent = (error as Error).message;
    return;
  }
  generationId = client.peekId();
  queue = [];
  exposed.generation = { requested: request.length, received: 0, shown: 0, updates: 0, done: false, text: "" };
  generatedNode.data = "";
  output.replaceChildren(h("span", { class: "start", title: "the start text" }, request.start), generatedNode);
  output.scrollTop = 0;
  followOutput = false;
  byId<HTMLButtonElement>("g-stop").disabled = false;
  byId<HTMLButtonElement>("g-generate").disabled = true;
  void client.request({ type: "generate", request }).catch((error: Error) => {
    byId("g-count").textContent = error.message;
    exposed.generation.done = true;
    byId<HTMLButtonElement>("g-stop").disabled = true;
    byId<HTMLButtonElement>("g-generate").disabled = false;
  });
});
byId("g-stop").addEventListener("click", () => void client.request({ type: "stop-generation" }));
