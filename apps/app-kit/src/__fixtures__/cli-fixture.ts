// A CLI for the tests of runCli: `node --import tsx cli-fixture.ts <scenario>`.
import { Command } from "commander";
import { AppKitError, cliSession, progressBar, runCli } from "../index";

const program = new Command().name("fixture");
program.command("bar-then-error").action(async () => {
  const bar = progressBar("work |{bar}| {value}/{total}", 10);
  bar.increment();
  // the error comes while the bar runs; nothing here stops it (as `evaluate` did not before)
  throw new Error("the model produced NaN");
});
program.command("leaked-handle").action(async () => {
  setInterval(() => {}, 1000); // a forgotten timer would keep the process alive forever
  console.log("done");
});
program.command("coded-error").action(async () => {
  throw new AppKitError("RUN_FOLDER_LOCKED", "runs/x is in use by pid 1");
});
program.command("critical").action(async () => {
  await cliSession().interrupts.critical("writing the bundle", async () => {
    console.log("writing");
    await new Promise((r) => setTimeout(r, 1500));
    console.log("written");
  });
  console.log("not reached after a signal");
});
await runCli("fixture", program, { hints: { RUN_FOLDER_LOCKED: "wait for it" }, exitAfterMs: 500 });
