import type { BinaryClassificationMetrics, LanguageModelEvaluation } from "@recurrent/models";
import { thousands } from "../format";

/** The element with this id; throws when the page lacks it (a typo here is a bug, not a state). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`expected an element #${id} in the page, found none`);
  return el as T;
}

/** `1 h 02 min`, `3 min 05 s`, `12 s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
}

/** `27.8 MB`. */
export function formatBytes(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e3).toFixed(1)} kB`;
}

/** A small element builder: `h("td", { class: "x" }, "text")`. */
export function h(tag: string, attributes: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attributes)) el.setAttribute(k, v);
  el.append(...children);
  return el;
}

const pct = (v: number) => `${(100 * v).toFixed(2)} %`;

/** The sentiment model's figures on the test split (and validation, when known), and the confusion matrix. */
export function renderSentimentMetrics(target: HTMLElement, test: BinaryClassificationMetrics | null, validation: BinaryClassificationMetrics | null, note: string): void {
  target.replaceChildren();
  const shown = test ?? validation;
  if (shown === null) {
    target.append(h("p", { class: "muted" }, note || "No figures came with this model."));
    return;
  }
  const rows: [string, (m: BinaryClassificationMetrics) => string][] = [
    ["accuracy", (m) => pct(m.accuracy)],
    ["precision", (m) => m.precision.toFixed(4)],
    ["recall", (m) => m.recall.toFixed(4)],
    ["F1", (m) => m.f1.toFixed(4)],
    ["ROC AUC", (m) => (m.rocAuc === null ? "n/a" : m.rocAuc.toFixed(4))],
    ["loss", (m) => m.loss.toFixed(4)],
    ["reviews", (m) => thousands(m.count)],
  ];
  const columns = [test === null ? null : (["test", test] as const), validation === null ? null : (["validation", validation] as const)].filter((c) => c !== null);
  const table = h("table", { class: "metrics", "data-testid": "metrics-table" }, h("tr", {}, h("th", {}, ""), ...columns.map(([name]) => h("th", {}, name))));
  for (const [label, f] of rows) table.append(h("tr", {}, h("td", {}, label), ...columns.map(([, m]) => h("td", { "data-metric": `${label}` }, f(m)))));
  target.append(table);
  const c = shown.confusionMatrix;
  const total = Math.max(1, c.truePositives + c.falsePositives + c.trueNegatives + c.falseNegatives);
  const cell = (n: number, good: boolean) => {
    const share = n / total;
    const color = good ? `rgba(21,128,61,${0.25 + 1.5 * share})` : `rgba(194,65,12,${0.25 + 1.5 * share})`;
    const ink = share < 0.2 ? "#1d2330" : "#fff";
    return h("div", { class: "cell", style: `background:${color};color:${ink}`, title: `${(100 * share).toFixed(1)} % of the reviews` }, thousands(n));
  };
  target.append(
    h("h3", {}, `Confusion matrix (${test === null ? "validation" : "test"} split, threshold ${shown.threshold})`),
    h(
      "div",
      { class: "confusion", "data-testid": "confusion" },
      h("div", { class: "head" }, ""),
      h("div", { class: "head" }, "predicted negative"),
      h("div", { class: "head" }, "predicted positive"),
      h("div", { class: "head" }, "negative"),
      cell(c.trueNegatives, true),
      cell(c.falsePositives, false),
      h("div", { class: "head" }, "positive"),
      cell(c.falseNegatives, false),
      cell(c.truePositives, true),
    ),
  );
  if (note !== "") target.append(h("p", { class: "muted" }, note));
}

/** The character model's figures on the held-out text. */
export function renderCharMetrics(target: HTMLElement, heldOut: LanguageModelEvaluation | null): void {
  target.replaceChildren();
  if (heldOut === null) return;
  target.append(
    h("h3", {}, "Held-out text"),
    h(
      "table",
      { class: "metrics" },
      h("tr", {}, h("td", {}, "loss (nats per character)"), h("td", {}, heldOut.loss.toFixed(4))),
      h("tr", {}, h("td", {}, "perplexity"), h("td", {}, heldOut.perplexity.toFixed(3))),
      h("tr", {}, h("td", {}, "bits per character"), h("td", {}, heldOut.bitsPerCharacter.toFixed(3))),
      h("tr", {}, h("td", {}, "next-character accuracy"), h("td", {}, pct(heldOut.accuracy))),
      h("tr", {}, h("td", {}, "characters predicted"), h("td", {}, thousands(heldOut.count))),
    ),
  );
}
