import type { SequenceBatch, TrainingBatch } from "@recurrent/text-prep";

export type { SequenceBatch, TrainingBatch };

/**
 * Produces the batches of one pass over a dataset. The loops call it once per
 * epoch with the epoch's index, so a source can shuffle differently (and
 * reproducibly) each epoch. Sync and async iterables are both accepted, and
 * `@recurrent/text-prep`'s batchers (`paddedBatches`, `bucketedBatches`,
 * `charChunkBatches`) produce exactly what it yields.
 *
 * @example
 * const train: BatchSource = (epoch) => bucketedBatches(sequences, { batchSize: 32, labels, seed: 1 + epoch });
 */
export type BatchSource = (epoch: number) => Iterable<TrainingBatch> | AsyncIterable<TrainingBatch>;

/** What the model's output means, and so which loss and metrics apply. */
export type ModelTask = "binary-classification" | "language-model";

/** What {@link checkBatch} can check a batch against, beyond its own shape. @internal */
export interface BatchExpectations {
  /** Language model: the number of classes of the output (targets must be ids below it). */
  vocabSize?: number | null;
}

/**
 * Checks a batch's shape and contents for a task and returns `[batchSize, timeSteps]`.
 *
 * - `inputs`: `Int32Array` of `batchSize × timeSteps` non-negative ids;
 * - `binary-classification`: `targets` of `batchSize` labels in [0, 1];
 * - `language-model`: `targets` of `batchSize × timeSteps` integer ids in [0, vocabSize).
 *
 * @throws {TypeError} When a field has the wrong type; {@link RangeError} when a shape or value is out of range;
 *   the message names the field, what was expected and what came.
 * @internal
 */
export function checkBatch(
  batch: SequenceBatch,
  task: ModelTask | null,
  expect: BatchExpectations = {},
): [batchSize: number, timeSteps: number] {
  if (batch === null || typeof batch !== "object") throw new TypeError(`expected a batch object, got ${describe(batch)}`);
  const { inputs, shape } = batch;
  if (!(inputs instanceof Int32Array)) throw new TypeError(`expected batch.inputs to be an Int32Array, got ${describe(inputs)}`);
  if (!Array.isArray(shape) || shape.length !== 2) {
    throw new TypeError(`expected batch.shape to be [batchSize, timeSteps], got ${describe(shape)}`);
  }
  const [batchSize, timeSteps] = shape;
  if (!Number.isInteger(batchSize) || batchSize <= 0 || !Number.isInteger(timeSteps) || timeSteps <= 0) {
    throw new RangeError(`expected batch.shape to hold positive integers [batchSize, timeSteps], got [${String(batchSize)}, ${String(timeSteps)}]`);
  }
  if (inputs.length !== batchSize * timeSteps) {
    throw new RangeError(`expected batch.inputs of length batchSize × timeSteps = ${batchSize * timeSteps}, got ${inputs.length}`);
  }
  for (let i = 0; i < inputs.length; i++) {
    if ((inputs[i] as number) < 0) throw new RangeError(`expected batch.inputs to hold ids >= 0, got ${inputs[i]} at index ${i}`);
  }
  if (task === null) return [batchSize, timeSteps];
  const { targets } = batch;
  const classification = task === "binary-classification";
  const expected = classification ? batchSize : batchSize * timeSteps;
  if (!(targets instanceof Float32Array || targets instanceof Int32Array) || targets.length !== expected) {
    throw new RangeError(
      `expected batch.targets of length ${expected} (${classification ? "[batchSize] labels" : "[batchSize, timeSteps] next ids"}), got ${describe(targets)}`,
    );
  }
  if (classification) {
    for (let i = 0; i < targets.length; i++) {
      const y = targets[i] as number;
      if (!(y >= 0 && y <= 1)) throw new RangeError(`expected binary labels in [0, 1], got ${y} at batch.targets[${i}]`);
    }
  } else {
    const vocab = expect.vocabSize ?? Number.POSITIVE_INFINITY;
    for (let i = 0; i < targets.length; i++) {
      const y = targets[i] as number;
      if (!(Number.isInteger(y) && y >= 0 && y < vocab)) {
        throw new RangeError(
          `expected next-id targets that are integers in [0, ${vocab}) (the model's output size), got ${y} at batch.targets[${i}]`,
        );
      }
    }
  }
  return [batchSize, timeSteps];
}

function describe(value: unknown): string {
  if (ArrayBuffer.isView(value)) return `${value.constructor.name} of length ${(value as Int32Array).length}`;
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  return value === null ? "null" : typeof value;
}

/** The size of the last axis of a model's (first) output: a language model's vocabulary. @internal */
export function outputSize(model: { outputs: readonly { shape: readonly (number | null)[] }[] }): number | null {
  const shape = model.outputs[0]?.shape;
  const last = shape?.[shape.length - 1];
  return typeof last === "number" ? last : null;
}

/** @internal */
export async function* iterateBatches<B>(source: Iterable<B> | AsyncIterable<B>): AsyncGenerator<B> {
  yield* source;
}
