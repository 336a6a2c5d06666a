import { afterEach, describe, expect, it } from "vitest";
import { AppKitError } from "./app-kit-error";
import { Interrupts } from "./interrupts";

// The signal handling state machine, driven with process.emit (the handlers are what a real signal calls); the
// reliability tests of the apps send real signals to real processes.
function harness() {
  const lines: string[] = [];
  const exits: number[] = [];
  const interrupts = new Interrupts({ log: (l) => lines.push(l.trim()), exit: (code) => exits.push(code) });
  interrupts.install();
  return { interrupts, lines, exits, signal: (s: NodeJS.Signals = "SIGINT") => process.emit(s as "SIGINT", s as "SIGINT") };
}

let current: Interrupts | null = null;
afterEach(() => current?.uninstall());

describe("Interrupts", () => {
  it("idle: the first signal exits at once with 130 (SIGINT) or 143 (SIGTERM)", () => {
    const h = harness();
    current = h.interrupts;
    let stopped = false;
    h.interrupts.beforeExit = () => (stopped = true);
    h.signal("SIGTERM");
    expect(h.exits).toStrictEqual([143]);
    expect(stopped).toBe(true);
    expect(h.lines).toStrictEqual(["interrupted (SIGTERM): exiting"]);
  });

  it("abortable: the first signal aborts, the second says it is still saving, the third exits without saving", async () => {
    const h = harness();
    current = h.interrupts;
    const aborted: string[] = [];
    let finish = () => {};
    const work = h.interrupts.abortable(
      "a checkpoint in /run",
      () => aborted.push("abort"),
      () => "the checkpoint of step 40",
      () => new Promise<string>((resolve) => (finish = () => resolve("saved"))),
    );
    h.signal();
    expect(aborted).toStrictEqual(["abort"]);
    expect(h.exits).toStrictEqual([]);
    h.signal();
    expect(h.exits).toStrictEqual([]);
    expect(h.lines).toStrictEqual([
      "interrupted (SIGINT): stopping after the current step to save a checkpoint in /run",
      "interrupted again (SIGINT): still saving a checkpoint in /run, please wait; interrupt once more to exit without saving",
    ]);
    h.signal();
    expect(h.exits).toStrictEqual([130]);
    expect(h.lines[2]).toBe("interrupted a third time (SIGINT): exiting without saving; the run folder keeps the checkpoint of step 40");
    finish();
    expect(await work).toBe("saved");
    expect(h.interrupts.exitCode).toBe(130);
  });

  it("critical: a signal lets the work finish, then the command stops with INTERRUPTED; a second exits", async () => {
    const h = harness();
    current = h.interrupts;
    let finish = () => {};
    const work = h.interrupts.critical("writing the bundle", () => new Promise<void>((resolve) => (finish = resolve)));
    h.signal();
    expect(h.exits).toStrictEqual([]);
    expect(h.lines).toStrictEqual(["interrupted (SIGINT): finishing writing the bundle first; interrupt again to exit without it"]);
    finish();
    const error = await work.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppKitError);
    expect(error).toMatchObject({ code: "INTERRUPTED", message: "interrupted (SIGINT) after writing the bundle; run the same command again to finish" });

    const g = harness();
    h.interrupts.uninstall();
    current = g.interrupts;
    void g.interrupts.critical("writing the bundle", () => new Promise<void>(() => {}));
    g.signal();
    g.signal();
    expect(g.exits).toStrictEqual([130]);
    expect(g.lines[1]).toBe("interrupted again (SIGINT): exiting without finishing writing the bundle");
  });

  it("a signal that came before abortable work starts aborts it at once", async () => {
    const h = harness();
    current = h.interrupts;
    void h.interrupts.critical("x", async () => h.signal()).catch(() => undefined);
    let aborted = false;
    await h.interrupts.abortable("a checkpoint", () => (aborted = true), () => "", async () => undefined);
    expect(aborted).toBe(true);
  });
});
