import { execFile } from "node:child_process";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

// The README's "Generation" example runs as written: the ```ts block of that section is saved inside the package
// (as an ES module in node_modules/.cache, where lint and typecheck do not look and imports resolve as a user's
// would) and run with tsx in a child process. The one change: "@recurrent/models" points at this package's
// source instead of its build, so the test needs no build first.

const packageDir = resolve(import.meta.dirname, "..", "..");

async function generationBlocks(): Promise<string[]> {
  const readme = await readFile(join(packageDir, "README.md"), "utf8");
  const start = readme.indexOf("\n### Generation\n");
  expect(start, 'README.md has a "### Generation" section').toBeGreaterThan(0);
  const end = readme.indexOf("\n#", start + 2);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

describe('README "Generation"', () => {
  it("runs as written and prints what its comments say", async () => {
    const blocks = await generationBlocks();
    expect(blocks).toHaveLength(1);
    const source = blocks[0]!.replaceAll('from "@recurrent/models"', `from ${JSON.stringify(join(packageDir, "src", "index.ts"))}`);
    const dir = join(packageDir, "node_modules", ".cache", "readme-generation");
    await mkdir(dir, { recursive: true });
    const file = join(dir, `example-${process.pid}.mts`);
    await writeFile(file, source);
    try {
      const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", file], { cwd: packageDir, timeout: 120_000 });
      const lines = stdout.trim().split("\n");
      expect(lines).toHaveLength(4);
      expect(lines[0]).toMatch(/^The island.{100}$/s);
      expect(lines[1]).toBe("true");
      expect(lines[2]).toMatch(/^stopped after \d+ characters$/);
      expect(lines[3]).toBe("10 10");
    } finally {
      await rm(file, { force: true });
    }
  });
});
