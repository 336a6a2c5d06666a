/** The DOM's view of a message port (Node's typings describe its own). */
interface Port {
  onmessage: ((event: unknown) => void) | null;
  postMessage(message: unknown): void;
  close(): void;
}

interface SchedulingGlobals {
  setImmediate?: (callback: () => void) => unknown;
  scheduler?: { yield?: () => Promise<void> };
  MessageChannel?: new () => { port1: Port; port2: Port };
}

/**
 * Resolves after the event loop has had a turn (a macrotask, not a microtask: timers, input events, signal
 * handlers and rendering get to run), as cheaply as the platform allows: `setImmediate` (Node, Bun),
 * `scheduler.yield()` (Chromium), a `MessageChannel` message (other browsers), else `setTimeout(0)` — which
 * browsers clamp to 4 ms once nested, too slow to call once per generated character.
 *
 * @internal
 */
export function nextMacrotask(): Promise<void> {
  const g = globalThis as unknown as SchedulingGlobals;
  if (typeof g.setImmediate === "function") {
    const setImmediate = g.setImmediate;
    return new Promise((resolve) => setImmediate(resolve));
  }
  if (typeof g.scheduler?.yield === "function") return g.scheduler.yield();
  if (typeof g.MessageChannel === "function") {
    const channel = new g.MessageChannel();
    return new Promise((resolve) => {
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(null);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}
