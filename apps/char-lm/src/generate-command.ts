import { join, resolve } from "node:path";
import { initBackend } from "@recurrent/backends";
import { ModelsError, streamText, type GenerationMethod, type LayerImplementation } from "@recurrent/models";
import { loadBundle } from "@recurrent/models/node";
import { CharEncoder } from "@recurrent/text-prep";
import { cliSession } from "app-kit";

/** The bundle kind `char-lm train` saves (its `KIND`). */
const KIND = "char-lm";

/** Flags of `char-lm generate`. */
export interface GenerateFlags {
  runDir: string;
  start: string;
  length: number;
  scale: number;
  temperature: number;
  topK?: number;
  topP?: number;
  method: GenerationMethod;
  context: number;
  seed: number;
  implementation: LayerImplementation;
}

/**
 * `char-lm generate`: loads the run's bundle and streams the text to stdout as it is sampled (the start first,
 * then each character as it comes, then a newline). Ctrl-C (SIGINT) or SIGTERM stops the generation at the next
 * step: the partial text stays printed, a newline ends it, stderr says how far it got and the exit code is 130.
 * A closed stdout (`| head -c 100`) stops it quietly.
 */
export async function generate(flags: GenerateFlags): Promise<void> {
  await initBackend({ relaxedSimd: "on", log: false });
  const bundle = await loadBundle(join(resolve(flags.runDir), "bundle"), {
    reviveEncoder: (json) => CharEncoder.fromJSON(json),
    expectedKind: KIND,
    implementation: flags.implementation,
  });
  const controller = new AbortController();
  const onSignal = () => controller.abort(new Error("interrupted"));
  let stdoutClosed = false;
  const onStdoutError = (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    stdoutClosed = true;
    controller.abort(error);
  };
  // While the text streams, Ctrl-C stops the stream (not the app-kit session's "exit at once" of idle commands):
  // the session's handlers step aside and come back afterwards.
  const interrupts = cliSession().interrupts;
  const sessionHandlers = interrupts.installed;
  interrupts.uninstall();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  process.stdout.on("error", onStdoutError);
  let count = 0;
  try {
    const chars = streamText(bundle.model, bundle.encoder, {
      start: flags.start,
      length: flags.length,
      scale: flags.scale,
      temperature: flags.temperature,
      ...(flags.topK === undefined ? {} : { topK: flags.topK }),
      ...(flags.topP === undefined ? {} : { topP: flags.topP }),
      method: flags.method,
      contextLength: flags.context,
      seed: flags.seed,
      signal: controller.signal,
    });
    process.stdout.write(flags.start);
    for await (const char of chars) {
      process.stdout.write(char);
      count++;
    }
    process.stdout.write("\n");
  } catch (error) {
    if (!(error instanceof ModelsError && error.code === "ABORTED")) throw error;
    if (!stdoutClosed) {
      process.stdout.write("\n");
      console.error(`interrupted after ${count} of ${flags.length} characters`);
      process.exitCode = 130;
    }
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    if (sessionHandlers) interrupts.install();
    process.stdout.off("error", onStdoutError);
    bundle.model.dispose();
  }
}
