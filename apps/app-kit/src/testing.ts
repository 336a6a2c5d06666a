import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";

/** How a CLI run ended. */
export interface CliOutcome {
  /** Exit code, or null when a signal ended it. */
  code: number | null;
  /** The signal that ended it, or null. */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A CLI started by {@link startCli}: the child, its output so far, and its end. */
export interface RunningCli {
  child: ChildProcess;
  pid: number;
  output(): { stdout: string; stderr: string };
  /** Resolves when it exits; rejects (after SIGKILL) when it runs longer than `limitMs` (a hang). */
  done: Promise<CliOutcome>;
}

/** Options of {@link startCli}. */
export interface StartCliOptions {
  cwd: string;
  env?: Record<string, string>;
  /** Written to its standard input, which is then closed. */
  input?: string | Uint8Array;
  /**
   * Longer than this is a hang: the process is killed and `done` rejects.
   * @default 90_000
   */
  limitMs?: number;
}

/**
 * Starts a TypeScript CLI from source (`node --import tsx <script> ...args`), on the cpu backend.
 *
 * @example
 * const run = startCli(join(appDir, "src", "cli.ts"), ["train", "--run-dir", dir], { cwd: appDir });
 * const { code, stderr } = await run.done;
 */
export function startCli(script: string, args: readonly string[], options: StartCliOptions): RunningCli {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
    cwd: options.cwd,
    env: { ...process.env, RECURRENT_BACKEND: "cpu", ...options.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdin?.on("error", () => undefined); // a CLI that exits before reading its input
  child.stdin?.end(options.input ?? "");
  const limit = options.limitMs ?? 90_000;
  const done = new Promise<CliOutcome>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${args.join(" ")}: still running after ${limit} ms (a hang?)\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, limit);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      // let the last output arrive
      setImmediate(() => resolve({ code, signal, stdout, stderr }));
    });
  });
  return { child, pid: child.pid as number, output: () => ({ stdout, stderr }), done };
}

/** Runs a CLI to its end ({@link startCli}). */
export function runCliProcess(script: string, args: readonly string[], options: StartCliOptions): Promise<CliOutcome> {
  return startCli(script, args, options).done;
}

/** Polls `condition` every 10 ms until it holds; rejects with `what` after `limitMs`. */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, limitMs = 60_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out after ${limitMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Every file under `dir` (relative path → SHA-256), to show that a failed command changed nothing. */
export async function snapshotFolder(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out[relative(dir, p)] = createHash("sha256").update(await readFile(p)).digest("hex");
    }
  };
  await walk(dir);
  return out;
}
