import cliProgress from "cli-progress";
import type { TrainingProgress } from "@recurrent/models";
import { cliSession } from "./cli-session";

/** A started progress bar; `stop()` is idempotent. */
export interface ProgressBar {
  update(value: number): void;
  increment(): void;
  stop(): void;
}

/**
 * A cli-progress bar that is stopped whatever happens: it registers with the {@link cliSession}, whose end (normal,
 * error, or forced exit on a signal) stops it, so its timer never keeps a failed command alive.
 *
 * @param format cli-progress format, e.g. `"evaluate |{bar}| {value}/{total} batches | ETA {eta_formatted}"`.
 * @example
 * const bar = progressBar("evaluate |{bar}| {value}/{total} batches", batches.length);
 * try { for (const b of batches) { ...; bar.increment(); } } finally { bar.stop(); }
 */
export function progressBar(format: string, total: number, start = 0): ProgressBar {
  const bar = new cliProgress.SingleBar({ format, noTTYOutput: true, notTTYSchedule: 15_000, hideCursor: true }, cliProgress.Presets.shades_classic);
  let running = true;
  const stop = () => {
    if (!running) return;
    running = false;
    forget();
    bar.stop();
  };
  const forget = cliSession().onCleanup({ sync: stop });
  bar.start(total, start);
  return {
    update: (value) => running && bar.update(value),
    increment: () => running && bar.increment(),
    stop,
  };
}

/** A terminal progress bar for training (cli-progress), one bar per epoch; stopped with the {@link cliSession} too. */
export function trainingProgressBar(): { update(p: TrainingProgress): void; stop(): void } {
  const bar = new cliProgress.SingleBar(
    {
      format:
        "epoch {epoch} |{bar}| {value}/{total} batches | loss {loss} | {bps} batch/s | {tps} tok/s | {msps} ms/step | ETA {eta_all}",
      hideCursor: true,
      noTTYOutput: true,
      notTTYSchedule: 15_000,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let epoch = -1;
  const stop = () => {
    if (epoch !== -1) bar.stop();
    epoch = -1;
  };
  const forget = cliSession().onCleanup({ sync: stop });
  return {
    update(p) {
      const payload = {
        epoch: `${p.epoch}/${p.epochs}`,
        loss: p.meanLoss.toFixed(4),
        bps: p.batchesPerSecond.toFixed(2),
        tps: Math.round(p.tokensPerSecond).toLocaleString("en-US"),
        msps: Math.round(1000 / p.batchesPerSecond).toLocaleString("en-US"),
        eta_all: p.etaSeconds === null ? "?" : formatSeconds(p.etaSeconds),
      };
      if (p.epoch !== epoch) {
        if (epoch !== -1) bar.stop();
        epoch = p.epoch;
        bar.start(p.batchesPerEpoch ?? p.batch, p.batch, payload);
      } else {
        bar.update(p.batch, payload);
      }
    },
    stop() {
      stop();
      forget();
    },
  };
}

/**
 * Formats a duration the way the progress lines show it: `1h05m`, `4m21s`, `9s`.
 *
 * @example
 * formatSeconds(261) // "4m21s"
 */
export function formatSeconds(s: number): string {
  const t = Math.round(s);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = t % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, "0")}m` : m > 0 ? `${m}m${String(sec).padStart(2, "0")}s` : `${sec}s`;
}
