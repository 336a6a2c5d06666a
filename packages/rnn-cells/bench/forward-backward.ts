// Prints how long the reference forward and backward passes take (median of several runs) for a
// few layer sizes, so callers know what a check against this package costs. Not a test: never fails on time.
// Run: pnpm --filter @recurrent/rnn-cells run bench
import { performance } from "node:perf_hooks";
import { initWeights, rnnBackward, rnnForward, seededRandom } from "../src/index";
import type { CellKind } from "../src/index";

const SIZES = [
  { batch: 8, time: 20, features: 16, units: 16 },
  { batch: 32, time: 50, features: 32, units: 64 },
];
const RUNS = 5;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

console.log("cell       batch  time  features  units   forward ms   backward ms   backward k=10 ms");
for (const size of SIZES) {
  for (const cell of ["simple-rnn", "lstm", "gru"] as CellKind[]) {
    const spec = { cell, units: size.units, inputDim: size.features };
    const w = initWeights(spec, { seed: 1, scale: 0.2 });
    const rand = seededRandom(2);
    const x = Float64Array.from({ length: size.batch * size.time * size.features }, () => 2 * rand() - 1);
    const shape = [size.batch, size.time, size.features] as const;
    const dOut = Float64Array.from({ length: size.batch * size.time * size.units }, () => 2 * rand() - 1);
    const fwd: number[] = [];
    const bwd: number[] = [];
    const bwdK: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      let t0 = performance.now();
      const f = rnnForward(spec, w, x, shape, { returnSequences: true });
      fwd.push(performance.now() - t0);
      t0 = performance.now();
      rnnBackward(w, f, { output: dOut });
      bwd.push(performance.now() - t0);
      t0 = performance.now();
      rnnBackward(w, f, { output: dOut }, { truncate: 10 });
      bwdK.push(performance.now() - t0);
    }
    console.log(
      `${cell.padEnd(10)} ${String(size.batch).padStart(5)} ${String(size.time).padStart(5)} ${String(size.features).padStart(9)} ${String(size.units).padStart(6)}` +
        ` ${median(fwd).toFixed(2).padStart(12)} ${median(bwd).toFixed(2).padStart(13)} ${median(bwdK).toFixed(2).padStart(18)}`,
    );
  }
}
