import { describe } from "../../check-args";
import { encodeSlice, type EncodeTask } from "./encode-task";
import { countSlice, streamCount, type CountTask, type StreamCountMessage } from "./count-task";
import type { TaskOutput } from "./run-parallel";

/**
 * Runs one message sent to a worker thread: a slice to count
 * (`countTexts`) or to encode (`encodeTexts`), or a step of a streamed count
 * (`countInBackground`). Returns what to post back, or null for nothing.
 * @throws {TypeError} On a message that is not a task.
 * @internal
 */
export function runTask(message: unknown): TaskOutput | null {
  const kind = (message as { kind?: unknown } | null)?.kind;
  if (kind === "count") return countSlice(message as CountTask);
  if (kind === "encode") return encodeSlice(message as EncodeTask);
  if (kind === "count-begin" || kind === "count-batch" || kind === "count-end") return streamCount(message as StreamCountMessage);
  throw new TypeError(`expected a task of kind "count", "encode" or "count-begin/batch/end", got ${describe(kind)}`);
}
