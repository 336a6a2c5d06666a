import { AppKitError } from "./app-kit-error";

/** What a signal does at the moment it arrives. */
type Mode =
  | { kind: "idle" }
  | { kind: "abortable"; what: string; onInterrupt: () => void; lastSaved: () => string }
  | { kind: "critical"; what: string };

/** Options of {@link Interrupts}. */
export interface InterruptsOptions {
  /**
   * Where the messages go.
   * @default console.error
   */
  log?: (line: string) => void;
  /**
   * Ends the process (after the command's clean-up).
   * @default process.exit
   */
  exit?: (code: number) => void;
}

/**
 * Ctrl-C (SIGINT) and SIGTERM for a command, in three modes:
 *
 * - **idle** (reading data, evaluating): the first signal exits at once (exit code 130 for SIGINT, 143 for SIGTERM);
 *   `process.on("exit")` handlers still run, so the run folder's lock is released.
 * - **abortable** (training, {@link Interrupts.abortable}): the first signal asks the work to stop and save (it
 *   aborts the training's `AbortSignal`); a second says that it is still saving and does not cut the save short; a
 *   third exits without saving, saying so.
 * - **critical** (writing the bundle, {@link Interrupts.critical}): the first signal lets the write finish, then
 *   the command stops with `INTERRUPTED`; a second exits without it, saying so.
 *
 * One instance per process ({@link cliSession} makes it); its methods are the API.
 */
export class Interrupts {
  #mode: Mode = { kind: "idle" };
  #count = 0;
  #signal: NodeJS.Signals | null = null;
  #installed = false;
  readonly #log: (line: string) => void;
  readonly #exit: (code: number) => void;
  readonly #handler = (signal: NodeJS.Signals) => this.#onSignal(signal);
  /** Runs (synchronously) before a forced exit: stops progress bars. */
  beforeExit: () => void = () => {};

  constructor(options: InterruptsOptions = {}) {
    this.#log = options.log ?? ((line) => console.error(line));
    this.#exit = options.exit ?? ((code) => process.exit(code));
  }

  /** Starts handling SIGINT and SIGTERM. */
  install(): void {
    if (this.#installed) return;
    this.#installed = true;
    process.on("SIGINT", this.#handler);
    process.on("SIGTERM", this.#handler);
  }

  /** Whether the handlers are installed (between {@link Interrupts.install} and {@link Interrupts.uninstall}). */
  get installed(): boolean {
    return this.#installed;
  }

  /** Gives SIGINT and SIGTERM back to their default (ending the process). */
  uninstall(): void {
    if (!this.#installed) return;
    this.#installed = false;
    process.off("SIGINT", this.#handler);
    process.off("SIGTERM", this.#handler);
  }

  /** The first signal received, or null. */
  get signal(): NodeJS.Signals | null {
    return this.#signal;
  }

  /** Whether a signal arrived. */
  get interrupted(): boolean {
    return this.#signal !== null;
  }

  /** 128 + the signal's number: 130 after SIGINT, 143 after SIGTERM (1 when none came). */
  get exitCode(): number {
    return this.#signal === "SIGTERM" ? 143 : this.#signal === null ? 1 : 130;
  }

  /**
   * Runs work that a signal should stop cleanly: the first signal calls `onInterrupt` (abort the training: it saves a
   * checkpoint and stops), the second says it is still saving, the third exits without waiting.
   *
   * @param what what is saved, for the messages (`"a checkpoint in runs/imdb"`).
   * @param lastSaved what is on disk if the process exits without saving (`"the checkpoint of step 300"`).
   */
  async abortable<T>(what: string, onInterrupt: () => void, lastSaved: () => string, run: () => Promise<T>): Promise<T> {
    const previous = this.#mode;
    this.#mode = { kind: "abortable", what, onInterrupt, lastSaved };
    if (this.#count > 0) onInterrupt(); // a signal came before the work started
    try {
      return await run();
    } finally {
      this.#mode = previous;
    }
  }

  /**
   * Runs work that must not be cut in half (writing the bundle): a signal lets it finish, then the command stops.
   *
   * @throws {AppKitError} `INTERRUPTED` after `run` when a signal came during it (or before).
   */
  async critical<T>(what: string, run: () => Promise<T>): Promise<T> {
    const previous = this.#mode;
    this.#mode = { kind: "critical", what };
    let result: T;
    try {
      result = await run();
    } finally {
      this.#mode = previous;
    }
    if (this.interrupted) throw new AppKitError("INTERRUPTED", `interrupted (${this.#signal}) after ${what}; run the same command again to finish`);
    return result;
  }

  #onSignal(signal: NodeJS.Signals): void {
    this.#signal ??= signal;
    this.#count++;
    const mode = this.#mode;
    if (mode.kind === "idle") {
      this.#forceExit(`\ninterrupted (${signal}): exiting`);
    } else if (mode.kind === "abortable") {
      if (this.#count === 1) {
        this.#log(`\ninterrupted (${signal}): stopping after the current step to save ${mode.what}`);
        mode.onInterrupt();
      } else if (this.#count === 2) {
        this.#log(`interrupted again (${signal}): still saving ${mode.what}, please wait; interrupt once more to exit without saving`);
      } else {
        this.#forceExit(`interrupted a third time (${signal}): exiting without saving; the run folder keeps ${mode.lastSaved()}`);
      }
    } else if (this.#count === 1) {
      this.#log(`\ninterrupted (${signal}): finishing ${mode.what} first; interrupt again to exit without it`);
    } else {
      this.#forceExit(`interrupted again (${signal}): exiting without finishing ${mode.what}`);
    }
  }

  #forceExit(message: string): void {
    try {
      this.beforeExit();
    } finally {
      this.#log(message);
      this.#exit(this.exitCode);
    }
  }
}
