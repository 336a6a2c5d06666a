/**
 * One batch of integer sequences, as the training and evaluation loops take
 * it (typed arrays, not tensors: `@recurrent/text-prep` produces these).
 */
export interface TrainingBatch {
  /** Token or character ids, row-major `[batchSize, timeSteps]`, 0 = padding. */
  inputs: Int32Array;
  /** Number of sequences. */
  batchSize: number;
  /** Length of every sequence of this batch (batches may differ). */
  timeSteps: number;
  /**
   * Sentiment: labels 0 or 1, `[batchSize]` (`Float32Array` or `Int32Array`).
   * Language model: next-character ids, `Int32Array` `[batchSize, timeSteps]`.
   */
  targets: Float32Array | Int32Array;
}

/**
 * Produces the batches of one pass over a dataset. The loops call it once per
 * epoch with the epoch's index, so a source can shuffle differently (and
 * reproducibly) each epoch. Sync and async iterables are both accepted.
 */
export type BatchSource = (epoch: number) => Iterable<TrainingBatch> | AsyncIterable<TrainingBatch>;

/** What the model's output means, and so which loss and metrics apply. */
export type ModelTask = "binary-classification" | "language-model";

/** @internal checks a batch's shape and returns it. */
export function checkBatch(batch: TrainingBatch, task: ModelTask): TrainingBatch {
  const { inputs, batchSize, timeSteps, targets } = batch;
  if (!(inputs instanceof Int32Array)) {
    throw new TypeError(`expected batch.inputs to be an Int32Array, got ${describe(inputs)}`);
  }
  if (!Number.isInteger(batchSize) || batchSize <= 0 || !Number.isInteger(timeSteps) || timeSteps <= 0) {
    throw new RangeError(`expected positive integer batchSize and timeSteps, got ${batchSize} and ${timeSteps}`);
  }
  if (inputs.length !== batchSize * timeSteps) {
    throw new RangeError(
      `expected batch.inputs of length batchSize × timeSteps = ${batchSize * timeSteps}, got ${inputs.length}`,
    );
  }
  const expectedTargets = task === "binary-classification" ? batchSize : batchSize * timeSteps;
  if (!(targets instanceof Float32Array || targets instanceof Int32Array) || targets.length !== expectedTargets) {
    throw new RangeError(
      `expected batch.targets of length ${expectedTargets} (${task === "binary-classification" ? "[batch]" : "[batch, time]"}), got ${describe(targets)}`,
    );
  }
  return batch;
}

function describe(value: unknown): string {
  if (ArrayBuffer.isView(value)) return `${value.constructor.name} of length ${(value as Int32Array).length}`;
  return value === null ? "null" : typeof value;
}

/** @internal */
export async function* iterateBatches(
  source: Iterable<TrainingBatch> | AsyncIterable<TrainingBatch>,
): AsyncGenerator<TrainingBatch> {
  yield* source;
}
