// Global setup of the browser tests: a model bundle made by the imdb-sentiment CLI (and its predicted
// probability), and two `vite preview` servers of the production build on 127.0.0.1, one sending COOP/COEP and
// one not. Torn down (servers stopped, temporary folder removed) after the tests.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { ProvidedContext } from "vitest";
import type { TestProject } from "vitest/node";

const run = promisify(execFile);
const appDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const repoRoot = resolve(appDir, "../..");

/** The review the CLI scores in setup and the page scores in the tests. */
export const REVIEW = "A wonderful, moving film: the acting is superb and the story kept me hooked to the very end.";

declare module "vitest" {
  export interface ProvidedContext {
    servers: { isolated: string; plain: string };
    dataDir: string | null;
    cli: { runDir: string; probability: number; review: string; tmp: string } | null;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address !== null ? resolvePort(address.port) : reject(new Error("no port"))));
    });
  });
}

async function startPreview(isolation: "on" | "off"): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(appDir, "node_modules/vite/bin/vite.js"), "preview", "--logLevel", "warn"], {
    cwd: appDir,
    env: { ...process.env, WEB_ISOLATION: isolation, WEB_PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}/`;
  const started = Date.now();
  while (Date.now() - started < 30_000) {
    if (child.exitCode !== null) throw new Error(`vite preview (WEB_ISOLATION=${isolation}) exited with ${child.exitCode}: ${output}`);
    try {
      if ((await fetch(url)).ok) return { url, child };
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill();
  throw new Error(`vite preview (WEB_ISOLATION=${isolation}) did not answer on ${url} within 30 s: ${output}`);
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!existsSync(join(appDir, "dist/index.html"))) {
    throw new Error(`expected the production build in ${join(appDir, "dist")}: run \`vite build\` first (the test:browser script does)`);
  }
  const dataDir = resolve(repoRoot, "../shared/data");
  const haveData = existsSync(join(dataDir, "aclImdb-labeled.tar.gz")) && existsSync(join(dataDir, "mysterious-island.txt"));
  if (!haveData && process.env.CI !== undefined) throw new Error(`expected the real data in ${dataDir} (CI is set), found none`);
  project.provide("dataDir", haveData ? dataDir : null);

  const tmp = mkdtempSync(join(tmpdir(), "web-browser-test-"));
  let cli: ProvidedContext["cli"] = null;
  if (haveData) {
    const cliPath = join(repoRoot, "apps/imdb-sentiment/dist/cli.js");
    if (!existsSync(cliPath)) throw new Error(`expected the imdb-sentiment CLI built at ${cliPath} (pnpm build)`);
    const runDir = join(tmp, "cli-run");
    // The same data, seed and limit as the page's runs in the tests (so the vocabularies must be equal), one epoch.
    await run(process.execPath, [cliPath, "train", "--data", join(dataDir, "aclImdb-labeled.tar.gz"), "--limit", "1000", "--epochs", "1", "--bucket", "--mask", "--run-dir", runDir], {
      cwd: join(repoRoot, "apps/imdb-sentiment"),
      maxBuffer: 16 * 1024 * 1024,
    });
    const { stdout } = await run(process.execPath, [cliPath, "predict", "--run-dir", runDir, REVIEW], { cwd: join(repoRoot, "apps/imdb-sentiment") });
    const probability = Number(stdout.trim().split("\t")[0]);
    if (!(probability >= 0 && probability <= 1)) throw new Error(`expected the CLI's predict to print a probability, got ${JSON.stringify(stdout)}`);
    cli = { runDir, probability, review: REVIEW, tmp };
  }
  project.provide("cli", cli);

  const isolated = await startPreview("on");
  const plain = await startPreview("off");
  project.provide("servers", { isolated: isolated.url, plain: plain.url });
  return async () => {
    for (const child of [isolated.child, plain.child]) child.kill();
    rmSync(tmp, { recursive: true, force: true });
  };
}
