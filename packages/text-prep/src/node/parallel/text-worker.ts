/**
 * Entry point of the worker threads of `countTexts`, `countInBackground` and
 * `encodeTexts` of `@recurrent/text-prep/node` (built to `dist/text-worker.js`
 * and `dist/text-worker.cjs`). Runs the tasks it is sent in order, posts each
 * result with its buffers transferred, and runs until it is terminated. A task that throws
 * becomes the worker's `error` event, which the caller turns into a
 * `TextPrepError` of code `WORKER_FAILED`.
 */
import { parentPort } from "node:worker_threads";
import { runTask } from "./run-task";

if (parentPort === null) throw new Error("text-worker: expected to run in a worker thread, got the main thread");
const port = parentPort;
port.on("message", (message: unknown) => {
  const output = runTask(message);
  if (output === null) return;
  const { result, transfer } = output;
  port.postMessage(result, transfer);
});
