import type { Command } from "commander";
import { Interrupts } from "./interrupts";

/** Something to undo when the command ends, whatever the outcome: stop a progress bar, release a lock. */
export interface Cleanup {
  /** Synchronous part, also run before a forced exit (progress bars: stop their timers). */
  sync?: () => void;
  /** Asynchronous part, run when the command ends normally or with an error. */
  async?: () => Promise<void>;
}

/**
 * What one run of a CLI shares: its {@link Interrupts} and the clean-ups to run at its end. One per process,
 * made by {@link runCli}; commands reach it with {@link cliSession}.
 */
export class CliSession {
  readonly interrupts: Interrupts;
  readonly #cleanups = new Set<Cleanup>();

  constructor(readonly name: string, interrupts = new Interrupts()) {
    this.interrupts = interrupts;
    this.interrupts.beforeExit = () => this.cleanUpSync();
  }

  /**
   * Registers a clean-up; returns a function that unregisters it (once done by its owner).
   *
   * @example
   * const forget = cliSession().onCleanup({ sync: () => bar.stop() });
   */
  onCleanup(cleanup: Cleanup): () => void {
    this.#cleanups.add(cleanup);
    return () => this.#cleanups.delete(cleanup);
  }

  /** Runs the synchronous part of every clean-up (before a forced exit). */
  cleanUpSync(): void {
    for (const c of this.#cleanups) {
      try {
        c.sync?.();
      } catch {
        // a clean-up must not stop the others
      }
    }
  }

  /** Runs every clean-up, synchronous parts first, then the asynchronous ones, and forgets them. */
  async cleanUp(): Promise<void> {
    this.cleanUpSync();
    const all = [...this.#cleanups];
    this.#cleanups.clear();
    await Promise.allSettled(all.map((c) => c.async?.()));
  }
}

let current: CliSession | null = null;

/**
 * The session of the running CLI (made by {@link runCli}; a bare one outside it, e.g. in tests).
 *
 * @example
 * await cliSession().interrupts.critical("writing the bundle", () => saveBundle(dir, contents));
 */
export function cliSession(): CliSession {
  current ??= new CliSession("app");
  return current;
}

/** Options of {@link runCli}. */
export interface RunCliOptions {
  /** Extra advice printed after an error with this code, e.g. `{ BUNDLE_NOT_FOUND: "train a model first" }`. */
  hints?: Record<string, string>;
  /**
   * Arguments to parse.
   * @default process.argv
   */
  argv?: string[];
  /**
   * Milliseconds the process may stay up after the command ended (to flush its output) before it is ended: a
   * forgotten timer or handle must never keep a finished command alive.
   * @default 2000
   */
  exitAfterMs?: number;
}

/**
 * Runs a commander program as a CLI that always ends: Ctrl-C and SIGTERM handled by {@link Interrupts}; on an
 * error, prints `<name>: <message> [<code>]` (and the stack with `DEBUG` set) and sets exit code 1; in every case
 * stops progress bars, releases locks (every registered clean-up), and, should anything still hold the event loop
 * a moment later, ends the process with its exit code.
 *
 * @example
 * await runCli("imdb-sentiment", program, { hints: { BUNDLE_NOT_FOUND: "train first: imdb-sentiment train" } });
 */
export async function runCli(name: string, program: Command, options: RunCliOptions = {}): Promise<void> {
  const session = new CliSession(name);
  current = session;
  session.interrupts.install();
  try {
    await program.parseAsync(options.argv ?? process.argv);
  } catch (error) {
    const interrupted = (error as { code?: unknown }).code === "INTERRUPTED";
    process.exitCode = interrupted ? session.interrupts.exitCode : 1;
    console.error(`${name}: ${describeError(error)}`);
    const code = (error as { code?: unknown }).code;
    const hint = typeof code === "string" ? options.hints?.[code] : undefined;
    if (hint !== undefined) console.error(`${name}: ${hint}`);
    if (process.env.DEBUG !== undefined && error instanceof Error) console.error(error.stack);
  } finally {
    await session.cleanUp();
    session.interrupts.uninstall();
  }
  const code = process.exitCode;
  setTimeout(() => {
    if (process.env.DEBUG !== undefined) console.error(`${name}: still running after the command ended (${process.getActiveResourcesInfo().join(", ")}): exiting`);
    process.exit(code);
  }, options.exitAfterMs ?? 2000).unref();
}

/** `message [CODE]` for errors with a string code (ours, tfjs-free libraries', Node's). */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && !error.message.includes(code) ? `${error.message} [${code}]` : error.message;
}
