import { ModelsError } from "../models-error";
import { checkBoolean, checkKnownKeys, checkNumber, checkOneOf } from "./option-checks";
import type { EpochRecord, NamedArray } from "./training-checkpoint";

/** The figures of an {@link EpochRecord} that early stopping can watch. */
export type EarlyStoppingMonitor = "val_loss" | "val_accuracy" | "loss" | "accuracy";

/** Early stopping options of `trainModel` (the names and meaning of `tf.callbacks.earlyStopping`'s). */
export interface EarlyStoppingOptions {
  /**
   * Figure watched at the end of each epoch. `val_*` needs a validation source.
   * @default "val_loss"
   */
  monitor?: EarlyStoppingMonitor;
  /**
   * Epochs without improvement before stopping (0 and 1 both stop at the first epoch that does not improve, as in
   * Keras).
   * @default 2 (Keras and tfjs: 0)
   */
  patience?: number;
  /**
   * Smallest change that counts as an improvement, ≥ 0.
   * @default 0
   */
  minDelta?: number;
  /**
   * Whether the figure should go down (`"min"`) or up (`"max"`); `"auto"`: up for accuracies, down for losses.
   * @default "auto"
   */
  mode?: "auto" | "min" | "max";
  /**
   * A value the figure must beat for an epoch to reset the patience count (Keras's `baseline`): when no epoch beats
   * it, training stops after `patience` epochs, and the best of them is still restored.
   * @default undefined (none)
   */
  baseline?: number;
  /**
   * Put back the weights of the best epoch when training ends (whether it stopped early or ran all its epochs).
   * @default true (Keras: false; tfjs: not implemented)
   */
  restoreBestWeights?: boolean;
}

/** Early stopping's state, kept in the training checkpoint. */
export interface EarlyStoppingState {
  /** The best epoch so far: its monitored value, 1-based number and (with `restoreBestWeights`) weights. */
  best: { value: number; epoch: number; weights: NamedArray[] } | null;
  /** Epochs counted against the patience since the last reset. */
  wait: number;
}

const MONITORS: readonly EarlyStoppingMonitor[] = ["val_loss", "val_accuracy", "loss", "accuracy"];
const KEYS: Record<keyof EarlyStoppingOptions, true> = {
  monitor: true,
  patience: true,
  minDelta: true,
  mode: true,
  baseline: true,
  restoreBestWeights: true,
};

/**
 * Keras's `EarlyStopping` callback as a state machine over epoch records, with its state in the training
 * checkpoint so that a resumed run stops where an uninterrupted one would.
 *
 * Matches Keras 3 (`keras.callbacks.EarlyStopping`): an epoch improves when its value beats the best by more than
 * `minDelta` (`value + minDelta < best` for `"min"`, `value − minDelta > best` for `"max"`, in that order of operations; the first epoch always
 * improves); every epoch adds one to the wait, an improvement that also beats `baseline` (if set) resets it to 0;
 * an epoch that does not improve stops training once the wait reaches `patience`, never the first epoch of the run;
 * the best epoch's weights are put back when training ends, stopped early or not.
 *
 * Differs: defaults `patience` 2 and `restoreBestWeights` true (Keras 0 and false, the chapter's settings here);
 * `monitor` is one of the four figures of an epoch record, and a misspelt one is an error (Keras warns and never
 * stops; tfjs watches nothing); a negative `minDelta` is an error (Keras and tfjs use its absolute value); a
 * missing or NaN monitored value is an error (Keras skips the epoch); the state lives across resumed calls, where
 * Keras resets it at every `fit`; no `verbose` or `startFromEpoch`. Against tfjs's `tf.callbacks.earlyStopping`:
 * tfjs starts from `baseline` as the best value and may stop on the first epoch, and cannot restore weights.
 *
 * @internal
 */
export class EarlyStopping {
  readonly monitor: EarlyStoppingMonitor;
  readonly patience: number;
  readonly minDelta: number;
  readonly mode: "min" | "max";
  readonly baseline: number | undefined;
  readonly restoreBestWeights: boolean;

  /**
   * @throws {TypeError} for an unknown option or a value of the wrong type.
   * @throws {RangeError} for an unknown monitor or mode, a patience that is not an integer ≥ 0, a `minDelta` that is
   *   not a finite number ≥ 0, a baseline that is not finite.
   */
  constructor(options: EarlyStoppingOptions = {}) {
    checkKnownKeys(options, Object.keys(KEYS), "earlyStopping");
    this.monitor = options.monitor === undefined ? "val_loss" : checkOneOf("earlyStopping.monitor", options.monitor, MONITORS);
    this.patience = options.patience === undefined ? 2 : checkNumber("earlyStopping.patience", options.patience, { integer: true, min: 0 });
    this.minDelta = options.minDelta === undefined ? 0 : checkNumber("earlyStopping.minDelta", options.minDelta, { min: 0 });
    const mode = options.mode === undefined ? "auto" : checkOneOf("earlyStopping.mode", options.mode, ["auto", "min", "max"] as const);
    this.mode = mode === "auto" ? (this.monitor.endsWith("accuracy") ? "max" : "min") : mode;
    this.baseline = options.baseline === undefined ? undefined : checkNumber("earlyStopping.baseline", options.baseline);
    this.restoreBestWeights =
      options.restoreBestWeights === undefined ? true : checkBoolean("earlyStopping.restoreBestWeights", options.restoreBestWeights);
  }

  /** Whether the monitored figure needs a validation source. */
  get needsValidation(): boolean {
    return this.monitor.startsWith("val_");
  }

  /**
   * The monitored figure of an epoch record.
   *
   * @throws {ModelsError} `INVALID_ARGUMENT` when the record lacks it; `NON_FINITE_LOSS` when it is NaN or infinite.
   */
  valueOf(record: EpochRecord): number {
    const value = { val_loss: record.valLoss, val_accuracy: record.valAccuracy, loss: record.loss, accuracy: record.accuracy }[this.monitor];
    if (value === undefined) {
      throw new ModelsError("INVALID_ARGUMENT", `expected epoch ${record.epoch} to record ${this.monitor} for early stopping, got nothing (no validation source?)`);
    }
    if (!Number.isFinite(value)) {
      throw new ModelsError("NON_FINITE_LOSS", `epoch ${record.epoch}: ${this.monitor} is ${value}, so early stopping cannot compare it (NaN or infinite values in the data?)`, {
        details: { epoch: record.epoch },
      });
    }
    return value;
  }

  /**
   * Takes an epoch's record into `state` (changed in place): the best epoch, its weights (read through `weights`
   * only when needed) and the wait.
   *
   * @returns whether the epoch improved, and whether training should stop after it.
   */
  update(state: EarlyStoppingState, record: EpochRecord, weights: () => NamedArray[]): { improved: boolean; stop: boolean } {
    const value = this.valueOf(record);
    state.wait++;
    if (state.best === null || this.improves(value, state.best.value)) {
      state.best = { value, epoch: record.epoch, weights: this.restoreBestWeights ? weights() : [] };
      if (this.baseline === undefined || this.improves(value, this.baseline)) state.wait = 0;
      return { improved: true, stop: false };
    }
    return { improved: false, stop: state.wait >= this.patience && record.epoch > 1 };
  }

  // Keras's arithmetic (`monitor_op(value - min_delta, reference)`, min_delta negated for "min"), so ties at the
  // edge of minDelta round the same way
  private improves(value: number, reference: number): boolean {
    return this.mode === "min" ? value + this.minDelta < reference : value - this.minDelta > reference;
  }
}
