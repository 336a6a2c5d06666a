/**
 * `pnpm bench:rnn`: time per training step of the chapter's two models with stock tf.layers and with the fast
 * layers, on the wasm and cpu backends, and PyTorch (bench/torch_reference.py) where `import torch` works.
 * Each measurement runs in its own child process, one after another. Prints a table, then `RESULT {json}`.
 *
 * Options: --model sentiment|char (repeatable), --cell lstm|gru|gru-reset-after|simple-rnn (repeatable: the recurrent
 * layers' cell; by default the LSTM for every model and T, and the other three for the sentiment model at T = 250
 * only; gru-reset-after is Keras's reset_after GRU, without stock rows: tf.layers has none; its torch rows are
 * nn.GRU, which applies the reset gate as reset_after does, and the reset-before GRU has no torch rows),
 * --reset-after (turns --cell gru into gru-reset-after), --T <n> (repeatable), --impl stock|fast|torch (repeatable),
 * --backend wasm|cpu (repeatable), --mode train|predict (repeatable), --stock-optimizer (fast rows train with
 * tf.train.adam instead of the package's fusedAdam), --steps <n> (measured steps, default 5), --budget <s> (stop measuring a row
 * after this many seconds, default 40), --warmup <s> (warm-up steps for this long first, at least 1 and at most 25,
 * default 3), --skip-slow (skip stock rows on cpu at char-model size and at T ≥ 250,
 * which take minutes), --quick (first T of each model, 2 steps, 15 s budget, --skip-slow), --no-predict (skip
 * the inference rows), --python <path> (default: python3, else /usr/bin/python3, whichever can import torch),
 * --openblas-core <name> (OPENBLAS_CORETYPE for torch; default: the one that fits this CPU — SkylakeX only with AVX-512,
 * Zen on AMD with AVX2, Haswell on other AVX2 CPUs). The header names the CPU model and its SIMD extensions.
 *
 * The fast rows register all of @recurrent/backends' kernels (on wasm this includes the transpose-free BatchMatMul
 * and the row-copy GatherV2 for the whole model), allow relaxed SIMD (fused multiply-add), wait for the worker
 * threads and train with fusedAdam; the stock rows run tfjs as installed plus only the UnsortedSegmentSum kernel that
 * the Embedding gradient needs on wasm, with tf.train.adam.
 */
import type * as tf from "@tensorflow/tfjs";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { BENCH_MODELS, stepFlops } from "./bench-models";
import { cpuInfo, formatCpuInfo } from "./cpu-info";
import type { BenchModelName } from "./bench-models";
import type { CellKind } from "@recurrent/rnn-cells";

type Impl = "stock" | "fast" | "torch";
type Mode = "train" | "predict";

interface RowSpec {
  stockOptimizer: boolean;
  cell: CellKind;
  resetAfter: boolean;
  model: BenchModelName;
  T: number;
  impl: Impl;
  backend: string;
  mode: Mode;
  steps: number;
  budgetSeconds: number;
  warmupSeconds: number;
}

interface RowResult {
  model: BenchModelName;
  cell: CellKind;
  resetAfter: boolean;
  T: number;
  impl: Impl;
  backend: string;
  mode: Mode;
  msPerStep: number | null;
  tokensPerSecond: number | null;
  gflops: number | null;
  stepsMeasured: number;
  /** Peak resident memory of the row's process, MB (null for PyTorch). */
  peakRssMB: number | null;
  note?: string;
}

const here = dirname(fileURLToPath(import.meta.url));

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Worker: builds the model on the requested backend and times steps. Prints one JSON line. */
async function worker(spec: RowSpec): Promise<void> {
  const tf = await import("@tensorflow/tfjs");
  const { initBackend } = await import("@recurrent/backends");
  const { buildBenchModel, benchBatch, benchLoss } = await import("./bench-models");
  const { fusedAdam } = await import("../src/training/fused-adam");
  // Stock rows get only the Embedding gradient (wasm has none), as in the table; fast rows get every kernel.
  // Fast rows: fused multiply-add in the sequence kernels (on Node 20 behind a V8 flag, which "on" sets); initBackend
  // waits for their worker threads, so the first step already has them.
  const report = await initBackend({
    order: [spec.backend as "wasm" | "cpu"],
    registerKernels: spec.impl === "stock" ? ["embedding-gradient"] : true,
    relaxedSimd: "on",
    log: false,
  });
  const threads = report.recurrent?.threads ?? 1;
  const relaxedSimd = report.recurrent?.relaxedSimd ?? false;
  tf.enableProdMode();
  const model = buildBenchModel(spec.model, spec.T, spec.impl as "stock" | "fast", spec.cell, spec.resetAfter);
  // Stock rows: tf.train.adam. Fast rows: the package's fusedAdam (same arithmetic, one kernel per variable), unless
  // --stock-optimizer asks for tf.train.adam there too (to time the layers alone).
  const optimizer = spec.impl === "fast" && !spec.stockOptimizer ? fusedAdam(1e-3) : tf.train.adam(1e-3);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { x, y } = benchBatch(spec.model, spec.T, 42);
  const step = (): void => {
    if (spec.mode === "train") {
      const loss = optimizer.minimize(() => benchLoss(spec.model, model.apply(x, { training: true }) as tf.Tensor, y), true, vars);
      loss?.dataSync();
      loss?.dispose();
    } else {
      const out = model.predict(x) as tf.Tensor;
      out.dataSync();
      out.dispose();
    }
  };
  // Warm-up: kernel set-up, weight upload, XNNPACK operator creation, then JIT and WebAssembly tier-up (V8 runs new
  // WebAssembly code in its baseline compiler first): at least one step, more until warmupSeconds have passed (at
  // most 25). The budget counts from the end of the warm-up.
  const warmStart = performance.now();
  let warmupSteps = 0;
  do {
    step();
    warmupSteps++;
  } while ((performance.now() - warmStart) / 1000 < spec.warmupSeconds && warmupSteps < 25);
  const warmupMs = (performance.now() - warmStart) / warmupSteps;
  const times: number[] = [];
  const started = performance.now();
  while (times.length < spec.steps) {
    const t0 = performance.now();
    step();
    times.push(performance.now() - t0);
    if ((performance.now() - started) / 1000 > spec.budgetSeconds) break;
  }
  const ms = times.length > 0 ? median(times) : warmupMs;
  const peakRssMB = process.resourceUsage().maxRSS / 1024; // the whole child process: model, optimizer, activations
  process.stdout.write(`${JSON.stringify({ ms, steps: times.length, warmupSteps, warmupMs, peakRssMB, numTensors: tf.memory().numTensors, threads, relaxedSimd })}\n`);
}

/** The first of the candidate interpreters that can `import torch`, or null. */
function findTorchPython(candidates: readonly string[]): string | null {
  for (const python of candidates) {
    const r = spawnSync(python, ["-c", "import torch"], { encoding: "utf8" });
    if (r.error === undefined && r.status === 0) return python;
  }
  return null;
}

/** Debian's libopenblas0-pthread: torch links libblas, which this folder provides when it comes first. */
const OPENBLAS_PTHREAD_DIR = "/usr/lib/x86_64-linux-gnu/openblas-pthread";

function runTorch(spec: RowSpec, python: string | null, openblasCore: string | null): { ms: number | null; steps: number; note: string } {
  if (python === null) return { ms: null, steps: 0, note: "torch skipped: `import torch` fails (apt-get install python3-torch)" };
  const args = [
    join(here, "torch_reference.py"), "--model", spec.model, "--T", String(spec.T), "--steps", String(spec.steps),
    "--budget", String(spec.budgetSeconds), "--warmup", String(spec.warmupSeconds), "--mode", spec.mode,
    "--cell", spec.cell,
  ];
  // Debian's OpenBLAS 0.3.21 does not recognise newer CPUs by itself: name a core type that fits this one.
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (openblasCore === null) delete env.OPENBLAS_CORETYPE;
  else env.OPENBLAS_CORETYPE = openblasCore;
  if (existsSync(OPENBLAS_PTHREAD_DIR)) env.LD_LIBRARY_PATH = [OPENBLAS_PTHREAD_DIR, env.LD_LIBRARY_PATH].filter(Boolean).join(":");
  const r = spawnSync(python, args, { encoding: "utf8", env, maxBuffer: 1 << 24 });
  if (r.error !== undefined || r.status !== 0) {
    const why = r.error?.message ?? r.stderr.trim().split("\n").slice(-1)[0] ?? `exit ${r.status}`;
    return { ms: null, steps: 0, note: `torch skipped: ${why}` };
  }
  const line = r.stdout.trim().split("\n").filter((l) => l.startsWith("{")).slice(-1)[0];
  if (line === undefined) return { ms: null, steps: 0, note: "torch printed no result" };
  const parsed = JSON.parse(line) as { ms: number; steps: number; blas: string };
  return { ms: parsed.ms, steps: parsed.steps, note: parsed.blas };
}

function runRow(spec: RowSpec, python: string | null, openblasCore: string | null): RowResult {
  const tokens = BENCH_MODELS[spec.model].batch * spec.T;
  const flops = stepFlops(spec.model, spec.T, spec.cell) / (spec.mode === "train" ? 1 : 3);
  let ms: number | null = null;
  let steps = 0;
  let note: string | undefined;
  let peakRssMB: number | null = null;
  if (spec.impl === "torch") {
    ({ ms, steps, note } = runTorch(spec, python, openblasCore));
  } else {
    const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), "--worker", JSON.stringify(spec)], {
      encoding: "utf8",
      maxBuffer: 1 << 24,
    });
    const line = r.stdout.trim().split("\n").filter((l) => l.startsWith("{")).slice(-1)[0];
    if (r.status !== 0 || line === undefined) {
      note = `failed: ${r.stderr.trim().split("\n").slice(-3).join(" | ")}`;
    } else {
      const parsed = JSON.parse(line) as { ms: number; steps: number; threads: number; relaxedSimd: boolean; peakRssMB: number };
      ms = parsed.ms;
      peakRssMB = parsed.peakRssMB;
      if (spec.impl === "fast") {
        const optimizer = spec.mode === "train" ? (spec.stockOptimizer ? ", tf.train.adam" : ", fusedAdam") : "";
        note = `${parsed.threads} thread${parsed.threads > 1 ? "s" : ""}${parsed.relaxedSimd ? ", FMA" : ""}${optimizer}`;
      }
      steps = parsed.steps;
    }
  }
  const row: RowResult = {
    model: spec.model,
    cell: spec.cell,
    resetAfter: spec.resetAfter,
    T: spec.T,
    impl: spec.impl,
    backend: spec.backend,
    mode: spec.mode,
    msPerStep: ms,
    tokensPerSecond: ms === null ? null : tokens / (ms / 1000),
    gflops: ms === null ? null : flops / (ms / 1000) / 1e9,
    stepsMeasured: steps,
    peakRssMB,
  };
  if (note !== undefined) row.note = note;
  return row;
}

/** The cells a run can bench, by their --cell name. */
const CELLS = {
  lstm: { cell: "lstm", resetAfter: false },
  gru: { cell: "gru", resetAfter: false },
  "gru-reset-after": { cell: "gru", resetAfter: true },
  "simple-rnn": { cell: "simple-rnn", resetAfter: false },
} as const satisfies Record<string, { cell: CellKind; resetAfter: boolean }>;
type CellName = keyof typeof CELLS;

function cellLabel(row: { cell: CellKind; resetAfter: boolean }): string {
  return row.resetAfter ? "gru-reset-after" : row.cell;
}

function fmt(v: number | null, digits = 1): string {
  return v === null ? "—" : v.toFixed(digits);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    // `pnpm bench:rnn -- --model char` hands the script a literal "--" first
    args: process.argv.slice(2).filter((a, i) => !(i === 0 && a === "--")),
    options: {
      worker: { type: "string" },
      model: { type: "string", multiple: true },
      T: { type: "string", multiple: true },
      impl: { type: "string", multiple: true },
      backend: { type: "string", multiple: true },
      steps: { type: "string" },
      budget: { type: "string" },
      warmup: { type: "string" },
      "skip-slow": { type: "boolean", default: false },
      quick: { type: "boolean", default: false },
      "no-predict": { type: "boolean", default: false },
      "stock-optimizer": { type: "boolean", default: false },
      mode: { type: "string", multiple: true },
      python: { type: "string" },
      "openblas-core": { type: "string" },
      cell: { type: "string", multiple: true },
      "reset-after": { type: "boolean", default: false },
    },
  });
  if (values.worker !== undefined) {
    await worker(JSON.parse(values.worker) as RowSpec);
    return;
  }
  const models = (values.model ?? ["sentiment", "char"]) as BenchModelName[];
  for (const m of models) {
    if (!(m in BENCH_MODELS)) throw new RangeError(`expected --model sentiment or char, got ${m}`);
  }
  const cellNames = values.cell ?? null;
  for (const c of cellNames ?? []) {
    if (!(c in CELLS)) throw new RangeError(`expected --cell lstm, gru, gru-reset-after or simple-rnn, got ${c}`);
  }
  if (values["reset-after"] && !(cellNames ?? []).includes("gru")) {
    throw new RangeError(`expected --reset-after with --cell gru, got --cell ${(cellNames ?? ["(none)"]).join(", ")}`);
  }
  const cellsFor = (model: BenchModelName, T: number): CellName[] => {
    if (cellNames !== null) return cellNames.map((c) => (c === "gru" && values["reset-after"] ? "gru-reset-after" : c) as CellName);
    return model === "sentiment" && T === 250 && values.T === undefined ? (Object.keys(CELLS) as CellName[]) : ["lstm"];
  };
  // tf.layers has no reset-after GRU; torch's GRU is the reset-after one
  const unavailable = (impl: Impl, c: CellName): boolean => (impl === "torch" && c === "gru") || (impl === "stock" && c === "gru-reset-after");
  const impls = (values.impl ?? ["stock", "fast", "torch"]) as Impl[];
  const backends = values.backend ?? ["wasm", "cpu"];
  const quick = values.quick;
  const skipSlow = values["skip-slow"] || quick;
  const steps = Number(values.steps ?? (quick ? 2 : 5));
  const budgetSeconds = Number(values.budget ?? (quick ? 15 : 40));
  const warmupSeconds = Number(values.warmup ?? (quick ? 1 : 3));
  if (!(warmupSeconds >= 0)) throw new RangeError(`expected --warmup >= 0 seconds, got ${values.warmup}`);
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`expected --steps >= 1, got ${values.steps}`);

  const specs: RowSpec[] = [];
  for (const model of models) {
    const allTimes: readonly number[] = BENCH_MODELS[model].times;
    const times = values.T !== undefined ? values.T.map(Number) : quick ? allTimes.slice(0, 1) : allTimes;
    for (const T of times) {
      if (!Number.isInteger(T) || T < 1) throw new RangeError(`expected --T to be a positive integer, got ${T}`);
      const modes = (values.mode ?? (values["no-predict"] ? ["train"] : ["train", "predict"])) as Mode[];
      for (const cellName of cellsFor(model, T)) {
        const { cell, resetAfter } = CELLS[cellName];
        for (const mode of modes) {
          if (mode !== "train" && mode !== "predict") throw new RangeError(`expected --mode train or predict, got ${String(mode)}`);
          for (const impl of impls) {
            if (unavailable(impl, cellName)) continue;
            const rowBackends = impl === "torch" ? ["cpu"] : backends; // PyTorch runs on the CPU
            for (const backend of rowBackends) {
              const slow = impl === "stock" && backend === "cpu" && (model === "char" || T >= 250);
              if (skipSlow && slow) continue;
              if (mode === "predict" && backend === "cpu" && impl === "stock" && model === "char") continue;
              specs.push({ model, cell, resetAfter, T, impl, backend, mode, steps, budgetSeconds, warmupSeconds, stockOptimizer: values["stock-optimizer"] });
            }
          }
        }
      }
    }
  }

  const python = impls.includes("torch")
    ? findTorchPython(values.python !== undefined ? [values.python] : ["python3", "/usr/bin/python3"])
    : null;
  const rows: RowResult[] = [];
  const cpu = cpuInfo();
  const openblasCore = values["openblas-core"] ?? cpu.openblasCore;
  console.log(formatCpuInfo(cpu));
  console.log(`PyTorch: OPENBLAS_CORETYPE=${openblasCore ?? "(unset)"}${values["openblas-core"] === undefined ? " (fits this CPU)" : " (--openblas-core)"}`);
  console.log(
    `recurrent layers benchmark: ${specs.length} rows, median of up to ${steps} steps after ${warmupSeconds} s of warm-up steps (at least 1, at most 25)`,
  );
  console.log("model      cell             T    mode     impl   backend  ms/step     tokens/s   GFLOP/s  ×torch(time)  peak RSS MB  note");
  // rows of the same model, cell, T and mode
  const same = (a: RowResult, b: RowResult): boolean =>
    a.model === b.model && a.cell === b.cell && a.resetAfter === b.resetAfter && a.T === b.T && a.mode === b.mode;
  for (const spec of specs) {
    const row = runRow(spec, python, openblasCore);
    rows.push(row);
    const torch = rows.find((r) => r.impl === "torch" && same(r, row));
    const ratio = torch?.msPerStep != null && row.msPerStep !== null ? row.msPerStep / torch.msPerStep : null;
    console.log(
      `${row.model.padEnd(10)} ${cellLabel(row).padEnd(16)} ${String(row.T).padEnd(4)} ${row.mode.padEnd(8)} ${row.impl.padEnd(6)} ${row.backend.padEnd(8)} ${fmt(row.msPerStep).padStart(9)} ${fmt(row.tokensPerSecond, 0).padStart(10)} ${fmt(row.gflops, 2).padStart(9)} ${fmt(ratio, 2).padStart(12)}  ${fmt(row.peakRssMB, 0).padStart(11)}  ${row.note ?? ""}`,
    );
  }
  // Ratios to torch and stock, once every row is in.
  for (const row of rows) {
    if (row.impl !== "fast" || row.msPerStep === null) continue;
    const stock = rows.find((r) => r.impl === "stock" && r.backend === row.backend && same(r, row));
    const torch = rows.find((r) => r.impl === "torch" && same(r, row));
    const parts = [];
    if (stock?.msPerStep != null) parts.push(`${(stock.msPerStep / row.msPerStep).toFixed(1)}× faster than stock`);
    if (torch?.msPerStep != null) parts.push(`${(row.msPerStep / torch.msPerStep).toFixed(2)}× torch's time`);
    if (parts.length > 0) console.log(`fast ${row.backend} ${row.model} ${cellLabel(row)} T=${row.T} ${row.mode}: ${parts.join(", ")}`);
  }
  console.log(`RESULT ${JSON.stringify({ cpu, openblasCore, rows })}`);
}

await main();
