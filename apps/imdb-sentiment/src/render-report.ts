import type { BinaryClassificationMetrics, EpochRecord } from "@recurrent/models";

/** What the HTML report shows. */
export interface ReportData {
  title: string;
  /** Key figures shown as a table (configuration, timings). */
  facts: Record<string, string | number | boolean | null>;
  history: EpochRecord[];
  bestEpoch: number | null;
  test: BinaryClassificationMetrics | null;
}

const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const fmt = (v: number, digits = 4) => (Number.isInteger(v) ? String(v) : v.toFixed(digits));

interface Series {
  name: string;
  color: string;
  values: (number | undefined)[];
}

/** An SVG line chart of per-epoch series (one point per epoch, missing values skipped). */
export function lineChart(title: string, series: Series[], epochs: number[]): string {
  const width = 480;
  const height = 260;
  const pad = { left: 56, right: 16, top: 28, bottom: 40 };
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== undefined && Number.isFinite(v)));
  if (all.length === 0 || epochs.length === 0) return `<p>${escape(title)}: no data</p>`;
  let min = Math.min(...all);
  let max = Math.max(...all);
  if (max === min) {
    max += 0.5;
    min -= 0.5;
  }
  const x = (i: number) => pad.left + (epochs.length === 1 ? (width - pad.left - pad.right) / 2 : (i * (width - pad.left - pad.right)) / (epochs.length - 1));
  const y = (v: number) => pad.top + ((max - v) * (height - pad.top - pad.bottom)) / (max - min);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escape(title)}">`,
    `<text x="${width / 2}" y="16" text-anchor="middle" font-size="13">${escape(title)}</text>`,
    `<line x1="${pad.left}" y1="${height - pad.bottom}" x2="${width - pad.right}" y2="${height - pad.bottom}" stroke="#888"/>`,
    `<line x1="${pad.left}" y1="${pad.top}" x2="${pad.left}" y2="${height - pad.bottom}" stroke="#888"/>`,
  ];
  for (let k = 0; k <= 4; k++) {
    const v = min + ((max - min) * k) / 4;
    parts.push(`<text x="${pad.left - 6}" y="${y(v) + 4}" text-anchor="end" font-size="10">${fmt(v, 3)}</text>`);
  }
  epochs.forEach((e, i) => parts.push(`<text x="${x(i)}" y="${height - pad.bottom + 14}" text-anchor="middle" font-size="10">${e}</text>`));
  parts.push(`<text x="${width / 2}" y="${height - 6}" text-anchor="middle" font-size="11">epoch</text>`);
  series.forEach((s, k) => {
    const points = s.values
      .map((v, i) => (v === undefined || !Number.isFinite(v) ? null : `${x(i).toFixed(1)},${y(v).toFixed(1)}`))
      .filter((p): p is string => p !== null);
    if (points.length === 0) return;
    parts.push(`<polyline class="series" data-name="${escape(s.name)}" fill="none" stroke="${s.color}" stroke-width="2" points="${points.join(" ")}"/>`);
    for (const p of points) {
      const [px, py] = p.split(",");
      parts.push(`<circle cx="${px}" cy="${py}" r="3" fill="${s.color}"/>`);
    }
    parts.push(`<text x="${width - pad.right - 4}" y="${pad.top + 12 + 14 * k}" text-anchor="end" font-size="11" fill="${s.color}">${escape(s.name)}</text>`);
  });
  parts.push("</svg>");
  return parts.join("\n");
}

/** An SVG confusion matrix (rows: true label, columns: predicted). */
export function confusionMatrixSvg(m: BinaryClassificationMetrics["confusionMatrix"]): string {
  const cells = [
    [m.trueNegatives, m.falsePositives],
    [m.falseNegatives, m.truePositives],
  ];
  const total = m.trueNegatives + m.falsePositives + m.falseNegatives + m.truePositives;
  const size = 110;
  const left = 110;
  const top = 40;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${left + 2 * size + 10}" height="${top + 2 * size + 10}" role="img" aria-label="confusion matrix">`,
    `<text x="${left + size}" y="14" text-anchor="middle" font-size="12">predicted</text>`,
    `<text x="${left + size / 2}" y="32" text-anchor="middle" font-size="11">negative</text>`,
    `<text x="${left + 1.5 * size}" y="32" text-anchor="middle" font-size="11">positive</text>`,
  ];
  ["true negative", "true positive"].forEach((label, r) =>
    parts.push(`<text x="${left - 8}" y="${top + r * size + size / 2 + 4}" text-anchor="end" font-size="11">${label}</text>`),
  );
  cells.forEach((row, r) =>
    row.forEach((count, c) => {
      const share = total === 0 ? 0 : count / total;
      const shade = Math.round(255 - 180 * Math.min(1, share * 2));
      parts.push(
        `<rect x="${left + c * size}" y="${top + r * size}" width="${size}" height="${size}" fill="rgb(${shade},${shade},255)" stroke="#fff"/>`,
        `<text class="cell" x="${left + c * size + size / 2}" y="${top + r * size + size / 2}" text-anchor="middle" font-size="16">${count}</text>`,
        `<text x="${left + c * size + size / 2}" y="${top + r * size + size / 2 + 18}" text-anchor="middle" font-size="11">${(100 * share).toFixed(1)} %</text>`,
      );
    }),
  );
  parts.push("</svg>");
  return parts.join("\n");
}

/** A self-contained HTML page (no scripts, no external resources). */
export function renderReport(data: ReportData): string {
  const epochs = data.history.map((h) => h.epoch);
  const lossChart = lineChart(
    "loss (binary cross-entropy)",
    [
      { name: "training", color: "#1f77b4", values: data.history.map((h) => h.loss) },
      { name: "validation", color: "#ff7f0e", values: data.history.map((h) => h.valLoss) },
    ],
    epochs,
  );
  const accuracyChart = lineChart(
    "accuracy",
    [
      { name: "training", color: "#1f77b4", values: data.history.map((h) => h.accuracy) },
      { name: "validation", color: "#ff7f0e", values: data.history.map((h) => h.valAccuracy) },
    ],
    epochs,
  );
  const rows = (record: Record<string, unknown>) =>
    Object.entries(record)
      .map(([k, v]) => `<tr><th>${escape(k)}</th><td>${escape(typeof v === "number" ? fmt(v) : String(v))}</td></tr>`)
      .join("\n");
  const history = data.history
    .map(
      (h) =>
        `<tr${h.epoch === data.bestEpoch ? ' class="best"' : ""}><td>${h.epoch}</td><td>${fmt(h.loss)}</td><td>${fmt(h.accuracy)}</td><td>${
          h.valLoss === undefined ? "" : fmt(h.valLoss)
        }</td><td>${h.valAccuracy === undefined ? "" : fmt(h.valAccuracy)}</td><td>${h.batches}</td><td>${h.seconds.toFixed(1)}</td></tr>`,
    )
    .join("\n");
  const test =
    data.test === null
      ? "<p>Not evaluated on the test split yet (run <code>evaluate</code>).</p>"
      : `<table>${rows({
          reviews: data.test.count,
          loss: data.test.loss,
          accuracy: data.test.accuracy,
          precision: data.test.precision,
          recall: data.test.recall,
          F1: data.test.f1,
          "ROC AUC": data.test.rocAuc ?? "undefined (one class)",
          threshold: data.test.threshold,
        })}</table>\n${confusionMatrixSvg(data.test.confusionMatrix)}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escape(data.title)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em; max-width: 1000px; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; font-variant-numeric: tabular-nums; }
tr.best { background: #eef6ee; }
.charts { display: flex; flex-wrap: wrap; gap: 1em; }
</style>
</head>
<body>
<h1>${escape(data.title)}</h1>
<h2>Test split</h2>
${test}
<h2>Training</h2>
<div class="charts">
${lossChart}
${accuracyChart}
</div>
<table>
<tr><th>epoch</th><th>loss</th><th>accuracy</th><th>val loss</th><th>val accuracy</th><th>batches</th><th>seconds</th></tr>
${history}
</table>
<p>${data.bestEpoch === null ? "" : `Weights of epoch ${data.bestEpoch} kept (highlighted).`}</p>
<h2>Run</h2>
<table>${rows(data.facts)}</table>
</body>
</html>
`;
}
