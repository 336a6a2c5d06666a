import type * as tf from "@tensorflow/tfjs";
import { readOptimizerWeights, readWeights, restoreOptimizerWeights, restoreWeights } from "./read-weights";
import { decodeCheckpoint, encodeCheckpoint, type CheckpointStore, type TrainingCheckpoint } from "./training-checkpoint";

/**
 * The training loop's side of a {@link CheckpointStore}: loads a checkpoint into the model and optimizer, writes the
 * run's state with their current values, and remembers which step the store holds, so that errors can say what
 * was kept. Without a store it writes nothing and says so.
 *
 * @internal
 */
export class CheckpointKeeper {
  private stored: number | null = null;
  private writes = 0;

  constructor(
    private readonly model: tf.LayersModel,
    private readonly optimizer: tf.Optimizer,
    private readonly store: CheckpointStore | undefined,
  ) {}

  /** Whether there is a store to write to. */
  get enabled(): boolean {
    return this.store !== undefined;
  }

  /** Step of the checkpoint the store holds (loaded or written here), `null` when none is known. */
  get storedStep(): number | null {
    return this.stored;
  }

  /** Checkpoints written by this keeper. */
  get written(): number {
    return this.writes;
  }

  /**
   * Reads the store's checkpoint, if any, and puts its weights and optimizer state into the model and optimizer.
   *
   * @throws {ModelsError} `CHECKPOINT_MALFORMED`, `CHECKPOINT_MISMATCH`.
   */
  async load(): Promise<TrainingCheckpoint | null> {
    if (this.store === undefined) return null;
    const bytes = await this.store.load();
    if (bytes === null) return null;
    const state = decodeCheckpoint(bytes);
    restoreWeights(this.model, state.weights, "checkpoint");
    await restoreOptimizerWeights(this.optimizer, state.optimizer);
    this.stored = state.step;
    return state;
  }

  /** Writes `state` with the model's and optimizer's current values (which it stores into `state`). */
  async write(state: TrainingCheckpoint): Promise<void> {
    if (this.store === undefined) return;
    state.weights = readWeights(this.model);
    state.optimizer = await readOptimizerWeights(this.optimizer);
    await this.store.save(encodeCheckpoint(state));
    this.stored = state.step;
    this.writes++;
  }

  /** What the store holds, for messages: "the checkpoint of step 120 was kept", and the like. */
  describeKept(): string {
    if (this.store === undefined) return "no checkpoint store was given, so nothing was saved";
    return this.stored === null ? "no checkpoint was written" : `the checkpoint of step ${this.stored} was kept`;
  }
}
