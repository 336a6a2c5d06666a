import type { Worker } from "node:worker_threads";
import { TextPrepError } from "../../text-prep-error";
import { PARALLEL_KEYS, isUnavailable, packTexts, startWorker, stopWorker, workerFailure, type ParallelOptions } from "./run-parallel";
import { countText } from "../../tokens/count-text";
import { TokenCounter, counterAccess } from "../../tokens/token-counter";
import { TokenIndex } from "../../tokens/token-index";
import { KeptIds } from "../../tokens/kept-ids";
import type { CompiledTokenizer, TokenizeOptions } from "../../tokens/tokenize";
import { checkOptions, describe } from "../../check-args";
import { checkInstance } from "../check-instance";
import type { CountResult, StreamCountMessage } from "./count-task";

/** Texts are sent to the worker in batches of about this many UTF-16 code units. */
const BATCH_CHARS = 1 << 20;
/** Batches posted to the worker and not yet counted, at most; the rest wait here. */
const MAX_IN_FLIGHT = 2;

/**
 * Starts counting texts into `counter` in a worker thread while this thread
 * does something else, typically reading the corpus: hand the texts in order
 * to the returned {@link BackgroundCount}'s `addText`, then
 * `await finish()`. The counts land in the counter at `finish`, exactly as
 * if each text had gone through `counter.addText` in the same order; do not
 * use the counter in between (with `keepIds`, the texts' token ids land then
 * too, and `keptTokenIds` / `encodeCounted` refuse the counter until then).
 * With `workers: 0` (or where worker threads are unavailable) the texts are
 * counted in this thread as they come.
 *
 * Reading and counting then overlap: on the IMDb archive with 2 idle cores,
 * reading while counting in the background, then `finish`, took about
 * 0.65 s against 0.9 s for reading and counting in one thread.
 *
 * @param counter - The `TokenCounter` (of `@recurrent/text-prep`) to count into.
 * @param options - `workers`: 1 (the default) or 0; more are not used by a streamed count.
 * @throws {TypeError} If `counter` is not a `TokenCounter`, or `options` is not an object or has a key other than `workers`.
 * @throws {RangeError} If `workers` is not 0 or 1.
 * @throws {TextPrepError} `WORKER_FAILED` if the worker cannot be started.
 *
 * @example
 * import { TokenCounter, TokenTextEncoder } from "@recurrent/text-prep";
 * import { countInBackground, readImdb } from "@recurrent/text-prep/node";
 * const counter = new TokenCounter({ keepIds: true });
 * const counting = countInBackground(counter);
 * for await (const review of readImdb("../shared/data/aclImdb-labeled.tar.gz")) counting.addText(review.text);
 * await counting.finish();
 * const encoder = new TokenTextEncoder(counter.toVocabulary());
 * const sequences = encoder.encodeCounted(counter);
 */
export function countInBackground(counter: TokenCounter, options: ParallelOptions = {}): BackgroundCount {
  checkInstance(counter, TokenCounter, "TokenCounter", "counter");
  checkOptions(options, PARALLEL_KEYS, "countInBackground");
  const workers = options.workers ?? 1;
  if (workers !== 0 && workers !== 1) throw new RangeError(`expected workers to be 0 or 1, got ${describe(workers)}`);
  const access = counterAccess(counter);
  const done = access.startBackground();
  try {
    return new BackgroundCount(
      access.tokenizer,
      (prefix, suffix, suffixKept) => {
        if (prefix !== null) access.mergePacked(prefix.packed, prefix.kept);
        access.mergeIndex(suffix, suffixKept);
      },
      workers,
      access.keepIds,
      done,
    );
  } catch (error) {
    done();
    throw error;
  }
}

/**
 * A count running in a worker thread while the calling thread does something
 * else, typically reading the corpus: made by {@link countInBackground}.
 * Give it the texts in corpus order with {@link BackgroundCount.addText}, then
 * `await` {@link BackgroundCount.finish}: the counts land in the counter then,
 * exactly as if every text had gone through `counter.addText` in the same order
 * (for a counter made with `keepIds: true`, the texts' token ids too: the
 * worker keeps them as its own ids, translated to the counter's as its counts
 * are merged).
 *
 * Texts are sent to the worker in batches (as Latin-1 or UTF-16 code units in a
 * transferred buffer, not cloned one by one). The worker counts them in
 * order; batches it has not got to when `finish` is called are shared: the
 * worker takes the first ones, the calling thread counts the rest, and the
 * two counts are merged in order.
 *
 * The worker does not keep the process alive while this waits for texts, and
 * is stopped by `finish` or `cancel`: if reading fails half-way, call
 * `cancel()` (in a `finally`) so that the worker and the queued texts are freed.
 *
 * @example
 * const counter = new TokenCounter();
 * const counting = countInBackground(counter);
 * const reviews = [];
 * for await (const review of readImdb(path)) {
 *   reviews.push(review);
 *   counting.addText(review.text); // counted in a worker while the archive streams
 * }
 * await counting.finish();          // counter now holds every count
 */
export class BackgroundCount {
  private worker: Worker | null = null;
  private readonly local = new TokenIndex();
  private readonly localKept: KeptIds | null;
  private localTokens = 0;
  private pending: string[] = [];
  private pendingChars = 0;
  private readonly held: string[][] = [];
  private inFlight = 0;
  private failure: TextPrepError | null = null;
  private state: "open" | "finishing" | "done" = "open";
  private settle: { resolve: (result: CountResult) => void; reject: (error: TextPrepError) => void } | null = null;

  /**
   * Made by {@link countInBackground}, not directly.
   * @internal
   */
  constructor(
    private readonly tokenizer: CompiledTokenizer,
    private readonly absorb: (prefix: CountResult | null, suffix: TokenIndex, suffixKept: KeptIds | null) => void,
    workers: number,
    keepIds: boolean,
    private readonly onDone: () => void = () => {},
  ) {
    this.localKept = keepIds ? new KeptIds() : null;
    if (workers === 0) return;
    let worker: Worker;
    try {
      worker = startWorker();
    } catch (error) {
      if (isUnavailable(error)) return; // count in this thread
      throw workerFailure(error, "could not start a worker thread");
    }
    this.worker = worker;
    worker.on("message", (message: { kind?: string } & Partial<CountResult>) => {
      if (message.kind === "ack") {
        this.inFlight--;
        this.pump();
      } else {
        this.settle?.resolve(message as CountResult);
      }
    });
    worker.once("error", (error) => this.fail(workerFailure(error, "the background count's worker failed")));
    worker.once("exit", (code) => {
      if (this.state !== "done") this.fail(workerFailure(null, `the background count's worker exited with code ${code} before it finished`));
    });
    // After the listeners: adding a "message" listener refs the worker's port again.
    worker.unref();
    const { lowercase, stripHtml, reservedTokens } = tokenizer;
    const options: TokenizeOptions = { lowercase, stripHtml, reservedTokens: [...reservedTokens] };
    this.post({ kind: "count-begin", options, keepIds });
  }

  /**
   * Queues one text to be counted (in corpus order). Cheap: the text is
   * batched and sent to the worker, or counted here when there is no worker.
   * @throws {TypeError} If `text` is not a string.
   * @throws {TextPrepError} `WORKER_FAILED` if the worker has failed (the count is lost),
   *   `INVALID_ARGUMENT` after `finish` or `cancel`.
   */
  addText(text: string): void {
    if (typeof text !== "string") throw new TypeError(`expected text to be a string, got ${describe(text)}`);
    if (this.failure !== null) throw this.failure;
    if (this.state !== "open") throw new TextPrepError("INVALID_ARGUMENT", "expected addText before finish() or cancel(), got it after");
    if (this.worker === null) {
      this.localTokens += countText(this.local, this.tokenizer, text, 0, text.length, this.localKept);
      return;
    }
    this.pending.push(text);
    this.pendingChars += text.length;
    if (this.pendingChars >= BATCH_CHARS) {
      this.held.push(this.pending);
      this.pending = [];
      this.pendingChars = 0;
      this.pump();
    }
  }

  /**
   * Counts what is left (sharing it between the worker and this thread),
   * merges everything into the counter in corpus order and stops the worker.
   * @returns The number of tokens counted, repeats included.
   * @throws {TextPrepError} `WORKER_FAILED` if the worker failed (the counter is then unchanged),
   *   `INVALID_ARGUMENT` if called twice or after `cancel`.
   */
  async finish(): Promise<number> {
    if (this.state !== "open") throw new TextPrepError("INVALID_ARGUMENT", "expected finish() once, before cancel(), got a second call");
    this.state = "finishing";
    if (this.pending.length > 0) this.held.push(this.pending);
    this.pending = [];
    const worker = this.worker;
    if (worker === null) {
      this.setDone();
      this.absorb(null, this.local, this.localKept);
      return this.localTokens;
    }
    try {
      if (this.failure !== null) throw this.failure;
      const result = new Promise<CountResult>((resolve, reject) => {
        this.settle = { resolve, reject };
      });
      // Share the batches not yet counted: the worker takes the first half
      // (it may still have some in flight), this thread counts the rest.
      const toWorker = Math.max(0, Math.ceil((this.held.length + this.inFlight) / 2) - this.inFlight);
      for (const batch of this.held.splice(0, toWorker)) this.send(batch);
      this.post({ kind: "count-end" });
      worker.ref();
      for (const batch of this.held.splice(0)) {
        for (const text of batch) this.localTokens += countText(this.local, this.tokenizer, text, 0, text.length, this.localKept);
      }
      const prefix = await result;
      this.setDone();
      this.absorb(prefix, this.local, this.localKept);
      return prefix.tokens + this.localTokens;
    } finally {
      this.setDone();
      stopWorker(worker);
    }
  }

  /** Stops the worker and drops every count; the counter is left unchanged. */
  async cancel(): Promise<void> {
    this.setDone();
    this.held.length = 0;
    this.pending = [];
    await this.worker?.terminate();
  }

  /** Marks the count finished or cancelled (no more texts); tells the counter once. */
  private setDone(): void {
    if (this.state === "done") return;
    this.state = "done";
    this.onDone();
  }

  private pump(): void {
    while (this.inFlight < MAX_IN_FLIGHT && this.held.length > 0 && this.state === "open") {
      this.send(this.held.shift() as string[]);
    }
  }

  private send(batch: string[]): void {
    const { packed, transfer } = packTexts(batch, 0, batch.length);
    this.inFlight++;
    this.post({ kind: "count-batch", texts: packed }, transfer);
  }

  private post(message: StreamCountMessage, transfer: ArrayBuffer[] = []): void {
    (this.worker as Worker).postMessage(message, transfer);
  }

  private fail(error: TextPrepError): void {
    this.failure ??= error;
    this.settle?.reject(this.failure);
  }
}
