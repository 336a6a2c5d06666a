import { ModelsError } from "../models-error";
import { DivergenceMonitor, type DivergenceState } from "./divergence-monitor";

/** One named array of a checkpoint (a model or optimizer weight). */
export interface NamedArray {
  name: string;
  shape: number[];
  data: Float32Array | Int32Array;
}

/** Per-epoch figures recorded by {@link trainModel}. */
export interface EpochRecord {
  /** 1-based epoch number. */
  epoch: number;
  /** Mean training loss over the epoch's batches. */
  loss: number;
  /** Training accuracy (per example, or per character for a language model). */
  accuracy: number;
  /** Validation loss, when a validation source was given. */
  valLoss?: number;
  /** Validation accuracy, when a validation source was given. */
  valAccuracy?: number;
  /** Wall time of the epoch (training, validation and checkpoints), in seconds, summed over the sessions it took. */
  seconds: number;
  /**
   * Time spent in the epoch's optimizer steps (forward, backward, update and its checks), in seconds, summed over
   * sessions: `1000 * stepSeconds / batches` is its milliseconds per step. `trainModel` always records it (0 for
   * epochs of checkpoints written before it did); optional so that records built elsewhere keep their type.
   */
  stepSeconds?: number;
  /** Optimizer steps in the epoch. */
  batches: number;
  /** Sequence positions processed in the epoch (batch × time, summed). */
  tokens: number;
}

/**
 * Everything needed to continue a training run exactly where it stopped:
 * model and optimizer weights, the position in the current epoch, the
 * history and the early-stopping state.
 */
export interface TrainingCheckpoint {
  /** Index (0-based) of the epoch in progress, or of the next one when `batchesDone` is 0. */
  epoch: number;
  /** Batches of `epoch` already trained (skipped on resume). */
  batchesDone: number;
  /** Total optimizer steps so far. */
  step: number;
  /** Running sums of the epoch in progress (`seconds` and `stepSeconds` as in {@link EpochRecord}). */
  partial: { lossSum: number; sequences: number; correct: number; examples: number; tokens: number; seconds: number; stepSeconds: number };
  history: EpochRecord[];
  /** Early-stopping state. */
  best: { value: number; epoch: number; weights: NamedArray[] } | null;
  /** Epochs since the best one. */
  wait: number;
  /** True when the run finished (all epochs, or stopped early). */
  finished: boolean;
  /** Why it finished, when it did. */
  stopReason: "epochs" | "early-stopping" | "max-steps" | null;
  /** The model's weights after the last step (with early stopping: not the best epoch's, which are in `best`). */
  weights: NamedArray[];
  optimizer: NamedArray[];
  /** The divergence monitor's state (see `trainModel`'s `divergence` option). */
  divergence: DivergenceState;
}

const MAGIC = "RCKPT1\n";
const FORMAT_VERSION = 1;

/**
 * Serializes a checkpoint to bytes: a magic line, a little-endian uint32
 * header length, a JSON header, then every array's bytes (4-byte aligned).
 *
 * @example
 * const bytes = encodeCheckpoint(checkpoint);
 */
export function encodeCheckpoint(checkpoint: TrainingCheckpoint): Uint8Array {
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const describe = (arrays: NamedArray[]) =>
    arrays.map((a) => {
      const entry = { name: a.name, shape: a.shape, dtype: a.data instanceof Int32Array ? "int32" : "float32", offset, length: a.data.length };
      chunks.push(new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength));
      offset += a.data.byteLength;
      return entry;
    });
  const header = {
    formatVersion: FORMAT_VERSION,
    ...checkpoint,
    weights: describe(checkpoint.weights),
    optimizer: describe(checkpoint.optimizer),
    best: checkpoint.best === null ? null : { ...checkpoint.best, weights: describe(checkpoint.best.weights) },
  };
  const magic = new TextEncoder().encode(MAGIC);
  let json = new TextEncoder().encode(JSON.stringify(header));
  // pad the JSON with spaces so the data starts 4-byte aligned
  const unpadded = magic.length + 4 + json.length;
  const pad = (4 - (unpadded % 4)) % 4;
  if (pad > 0) {
    const padded = new Uint8Array(json.length + pad).fill(0x20);
    padded.set(json);
    json = padded;
  }
  const out = new Uint8Array(magic.length + 4 + json.length + offset);
  out.set(magic, 0);
  new DataView(out.buffer).setUint32(magic.length, json.length, true);
  out.set(json, magic.length + 4);
  let p = magic.length + 4 + json.length;
  for (const c of chunks) {
    out.set(c, p);
    p += c.length;
  }
  return out;
}

/**
 * Parses bytes written by {@link encodeCheckpoint}.
 *
 * @throws {ModelsError} `CHECKPOINT_MALFORMED` when the bytes are not a checkpoint of this format version, or are truncated.
 * @example
 * const checkpoint = decodeCheckpoint(bytes);
 */
export function decodeCheckpoint(bytes: Uint8Array): TrainingCheckpoint {
  const magic = new TextEncoder().encode(MAGIC);
  const fail = (why: string): never => {
    throw new ModelsError("CHECKPOINT_MALFORMED", `not a readable training checkpoint: ${why}`);
  };
  if (bytes.length < magic.length + 4 || magic.some((b, i) => bytes[i] !== b)) {
    fail(`expected it to start with ${JSON.stringify(MAGIC)}, got ${bytes.length} bytes of something else`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(magic.length, true);
  const dataStart = magic.length + 4 + headerLength;
  if (dataStart > bytes.length) fail(`header of ${headerLength} bytes runs past the end (${bytes.length} bytes)`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(magic.length + 4, dataStart))) as Record<string, unknown>;
  } catch (error) {
    throw new ModelsError("CHECKPOINT_MALFORMED", "not a readable training checkpoint: its header is not JSON", { cause: error });
  }
  if (header.formatVersion !== FORMAT_VERSION) {
    fail(`expected format version ${FORMAT_VERSION}, got ${JSON.stringify(header.formatVersion)}`);
  }
  const data = bytes.subarray(dataStart);
  const read = (entries: unknown): NamedArray[] => {
    if (!Array.isArray(entries)) return fail("array list missing");
    return entries.map((e: { name: string; shape: number[]; dtype: string; offset: number; length: number }) => {
      const byteLength = e.length * 4;
      if (e.offset + byteLength > data.length) {
        fail(`array ${e.name} needs bytes ${e.offset}..${e.offset + byteLength}, the file has ${data.length} (truncated?)`);
      }
      const copy = data.slice(e.offset, e.offset + byteLength);
      const arr = e.dtype === "int32" ? new Int32Array(copy.buffer) : new Float32Array(copy.buffer);
      if (arr instanceof Float32Array) {
        const bad = arr.findIndex((x) => !Number.isFinite(x));
        if (bad >= 0) fail(`array ${e.name} holds ${arr[bad]} at index ${bad} (training never saves non-finite values)`);
      }
      return { name: e.name, shape: e.shape, data: arr };
    });
  };
  const best = header.best as { value: number; epoch: number; weights: unknown } | null;
  const { formatVersion: _v, ...rest } = header;
  const state = rest as unknown as TrainingCheckpoint;
  if (typeof state.partial !== "object" || state.partial === null || !Array.isArray(state.history)) {
    fail("its header lacks the progress of the run (partial, history)");
  }
  // fields added after the first checkpoints were written
  return {
    ...state,
    partial: { ...state.partial, stepSeconds: state.partial.stepSeconds ?? 0 },
    history: state.history.map((r) => ({ ...r, stepSeconds: r.stepSeconds ?? 0 })),
    divergence: state.divergence ?? DivergenceMonitor.initial(),
    weights: read(header.weights),
    optimizer: read(header.optimizer),
    best: best === null || best === undefined ? null : { value: best.value, epoch: best.epoch, weights: read(best.weights) },
  };
}

/**
 * Where {@link trainModel} keeps its checkpoint. `save` must replace the
 * previous checkpoint atomically (a crash leaves either the old or the new
 * one); `load` returns `null` when there is none yet. The Node
 * implementation is `FileCheckpointStore` from `@recurrent/models/node`.
 */
export interface CheckpointStore {
  load(): Promise<Uint8Array | null>;
  save(bytes: Uint8Array): Promise<void>;
}

/**
 * A checkpoint store in memory (tests, browsers, or runs that only need to
 * survive an exception within one process).
 *
 * @example
 * const store = memoryCheckpointStore();
 * await trainModel(model, { ..., checkpoint: store });
 */
export function memoryCheckpointStore(): CheckpointStore & { bytes: Uint8Array | null } {
  const store = {
    bytes: null as Uint8Array | null,
    async load() {
      return store.bytes === null ? null : store.bytes.slice();
    },
    async save(bytes: Uint8Array) {
      store.bytes = bytes.slice();
    },
  };
  return store;
}
