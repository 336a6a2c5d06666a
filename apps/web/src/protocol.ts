// Messages between the page (src/main.ts) and the worker (src/worker/app-worker.ts). Everything tfjs does happens
// in the worker; the page only sends requests and draws what comes back (progress at most every ~100 ms).
import type { BackendReport } from "@recurrent/backends";
import type { BinaryClassificationMetrics, CellKind, EpochRecord, LanguageModelEvaluation } from "@recurrent/models";
import type { CurvePoint, Task } from "./storage/run-storage";
import type { WasmThreadsMode } from "./worker/wasm-threads";

export type { CurvePoint, Task };

/** A sentiment run's configuration: the CLI's `run.json` (apps/imdb-sentiment `RunConfig`), field for field. */
export interface SentimentRunConfig {
  seed: number;
  limit: number | null;
  maxTokens: number | null;
  batchSize: number;
  bucket: boolean;
  model: {
    cell: CellKind;
    bidirectional: boolean;
    layers: number;
    units: number;
    embeddingDim: number;
    denseUnits: number;
    dropout: number;
    maskPadding: boolean;
  };
  learningRate: number;
  clipNorm: number | null;
  epochs: number;
  patience: number;
}

/** A character-model run's configuration: the CLI's `run.json` (apps/char-lm), field for field. */
export interface CharRunConfig {
  seqLength: number;
  batchSize: number;
  heldOut: number;
  embeddingDim: number;
  units: number;
  learningRate: number;
  clipNorm: number | null;
  seed: number;
  epochs: number;
}

/** What a training run is started with (stored with the run; a resumed run uses it unchanged). */
export type TrainConfig =
  | { task: "sentiment"; run: SentimentRunConfig; checkpointEvery: number; maxSteps: number | null }
  | { task: "char"; run: CharRunConfig; checkpointEvery: number; maxSteps: number | null };

/** The sampling controls of text generation. */
export interface GenerateRequest {
  start: string;
  length: number;
  scale: number;
  temperature: number;
  topK: number;
  topP: number;
  seed: number;
}

/** Page → worker. Requests with an `id` get exactly one {@link Reply}. */
export type Request =
  | { type: "init"; id: number; /** The page's `?wasm-threads=`: whether tfjs may use its threaded wasm binary (see worker/wasm-threads.ts). */ wasmThreads: WasmThreadsMode }
  | { type: "train"; id: number; config: TrainConfig; source: Blob; sourceName: string }
  | { type: "resume"; id: number; task: Task }
  | { type: "stop"; id: number; task: Task }
  | { type: "predict"; id: number; text: string }
  | { type: "load-bundle"; id: number; task: Task; files?: File[]; url?: string }
  | { type: "export-bundle"; id: number; task: Task }
  | { type: "generate"; id: number; request: GenerateRequest }
  | { type: "stop-generation"; id: number }
  | { type: "digest"; id: number; task: Task };

/** What `init` answers. */
export interface InitInfo {
  report: BackendReport;
  reportText: string;
  /** `crossOriginIsolated` as the worker sees it. */
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  /** Why the app turned off something the engine would otherwise use, if it did. */
  adjustments: string[];
}

/** What a prepared data set looks like (shown before training starts). */
export type DataSummary =
  | {
      task: "sentiment";
      source: string;
      reviews: number;
      train: number;
      validation: number;
      test: number;
      vocabSize: number;
      /** SHA-256 of the encoder's JSON (`encoder.json` of a bundle): equal digests, equal vocabularies. */
      vocabularyDigest: string;
      batchesPerEpoch: number;
      paddingFraction: number;
      seconds: number;
    }
  | {
      task: "char";
      source: string;
      characters: number;
      distinct: number;
      sliced: boolean;
      trainCharacters: number;
      heldOutCharacters: number;
      batchesPerEpoch: number;
      seconds: number;
    };

/** Live training figures (posted at most every ~100 ms). */
export interface ProgressInfo {
  task: Task;
  epoch: number;
  epochs: number;
  batch: number;
  batchesPerEpoch: number | null;
  step: number;
  /** Steps the run will take at most (epochs × batches, or maxSteps). */
  totalSteps: number | null;
  loss: number;
  meanLoss: number;
  msPerStep: number;
  etaSeconds: number | null;
  /** Step of the last checkpoint written to IndexedDB, and how many were written this session. */
  checkpointStep: number | null;
  checkpointsSaved: number;
  /** Step the run resumed from (null for a fresh run). */
  resumedFrom: number | null;
}

/** What a finished run (or a loaded bundle) gives the page. */
export type ModelSummary =
  | {
      task: "sentiment";
      origin: "trained" | "bundle";
      history: EpochRecord[];
      steps: number;
      stopReason: string | null;
      test: BinaryClassificationMetrics | null;
      validation: BinaryClassificationMetrics | null;
      vocabSize: number;
      digest: string;
      description: string;
    }
  | {
      task: "char";
      origin: "trained" | "bundle";
      history: EpochRecord[];
      steps: number;
      stopReason: string | null;
      heldOut: LanguageModelEvaluation | null;
      vocabSize: number;
      digest: string;
      description: string;
    };

/** Worker → page. */
export type Event =
  | { type: "reply"; id: number; ok: true; value: unknown }
  | { type: "reply"; id: number; ok: false; error: string }
  | { type: "status"; task: Task; phase: "reading" | "preparing" | "training" | "evaluating" | "done" | "stopped" | "failed"; text: string; fraction?: number }
  | { type: "data"; summary: DataSummary }
  | { type: "progress"; progress: ProgressInfo; points: CurvePoint[] }
  | { type: "epoch"; task: Task; record: EpochRecord; point: CurvePoint }
  | { type: "model"; summary: ModelSummary }
  | { type: "generated"; id: number; text: string; done: boolean; count: number };
