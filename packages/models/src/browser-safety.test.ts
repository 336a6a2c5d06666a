import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

// The main entry must bundle for browsers: no Node built-in may be imported outside src/node/ (the
// "@recurrent/models/node" subpath) and tests.
async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files = await Promise.all(
    entries.map((e) => (e.isDirectory() ? sources(join(dir, e.name)) : Promise.resolve(e.name.endsWith(".ts") ? [join(dir, e.name)] : []))),
  );
  return files.flat();
}

describe("browser safety of the main entry", () => {
  it("imports no Node built-in outside src/node and the tests", async () => {
    const root = import.meta.dirname;
    const offenders: string[] = [];
    for (const file of await sources(root)) {
      const rel = relative(root, file);
      if (rel.startsWith("node/") || rel.endsWith(".test.ts") || rel === "expect-close.ts") continue;
      const text = await readFile(file, "utf8");
      const builtins = ["fs", "path", "os", "crypto", "child_process", "stream", "url", "worker_threads", "module"];
      const pattern = new RegExp(`from\\s+["'](node:[a-z_/]+|(${builtins.join("|")})(/[a-z]+)?)["']`, "g");
      for (const m of text.matchAll(pattern)) offenders.push(`${rel}: ${m[1]}`);
    }
    expect(offenders).toStrictEqual([]);
  });
});
