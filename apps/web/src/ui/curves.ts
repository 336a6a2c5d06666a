import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { CurvePoint } from "../protocol";

/** Most training-loss points drawn; longer runs are thinned (the smoothed curve still uses every step). */
const MAX_STEP_POINTS = 3_000;

/** What the empty charts say: before any training, and when the model shown came from a bundle. */
const EMPTY_TEXT = {
  fresh: { loss: "The loss of every step appears here once training starts.", accuracy: "Accuracy appears here at the end of each epoch." },
  bundle: { loss: "The model shown was loaded from a bundle, which carries no training curves.", accuracy: "No per-epoch figures: the model was loaded from a bundle." },
} as const;

/**
 * The live training view's two charts (uPlot): loss per step (raw and a trailing mean) with the per-epoch training and
 * validation losses, and per-epoch training and validation accuracy. The x axis is in epochs (step ÷ batches per
 * epoch). Redraws at most once per animation frame.
 */
export class TrainingCurves {
  private readonly loss: uPlot;
  private readonly accuracy: uPlot;
  private points: CurvePoint[] = [];
  private batchesPerEpoch = 1;
  private scheduled = false;
  /** What the charts say while they have nothing to show (centred over each chart). */
  private readonly notes: { loss: HTMLElement; accuracy: HTMLElement };
  private emptyText: { loss: string; accuracy: string } = EMPTY_TEXT.fresh;

  constructor(lossTarget: HTMLElement, accuracyTarget: HTMLElement, options: { lossLabel: string; accuracyLabel: string }) {
    const size = (el: HTMLElement) => ({ width: Math.max(240, el.clientWidth), height: 200 });
    const axes = (y: string): uPlot.Axis[] => [{ label: "epoch", size: 40 }, { label: y, size: 50 }];
    this.loss = new uPlot(
      {
        ...size(lossTarget),
        title: options.lossLabel,
        legend: { live: false },
        scales: { x: { time: false } },
        axes: axes("loss"),
        series: [
          { label: "epoch" },
          { label: "batch", stroke: "rgba(36,99,235,0.28)", width: 1, points: { show: false } },
          { label: "smoothed", stroke: "#2463eb", width: 2, points: { show: false } },
          { label: "train (epoch)", stroke: "#0f766e", width: 0, points: { show: true, size: 7, fill: "#0f766e" }, spanGaps: true },
          { label: "validation", stroke: "#c2410c", width: 2, points: { show: true, size: 7, fill: "#c2410c" }, spanGaps: true },
        ],
      },
      [[], [], [], [], []],
      lossTarget,
    );
    this.accuracy = new uPlot(
      {
        ...size(accuracyTarget),
        title: options.accuracyLabel,
        legend: { live: false },
        scales: { x: { time: false }, y: { range: (_u, min, max) => [Math.min(min, 0.45), Math.max(max, 1)] as [number, number] } },
        axes: axes("accuracy"),
        series: [
          { label: "epoch" },
          { label: "train", stroke: "#0f766e", width: 2, points: { show: true, size: 7, fill: "#0f766e" }, spanGaps: true },
          { label: "validation", stroke: "#c2410c", width: 2, points: { show: true, size: 7, fill: "#c2410c" }, spanGaps: true },
        ],
      },
      [[], [], []],
      accuracyTarget,
    );
    const note = (target: HTMLElement) => {
      const el = document.createElement("p");
      el.className = "chart-note";
      target.append(el);
      return el;
    };
    this.notes = { loss: note(lossTarget), accuracy: note(accuracyTarget) };
    this.showNotes(0, 0);
    new ResizeObserver(() => {
      this.loss.setSize(size(lossTarget));
      this.accuracy.setSize(size(accuracyTarget));
    }).observe(lossTarget);
  }

  /** Starts over (a new run) with the run's points so far (a resumed run's stored curve). */
  reset(points: readonly CurvePoint[], batchesPerEpoch: number | null): void {
    this.points = [...points];
    this.batchesPerEpoch = batchesPerEpoch ?? 1;
    this.emptyText = EMPTY_TEXT.fresh;
    this.schedule();
  }

  /** Empties the charts because the model now shown was loaded from a bundle, which carries no curves, and says so. */
  showBundle(): void {
    this.points = [];
    this.emptyText = EMPTY_TEXT.bundle;
    this.schedule();
  }

  private showNotes(steps: number, epochs: number): void {
    const { loss, accuracy } = this.emptyText;
    this.notes.loss.textContent = steps === 0 && epochs === 0 ? loss : "";
    this.notes.accuracy.textContent = epochs === 0 ? accuracy : "";
    this.notes.loss.hidden = this.notes.loss.textContent === "";
    this.notes.accuracy.hidden = this.notes.accuracy.textContent === "";
  }

  /** Adds points (training loss per step; per-epoch points carry accuracy and validation figures). */
  add(points: readonly CurvePoint[], batchesPerEpoch: number | null): void {
    if (batchesPerEpoch !== null) this.batchesPerEpoch = batchesPerEpoch;
    for (const p of points) this.points.push(p);
    if (points.length > 0) this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.draw();
    });
  }

  private draw(): void {
    const steps = this.points.filter((p) => p.accuracy === undefined);
    const epochs = this.points.filter((p) => p.accuracy !== undefined);
    this.showNotes(steps.length, epochs.length);
    // a resumed run replays the steps after its checkpoint: keep the last value of each step
    const byStep = new Map<number, number>();
    for (const p of steps) byStep.set(p.step, p.loss);
    const ordered = [...byStep].sort((a, b) => a[0] - b[0]);
    const every = Math.max(1, Math.ceil(ordered.length / MAX_STEP_POINTS));
    const rows = new Map<number, (number | null)[]>();
    // "smoothed": the mean of the last k steps, k growing with the run (1 for the first 20 steps, 50 at most),
    // so a short run's curve follows its steps and a long one's shows the trend
    const k = Math.max(1, Math.min(50, Math.round(ordered.length / 20)));
    let windowSum = 0;
    ordered.forEach(([step, loss], i) => {
      windowSum += loss - (i >= k ? (ordered[i - k] as [number, number])[1] : 0);
      const smoothed = windowSum / Math.min(i + 1, k);
      if (i % every === 0 || i === ordered.length - 1) rows.set(step, [loss, smoothed, null, null]);
    });
    const accuracyRows = new Map<number, (number | null)[]>();
    for (const p of epochs) {
      const row = rows.get(p.step) ?? [null, null, null, null];
      row[2] = p.loss;
      row[3] = p.valLoss ?? null;
      rows.set(p.step, row);
      accuracyRows.set(p.step, [p.accuracy ?? null, p.valAccuracy ?? null]);
    }
    const x = [...rows.keys()].sort((a, b) => a - b);
    const column = (k: number) => x.map((s) => (rows.get(s) as (number | null)[])[k] ?? null);
    this.loss.setData([x.map((s) => s / this.batchesPerEpoch), column(0), column(1), column(2), column(3)]);
    const ax = [...accuracyRows.keys()].sort((a, b) => a - b);
    this.accuracy.setData([
      ax.map((s) => s / this.batchesPerEpoch),
      ax.map((s) => (accuracyRows.get(s) as (number | null)[])[0] ?? null),
      ax.map((s) => (accuracyRows.get(s) as (number | null)[])[1] ?? null),
    ]);
  }
}
