import cliProgress from "cli-progress";
import type { TrainingProgress } from "@recurrent/models";

/** A terminal progress bar for training (cli-progress), one bar per epoch. */
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
      if (epoch !== -1) bar.stop();
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
