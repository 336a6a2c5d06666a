/**
 * How the cost of the registered UnsortedSegmentSum grows: with the number of ids (it should be linear) and with
 * the number of segments (only the output's allocation and zero-fill, a memset, should depend on it), on cpu and
 * wasm; and, for contrast, the stock cpu kernel at small vocabularies.
 *
 *   pnpm --filter @recurrent/backends bench:segment-sum
 *
 * Shapes follow the sentiment model's Embedding gradient: rows of 20 floats, 87,009 segments. Prints the median of
 * several runs (ms) and the cost per id (ns); the machine is shared, so expect noise.
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { registerKernels, unregisterKernels } from "../src/register-kernels";

const INNER = 20;
const VOCAB = 87009;
const REPEATS = 7;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] as number;
}

/** Median ms of `tf.unsortedSegmentSum` with `ids` random ids into `rows` segments of width INNER. */
function time(ids: number, rows: number, repeats = REPEATS): number {
  const x = tf.randomNormal([ids, INNER]);
  const seg = tf.tidy(() => tf.cast(tf.floor(tf.randomUniform([ids], 0, rows)), "int32")) as tf.Tensor1D;
  const times: number[] = [];
  for (let r = 0; r <= repeats; r++) {
    const t0 = performance.now();
    const out = tf.unsortedSegmentSum(x, seg, rows);
    // Completes the kernel on both backends (both are synchronous) without copying the output out.
    const dt = performance.now() - t0;
    out.dispose();
    if (r > 0) times.push(dt);
  }
  tf.dispose([x, seg]);
  return median(times);
}

async function main(): Promise<void> {
  registerKernels();
  const idCounts = [1_000, 4_000, 16_000, 64_000, 256_000];
  const rowCounts = [1_000, 10_000, VOCAB, 500_000];
  for (const backend of ["cpu", "wasm"]) {
    await tf.setBackend(backend);
    await tf.ready();
    console.log(`\n${backend}: ${VOCAB} segments of ${INNER}, growing number of ids`);
    console.log("   ids      ms    ns/id");
    for (const n of idCounts) {
      const ms = time(n, VOCAB);
      console.log(`${String(n).padStart(6)} ${ms.toFixed(3).padStart(7)} ${((ms * 1e6) / n).toFixed(1).padStart(8)}`);
    }
    console.log(`${backend}: 3,200 ids (batch 32 × T 100), growing number of segments`);
    console.log("segments      ms   output MB");
    for (const rows of rowCounts) {
      const ms = time(3_200, rows);
      console.log(`${String(rows).padStart(8)} ${ms.toFixed(3).padStart(7)} ${((rows * INNER * 4) / 2 ** 20).toFixed(1).padStart(10)}`);
    }
  }
  await tf.setBackend("cpu");
  unregisterKernels();
  console.log("\ncpu, stock tfjs kernel (for contrast), 3,200 ids, growing number of segments");
  console.log("segments      ms   ms/segment");
  for (const rows of [100, 200, 400]) {
    const ms = time(3_200, rows, 1);
    console.log(`${String(rows).padStart(8)} ${ms.toFixed(1).padStart(7)} ${(ms / rows).toFixed(2).padStart(11)}`);
  }
  registerKernels();
}

await main();
