import { ModelsError } from "../models-error";
import { checkKnownKeys, checkNumber } from "./option-checks";

/** When `trainModel` calls a run diverged (`divergence` option; `false` switches the check off). */
export interface DivergenceOptions {
  /**
   * The run starts diverging when the loss (averaged over about 10 steps) rises above this many times its lowest
   * level so far (the lowest average over about 100 steps), and stops when it falls back to √factor times that
   * level. A finite number > 1.
   * @default 5
   */
  factor?: number;
  /**
   * Consecutive diverging steps after which the run stops with `DIVERGED`. An integer ≥ 1.
   * @default 50
   */
  patience?: number;
}

/** The divergence monitor's state, kept in the training checkpoint. */
export interface DivergenceState {
  /** Losses seen. */
  steps: number;
  /** Moving average of the loss over about 10 steps (decay 0.9), not bias-corrected (0 before the first step). */
  fast: number;
  /** Moving average of the loss over about 100 steps (decay 0.99), not bias-corrected. */
  slow: number;
  /** Lowest bias-corrected slow average so far: the level the loss is compared with (`null` before the first step). */
  lowest: number | null;
  /** Consecutive steps, up to the last one, the run has been diverging (0: it is not). */
  over: number;
}

const KEYS: Record<keyof DivergenceOptions, true> = { factor: true, patience: true };
const FAST = 0.9;
const SLOW = 0.99;

/**
 * Watches the training loss for divergence that stays finite: a learning rate so high that the weights land where
 * the loss is flat and large trains on to garbage without ever producing a NaN. The case that prompted it: a binary
 * classifier thrown into saturation by a learning rate of 1e9 has a loss of about 8 (half its answers wrong at the
 * clipped cross-entropy's 16.1), 11 to 12 times its starting 0.69.
 *
 * The loss of every step goes into two moving averages, bias-corrected as Adam's moments: a fast one (decay 0.9,
 * about 10 steps), the loss now, and a slow one (decay 0.99, about 100 steps), whose lowest value so far is the
 * level the run has reached. The run starts diverging when the fast average rises above `factor` times that
 * level, stops diverging when it falls back to `√factor` times the level or below (so a loss hovering about the
 * limit does not restart the count), and has diverged after `patience` diverging steps in a row. The level is a
 * slow average so that a lucky stretch of easy batches late in training does not set a floor that ordinary batches
 * are then 5 times above.
 *
 * `trainModel` writes no checkpoint while the run is diverging, nor one whose weights have a loss beyond
 * `√factor` times the level on the next batch (see {@link accepts}), so the store keeps the last good one. A loss that rises by design (a
 * curriculum, a warm restart) trips it: set `divergence: false` there.
 *
 * @internal
 */
export class DivergenceMonitor {
  readonly factor: number;
  readonly patience: number;

  /**
   * @throws {TypeError} for an unknown option or a value of the wrong type.
   * @throws {RangeError} for a factor that is not a finite number > 1 or a patience that is not an integer ≥ 1.
   */
  constructor(options: DivergenceOptions = {}) {
    checkKnownKeys(options, Object.keys(KEYS), "divergence");
    this.factor = options.factor === undefined ? 5 : checkNumber("divergence.factor", options.factor, { above: 1 });
    this.patience = options.patience === undefined ? 50 : checkNumber("divergence.patience", options.patience, { integer: true, min: 1 });
  }

  /** The state before the first step. */
  static initial(): DivergenceState {
    return { steps: 0, fast: 0, slow: 0, lowest: null, over: 0 };
  }

  /** The bias-corrected fast average of the state: the loss now (NaN before the first step). */
  static smoothed(state: DivergenceState): number {
    return state.steps === 0 ? Number.NaN : state.fast / (1 - FAST ** state.steps);
  }

  /** The state after one more step's loss (a new object; `state` is not changed). */
  observe(state: DivergenceState, loss: number): DivergenceState {
    const steps = state.steps + 1;
    const fast = FAST * state.fast + (1 - FAST) * loss;
    const slow = SLOW * state.slow + (1 - SLOW) * loss;
    const level = slow / (1 - SLOW ** steps);
    const lowest = state.lowest === null ? level : Math.min(state.lowest, level);
    const now = fast / (1 - FAST ** steps);
    const diverging = now > (state.over > 0 ? Math.sqrt(this.factor) : this.factor) * lowest;
    return { steps, fast, slow, lowest, over: diverging ? state.over + 1 : 0 };
  }

  /** Whether the run is diverging now. */
  diverging(state: DivergenceState): boolean {
    return state.over > 0;
  }

  /** Whether the run has been diverging for `patience` steps: time to stop with {@link diverged}. */
  exhausted(state: DivergenceState): boolean {
    return state.over >= this.patience;
  }

  /**
   * Whether weights whose loss on a batch they were not trained on is `loss` may be kept: the run is not
   * diverging, the loss is finite and at most `√factor` times the lowest level (`"checkpoint"`: the limit at which
   * a diverging run counts as recovered; a checkpoint refused now is written at a later step) or `factor` times it
   * (`"end"`: the weights a finished run returns, checked once on a batch seen one step earlier). Before the first
   * step every finite loss is.
   */
  accepts(state: DivergenceState, loss: number, use: "checkpoint" | "end"): boolean {
    if (this.diverging(state) || !Number.isFinite(loss)) return false;
    return state.lowest === null || loss <= (use === "checkpoint" ? Math.sqrt(this.factor) : this.factor) * state.lowest;
  }

  /**
   * The `DIVERGED` error for a run that is diverging at `step`, or whose final weights `trainModel` would not
   * accept (`probeLoss`: their loss on a batch they were not trained on).
   *
   * @param kept what the checkpoint store holds, for the message ("the checkpoint of step 200 was kept").
   */
  diverged(state: DivergenceState, step: number, kept: string, checkpointStep: number | null, probeLoss?: number): ModelsError {
    const limit = `${this.factor} × its lowest level ${format(state.lowest ?? Number.NaN)}`;
    const what =
      state.over === 0 && probeLoss !== undefined
        ? `the run ended with weights whose loss on a batch is ${format(probeLoss)}, above ${limit}`
        : `the loss (moving average ${format(DivergenceMonitor.smoothed(state))}) has been above ${limit} ` +
          (state.over >= this.patience ? `for ${state.over} steps` : `for the last ${state.over} steps when the run ended`);
    return new ModelsError(
      "DIVERGED",
      `training diverged at step ${step}: ${what}; ${kept}. Lower the learning rate or set clipNorm (or change the divergence option)`,
      { details: { step, checkpointWritten: false, checkpointStep } },
    );
  }
}

function format(x: number): string {
  return Number.isFinite(x) && Math.abs(x) < 1e6 ? x.toPrecision(4) : String(x);
}
