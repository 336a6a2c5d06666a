/**
 * One batch of integer sequences: what every batcher of this package yields
 * (`paddedBatches`, `bucketedBatches`, `charChunkBatches`) and what the
 * training, evaluation and prediction loops of `@recurrent/models` take as is.
 *
 * Typed arrays with an explicit shape, no tensors: turn it into one with
 * `tf.tensor2d(batch.inputs, batch.shape, "int32")`.
 */
export interface SequenceBatch {
  /** Token or character ids, row-major, shape `[batchSize, timeSteps]`; padding cells hold the pad id (0 by default). */
  inputs: Int32Array;
  /** `[batchSize, timeSteps]`; `timeSteps` may differ from batch to batch. */
  shape: [batchSize: number, timeSteps: number];
  /** Shape `[batchSize]`: the unpadded length of each row (every row is full length where absent). */
  lengths?: Int32Array;
  /** Shape `[batchSize]`: each row's position in the batcher's input (sequences or chunks). */
  indices?: Int32Array;
  /**
   * What the model should predict for the batch, when known:
   * - sentiment (binary classification): one label per row, 0 or 1, shape `[batchSize]` (`Float32Array`);
   * - language model: the next id at every position, shape `[batchSize, timeSteps]` (`Int32Array`).
   */
  targets?: Float32Array | Int32Array;
}

/** A {@link SequenceBatch} whose `targets` are known: what training and evaluation take. */
export interface TrainingBatch extends SequenceBatch {
  /** See {@link SequenceBatch.targets}. */
  targets: Float32Array | Int32Array;
}
