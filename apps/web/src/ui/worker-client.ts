import type { Event, Request } from "../protocol";

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** The page's side of the worker: requests as promises, everything else as events. */
export class WorkerClient {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private readonly listeners = new Set<(event: Event) => void>();

  constructor() {
    this.worker = new Worker(new URL("../worker/app-worker.ts", import.meta.url), { type: "module", name: "recurrent-app-worker" });
    this.worker.onmessage = (message: MessageEvent<Event>) => {
      const event = message.data;
      if (event.type === "reply") {
        const waiting = this.pending.get(event.id);
        this.pending.delete(event.id);
        if (waiting !== undefined) {
          if (event.ok) waiting.resolve(event.value);
          else waiting.reject(new Error(event.error));
        }
        return;
      }
      for (const listener of this.listeners) listener(event);
    };
    this.worker.onerror = (error) => {
      const failure = new Error(`the worker failed: ${error.message || "it could not start (see the console)"}`);
      for (const waiting of this.pending.values()) waiting.reject(failure);
      this.pending.clear();
    };
  }

  /** Sends a request; resolves with the worker's answer, rejects with its error message. */
  request<T>(request: DistributiveOmit<Request, "id">, transfer: Transferable[] = []): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage({ ...request, id } as Request, transfer);
    });
  }

  /** The id the next request will get (a generation request's events carry it). */
  peekId(): number {
    return this.nextId;
  }

  on(listener: (event: Event) => void): void {
    this.listeners.add(listener);
  }
}
