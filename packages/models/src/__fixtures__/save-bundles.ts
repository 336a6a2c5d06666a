// Run as `node --import tsx save-bundles.ts <dir> <count> <seed>`: saves `count` bundles of a tiny model to <dir>,
// all at once, for the test of concurrent saveBundle calls from several processes.
import * as tf from "@tensorflow/tfjs";
import { buildSentimentModel } from "../index";
import { saveBundle } from "../node/index";
import { ToyEncoder } from "./bundle-fixtures";

const [dir, count, seed] = process.argv.slice(2);
await tf.setBackend("cpu");
const model = buildSentimentModel({ vocabSize: 8, embeddingDim: 3, units: 4, seed: Number(seed), implementation: "stock" });
const encoder = new ToyEncoder(["a", "b", "c", "d", "e", "f"]);
const results = await Promise.allSettled(
  Array.from({ length: Number(count) }, (_, i) => saveBundle(dir as string, { kind: "toy", model, encoder, config: { writer: `${seed}-${i}` } })),
);
const failed = results.filter((r) => r.status === "rejected").map((r) => String((r as PromiseRejectedResult).reason));
process.stdout.write(JSON.stringify({ failed }));
