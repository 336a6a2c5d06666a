// Child processes with captured output, a timeout that kills the whole process group, and no leftovers when the
// harness itself is interrupted.
import { spawn } from "node:child_process";

/** What a finished child process left. */
export interface ExecResult {
  /** Exit code (null when killed by a signal). */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time. */
  seconds: number;
  /** Killed by the timeout. */
  timedOut: boolean;
}

/** Options of {@link exec}. */
export interface ExecOptions {
  cwd: string;
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Kill the child's whole process group (SIGKILL) after this many seconds. @default no timeout */
  timeoutSeconds?: number;
}

/** Process groups still running, killed if the harness is interrupted. */
const running = new Set<number>();
let handlersInstalled = false;

function installSignalHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      for (const pid of running) killGroup(pid);
      process.exit(130);
    });
  }
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/**
 * Runs `command` in its own process group and resolves (a non-zero exit does not reject) with its output.
 * After `timeoutSeconds` the whole group gets SIGKILL and `timedOut` is true.
 * @throws Error when the command cannot be started at all
 */
export function exec(command: string, args: readonly string[], options: ExecOptions): Promise<ExecResult> {
  installSignalHandlers();
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true, // own process group, so that a timeout kills grandchildren too
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    const pid = child.pid;
    if (pid !== undefined) running.add(pid);
    let timedOut = false;
    const timer =
      options.timeoutSeconds === undefined || pid === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            killGroup(pid);
          }, options.timeoutSeconds * 1000);
    child.once("error", (error) => {
      clearTimeout(timer);
      if (pid !== undefined) running.delete(pid);
      reject(new Error(`could not run ${command}: ${error.message}`, { cause: error }));
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (pid !== undefined) {
        running.delete(pid);
        killGroup(pid); // whatever the child left running in its group
      }
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        seconds: (performance.now() - started) / 1000,
        timedOut,
      });
    });
  });
}

/**
 * The environment of a consumer's shell: ours without the `npm_*` variables that pnpm sets for scripts
 * (`npm_config_*` from our `.npmrc`, `npm_package_*`, `npm_lifecycle_*`), which would otherwise reach npm and node.
 */
export function consumerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key)) env[key] = value;
  }
  return env;
}
