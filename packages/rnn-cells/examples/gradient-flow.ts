// Gradient flow through time: ‖∂h_t/∂h_k‖₂ for t − k = 1..N, for
//   - SimpleRNN (tanh) with W_hh = 0.5·Q and 1.5·Q (Q orthogonal) at its zero fixed point: ρ^(t−k) exactly,
//     geometric decay for small recurrent weights, growth for large ones;
//   - the same 1.5·Q SimpleRNN on random inputs: the tanh saturates and the growth stops;
//   - an LSTM with small weights (±0.03) and forget bias 5 (f ≈ 0.993): ‖∂h_t/∂h_k‖ and the cell path ‖∂c_t/∂c_k‖,
//     which stays near 1, with Π f for reference.
// Prints the table and writes an SVG line chart (log scale).
//
// Run: pnpm --filter @recurrent/rnn-cells run example:gradient-flow [-- --lags 30 --out path/to/plot.svg]
// Default output: packages/rnn-cells/tmp/out/gradient-flow.svg (git-ignored).
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { gradientFlow, initWeights, seededRandom } from "../src/index";
import type { RnnSpec } from "../src/index";
import { orthogonalMatrix } from "../src/orthogonal-matrix";

// `pnpm run <script> -- --out x` forwards the `--` itself: drop it.
const argv = process.argv.slice(2);
const { values } = parseArgs({
  args: argv[0] === "--" ? argv.slice(1) : argv,
  options: {
    lags: { type: "string", default: "30" },
    units: { type: "string", default: "8" },
    out: { type: "string", default: "tmp/out/gradient-flow.svg" },
  },
});
const N = Number(values.lags);
const UNITS = Number(values.units);
if (!(Number.isInteger(N) && N >= 2)) throw new RangeError(`expected --lags to be an integer ≥ 2, got ${values.lags}`);
if (!(Number.isInteger(UNITS) && UNITS >= 1)) throw new RangeError(`expected --units to be a positive integer, got ${values.units}`);

const rand = seededRandom(1);
const randomInputs = Float64Array.from({ length: N }, () => 2 * rand() - 1);
const zeros = new Float64Array(N);
const simple: RnnSpec = { cell: "simple-rnn", units: UNITS, inputDim: 1 };
const simpleWeights = (rho: number, inputScale: number) => ({
  kernel: Float64Array.from({ length: UNITS }, (_, i) => inputScale * Math.cos(i + 1)),
  recurrentKernel: orthogonalMatrix(UNITS, 2).map((v) => v * rho),
  bias: new Float64Array(UNITS),
});
const small = gradientFlow(simple, simpleWeights(0.5, 0), zeros, [1, N, 1]);
const large = gradientFlow(simple, simpleWeights(1.5, 0), zeros, [1, N, 1]);
const saturated = gradientFlow(simple, simpleWeights(1.5, 1), randomInputs, [1, N, 1]);

const lstm: RnnSpec = { cell: "lstm", units: UNITS, inputDim: 1 };
const lw = initWeights(lstm, { seed: 3, scale: 0.03 });
const bias = Float64Array.from(lw.bias!);
for (let u = 0; u < UNITS; u++) bias[UNITS + u] = 5; // forget gate bias
const lstmFlow = gradientFlow(lstm, { ...lw, bias }, randomInputs, [1, N, 1]);

const series = [
  { name: "SimpleRNN 0.5·Q ‖∂h/∂h‖", values: small.hidden, color: "#1f77b4" },
  { name: "SimpleRNN 1.5·Q ‖∂h/∂h‖", values: large.hidden, color: "#d62728" },
  { name: "SimpleRNN 1.5·Q, random x", values: saturated.hidden, color: "#ff7f0e" },
  { name: "LSTM ‖∂h/∂h‖", values: lstmFlow.hidden, color: "#2ca02c" },
  { name: "LSTM ‖∂c/∂c‖", values: lstmFlow.cell!, color: "#9467bd" },
  { name: "LSTM Π f", values: lstmFlow.forgetPath!, color: "#8c564b" },
];

console.log(`‖∂h_t/∂h_k‖₂ (spectral norm) for t − k = 1..${N}, ${UNITS} units; Q orthogonal, zero inputs unless noted\n`);
const header = ["t−k", "0.5^(t−k)", ...series.map((s) => s.name)];
const widths = header.map((h) => Math.max(10, h.length));
console.log(header.map((h, i) => h.padStart(widths[i]!)).join("  "));
for (let i = 0; i < N; i++) {
  const row = [String(i + 1), (0.5 ** (i + 1)).toExponential(3), ...series.map((s) => s.values[i]!.toExponential(3))];
  console.log(row.map((c, j) => c.padStart(widths[j]!)).join("  "));
}

// SVG line chart, log10 y axis.
const W = 760;
const H = 440;
const M = { left: 70, right: 260, top: 30, bottom: 50 };
const all = series.flatMap((s) => Array.from(s.values)).filter((v) => v > 0);
const yMin = Math.floor(Math.log10(Math.min(...all)));
const yMax = Math.ceil(Math.log10(Math.max(...all)));
const px = (lag: number) => M.left + ((lag - 1) / (N - 1)) * (W - M.left - M.right);
const py = (v: number) => M.top + ((yMax - Math.log10(v)) / (yMax - yMin)) * (H - M.top - M.bottom);
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
const parts: string[] = [
  `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
  `<rect width="${W}" height="${H}" fill="white"/>`,
  `<text x="${M.left}" y="18" font-size="14">Gradient flow ‖∂h_t/∂h_k‖₂ vs t − k (log scale)</text>`,
];
const yStep = Math.max(1, Math.ceil((yMax - yMin) / 10));
for (let e = yMin; e <= yMax; e += yStep) {
  const y = py(10 ** e).toFixed(1);
  parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y}" y2="${y}" stroke="#ddd"/>`);
  parts.push(`<text x="${M.left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle">1e${e}</text>`);
}
for (let lag = 1; lag <= N; lag += Math.max(1, Math.floor(N / 10))) {
  parts.push(`<text x="${px(lag).toFixed(1)}" y="${H - M.bottom + 18}" text-anchor="middle">${lag}</text>`);
}
parts.push(`<text x="${(M.left + W - M.right) / 2}" y="${H - 12}" text-anchor="middle">t − k</text>`);
parts.push(`<rect x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}" fill="none" stroke="#333"/>`);
series.forEach((s, i) => {
  const pts = Array.from(s.values)
    .map((v, j) => (v > 0 ? `${px(j + 1).toFixed(1)},${py(v).toFixed(1)}` : ""))
    .filter(Boolean)
    .join(" ");
  parts.push(`<polyline points="${pts}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
  const ly = M.top + 10 + i * 20;
  parts.push(`<line x1="${W - M.right + 15}" x2="${W - M.right + 40}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"/>`);
  parts.push(`<text x="${W - M.right + 46}" y="${ly}" dominant-baseline="middle">${esc(s.name)}</text>`);
});
parts.push("</svg>\n");

const out = resolve(values.out);
mkdirSync(dirname(out), { recursive: true });
const tmp = `${out}.${process.pid}.tmp`;
writeFileSync(tmp, parts.join("\n"));
renameSync(tmp, out);
console.log(`\nwrote ${out}`);
