/** A clock in milliseconds (`performance.now` by default). */
export type Clock = () => number;

/** Where a run stands, for {@link remainingSteps}. */
export interface RunPosition {
  /** 0-based epoch in progress. */
  epoch: number;
  /** Epochs the run will train. */
  epochs: number;
  /** Batches done in the epoch in progress. */
  batch: number;
  /** Batches per epoch, `null` when not known yet. */
  batchesPerEpoch: number | null;
  /** Optimizer steps done in total. */
  step: number;
  /** Step budget of the run (`Infinity` for none). */
  maxSteps: number;
}

/**
 * Steps left in the run: the rest of this epoch and the epochs after it, or fewer when `maxSteps` comes first;
 * `null` while the epoch length is unknown and there is no step budget. Early stopping can end a run sooner.
 *
 * @internal
 */
export function remainingSteps(p: RunPosition): number | null {
  const byBudget = Number.isFinite(p.maxSteps) ? Math.max(0, p.maxSteps - p.step) : null;
  if (p.batchesPerEpoch === null) return byBudget;
  const byEpochs = Math.max(0, p.batchesPerEpoch - p.batch) + Math.max(0, p.epochs - p.epoch - 1) * p.batchesPerEpoch;
  return byBudget === null ? byEpochs : Math.min(byEpochs, byBudget);
}

/**
 * Throughput of the steps trained in this process (batches and sequence positions per second) and the estimated
 * time to the end of the run. The rate is over the whole session so far, validation and checkpoints included, so
 * the estimate covers them too; steps a resumed run skipped do not count.
 *
 * @internal
 */
export class ThroughputMeter {
  private readonly start: number;
  private stepsDone = 0;
  private tokensDone = 0;

  constructor(private readonly clock: Clock = () => performance.now()) {
    this.start = clock();
  }

  /** Counts one step of `tokens` sequence positions (batch × time). */
  record(tokens: number): void {
    this.stepsDone++;
    this.tokensDone += tokens;
  }

  /** Steps recorded. */
  get steps(): number {
    return this.stepsDone;
  }

  /** Seconds since the meter started. */
  get seconds(): number {
    return (this.clock() - this.start) / 1000;
  }

  /** Steps per second (0 before the first step). */
  batchesPerSecond(): number {
    return this.stepsDone / Math.max(this.seconds, 1e-9);
  }

  /** Sequence positions per second. */
  tokensPerSecond(): number {
    return this.tokensDone / Math.max(this.seconds, 1e-9);
  }

  /** Seconds until `remaining` more steps are done at the session's rate; `null` if unknown or no step yet. */
  etaSeconds(remaining: number | null): number | null {
    if (remaining === null || this.stepsDone === 0) return null;
    return remaining === 0 ? 0 : remaining / this.batchesPerSecond();
  }
}
