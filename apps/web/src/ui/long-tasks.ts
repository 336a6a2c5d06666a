/** One main-thread task longer than 50 ms, as the Long Tasks API reports it. */
export interface LongTask {
  startTime: number;
  duration: number;
  /** Whether a training run was going on while it ran. */
  duringTraining: boolean;
}

/**
 * Watches the main thread with a `PerformanceObserver` for `longtask` entries (tasks over 50 ms) and keeps them,
 * marking those that overlap a training run (between {@link LongTaskMonitor.trainingStarted} and
 * {@link LongTaskMonitor.trainingEnded}).
 */
export class LongTaskMonitor {
  readonly tasks: LongTask[] = [];
  /** [start, end] of each training run in `performance.now()` time; end is null while it runs. */
  readonly trainingWindows: [number, number | null][] = [];
  /**
   * Long animation frames (over 50 ms) while training, with the scripts Chrome attributes them to (the
   * `long-animation-frame` entry type, where supported): what to look at when a long task shows up.
   */
  readonly longFrames: { startTime: number; duration: number; blockingDuration: number; scripts: string[] }[] = [];
  readonly supported: boolean;
  private readonly listeners = new Set<() => void>();

  constructor() {
    this.supported = typeof PerformanceObserver !== "undefined" && PerformanceObserver.supportedEntryTypes.includes("longtask");
    if (!this.supported) return;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const end = entry.startTime + entry.duration;
        const duringTraining = this.trainingWindows.some(([a, b]) => entry.startTime < (b ?? Number.POSITIVE_INFINITY) && end > a);
        this.tasks.push({ startTime: entry.startTime, duration: entry.duration, duringTraining });
      }
      for (const listener of this.listeners) listener();
    }).observe({ type: "longtask", buffered: true });
    if (PerformanceObserver.supportedEntryTypes.includes("long-animation-frame")) {
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries() as (PerformanceEntry & { blockingDuration?: number; scripts?: { duration: number; invoker: string; sourceFunctionName: string; sourceURL: string }[] })[]) {
          if (!this.trainingWindows.some(([a, b]) => entry.startTime < (b ?? Number.POSITIVE_INFINITY) && entry.startTime + entry.duration > a)) continue;
          this.longFrames.push({
            startTime: entry.startTime,
            duration: entry.duration,
            blockingDuration: entry.blockingDuration ?? 0,
            scripts: (entry.scripts ?? []).map((s) => `${Math.round(s.duration)} ms ${s.invoker} ${s.sourceFunctionName}@${s.sourceURL.slice(s.sourceURL.lastIndexOf("/") + 1)}`),
          });
        }
      }).observe({ type: "long-animation-frame", buffered: true });
    }
  }

  trainingStarted(): void {
    if (this.trainingWindows.at(-1)?.[1] === null) return;
    this.trainingWindows.push([performance.now(), null]);
  }

  trainingEnded(): void {
    const last = this.trainingWindows.at(-1);
    if (last !== undefined && last[1] === null) last[1] = performance.now();
  }

  /** The longest task while training ran, in ms (0 when none was over 50 ms). */
  longestDuringTraining(): number {
    return this.tasks.filter((t) => t.duringTraining).reduce((m, t) => Math.max(m, t.duration), 0);
  }

  onChange(listener: () => void): void {
    this.listeners.add(listener);
  }
}
