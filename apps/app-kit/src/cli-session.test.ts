import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const fixture = join(import.meta.dirname, "__fixtures__", "cli-fixture.ts");

/** Runs the fixture CLI; `onStdout` may send signals; rejects when it does not exit within `limitMs`. */
function run(scenario: string, limitMs: number, onStdout?: (text: string, pid: number) => void) {
  return new Promise<{ code: number | null; stdout: string; stderr: string; ms: number }>((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, ["--import", "tsx", fixture, scenario], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      onStdout?.(stdout, child.pid as number);
    });
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${scenario}: still running after ${limitMs} ms (it hangs); stderr: ${stderr}`));
    }, limitMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

describe("runCli", () => {
  it("exits with 1 after an error raised while a progress bar runs (it stops the bar)", async () => {
    const r = await run("bar-then-error", 20_000);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("fixture: the model produced NaN");
  });

  it("ends a finished command that a forgotten handle would keep alive", async () => {
    const r = await run("leaked-handle", 20_000);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("done\n");
  });

  it("prints the error code and the hint", async () => {
    const r = await run("coded-error", 20_000);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("fixture: runs/x is in use by pid 1 [RUN_FOLDER_LOCKED]\nfixture: wait for it\n");
  });

  it("lets a critical write finish after a SIGTERM, then stops with exit code 143", async () => {
    let sent = false;
    const r = await run("critical", 20_000, (out, pid) => {
      if (!sent && out.includes("writing")) {
        sent = true;
        process.kill(pid, "SIGTERM");
      }
    });
    expect(r.code).toBe(143);
    expect(r.stdout).toBe("writing\nwritten\n");
    expect(r.stderr).toContain("interrupted (SIGTERM): finishing writing the bundle first");
    expect(r.stderr).toContain("interrupted (SIGTERM) after writing the bundle; run the same command again to finish [INTERRUPTED]");
  });
});
