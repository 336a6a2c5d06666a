// The benchmark page: reads the request from the query string, runs it in a Web Worker (as the app trains) and
// exposes the reply as `window.__bench` for bench/training-step.ts.
import { wasmThreadsMode } from "../../src/worker/wasm-threads";
import type { BenchModel } from "../training-steps";
import type { BenchReply, BenchRequest } from "./protocol";

const query = new URLSearchParams(location.search);
const int = (key: string, fallback: number): number => {
  const value = Number(query.get(key) ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`expected ?${key}= to be an integer >= 1, got ${JSON.stringify(query.get(key))}`);
  return value;
};
const model = query.get("model") ?? "sentiment";
if (model !== "sentiment" && model !== "char") throw new RangeError(`expected ?model=sentiment|char, got ${JSON.stringify(model)}`);
const request: BenchRequest = {
  model: model as BenchModel,
  steps: int("steps", 5),
  warmup: int("warmup", 2),
  wasmThreads: wasmThreadsMode(location.search),
};

const state = window as unknown as { __bench: BenchReply | null };
state.__bench = null;
const worker = new Worker(new URL("./bench-worker.ts", import.meta.url), { type: "module" });
worker.onmessage = (event: MessageEvent<BenchReply>) => {
  state.__bench = event.data;
  document.querySelector("#out")!.textContent = JSON.stringify(event.data, null, 2);
};
worker.onerror = (event) => {
  state.__bench = { ok: false, error: `the worker failed: ${event.message}` };
};
worker.postMessage(request);
