import { existsSync, readFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { createContext, runInContext } from "node:vm";
import { build, formatMessages, type Message, type Metafile } from "esbuild";
import { describe, expect, it } from "vitest";
import type * as TextPrep from "./index";

// Every entry of the package but ./node must bundle for browsers: esbuild
// with platform "browser" (what Vite and other bundlers do) must resolve
// every import with no error and no warning. A Node built-in (node:fs,
// worker_threads, ...) or a Node-only package (tar-stream, csv-parse)
// anywhere in an entry's import graph fails here. The bundles must not need
// the node entry's files, and must run where there is no Node global
// (Buffer, process, require, __filename): a vm context with only what
// browsers have.
const root = resolve(__dirname, "..");
const manifest = JSON.parse(readFileSync(resolve(root, "package.json"), "utf8")) as {
  exports: Record<string, string | Record<string, { default: string }>>;
};
/** The browser entries' built files: `[subpath, condition, file]` for each `import` / `require` target. */
const targets: [string, string, string][] = [];
for (const [subpath, conditions] of Object.entries(manifest.exports)) {
  if (subpath === "./package.json" || subpath === "./node" || typeof conditions === "string") continue;
  for (const [condition, target] of Object.entries(conditions)) targets.push([subpath, condition, resolve(root, target.default)]);
}
const built = targets.length > 0 && targets.every(([, , file]) => existsSync(file));
if (!built) console.warn(`skipping the browser-bundle tests of the build: run the build first (${resolve(root, "dist")} is incomplete)`);

// Files of the node entry, which no browser bundle may include.
const nodeOnly = ["dist/node.js", "dist/node.cjs", "dist/text-worker.js", "dist/text-worker.cjs"];

async function bundle(entry: string): Promise<{ code: string; inputs: string[]; problems: string[] }> {
  const report = async (messages: Message[], kind: "error" | "warning"): Promise<string[]> =>
    (await formatMessages(messages, { kind, color: false })).map((text) => text.trim());
  try {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      platform: "browser",
      format: "iife",
      globalName: "textPrep",
      write: false,
      metafile: true,
      logLevel: "silent",
      absWorkingDir: root,
    });
    const code = (result.outputFiles[0] as { text: string }).text;
    const inputs = Object.keys((result.metafile as Metafile).inputs);
    return { code, inputs, problems: [...(await report(result.errors, "error")), ...(await report(result.warnings, "warning"))] };
  } catch (error) {
    const failure = error as { errors?: Message[]; warnings?: Message[] };
    if (failure.errors === undefined) throw error;
    return { code: "", inputs: [], problems: [...(await report(failure.errors, "error")), ...(await report(failure.warnings ?? [], "warning"))] };
  }
}

/** Runs an iife bundle in a context with only the globals browsers have (no Buffer, process, require, __filename). */
function runInBrowserLikeContext(code: string): Record<string, unknown> {
  const context = createContext({ TextEncoder, TextDecoder, console });
  runInContext(`${code}\nglobalThis.textPrep = textPrep;`, context);
  for (const name of ["Buffer", "process", "require", "__filename", "module", "document"]) {
    expect(runInContext(`typeof ${name}`, context), name).toBe("undefined");
  }
  return context["textPrep"] as Record<string, unknown>;
}

// What the bundle is run on; the same calls on the package in Node must give the same.
type Api = typeof TextPrep;
const longText = "A long review of a film, well over sixteen characters, with <br />tags and café; and "; // Latin-1 fast path in Node
function exercise(api: Api): unknown {
  const { CharEncoder, TokenCounter, TokenTextEncoder, tokenize } = api;
  const texts = [longText.repeat(3), "Great FILM, great cast.", "ж и 𝒳 — wide characters", ""];
  const counter = new TokenCounter({ stripHtml: true, keepIds: true });
  for (const text of texts) counter.addText(text);
  const encoder = TokenTextEncoder.fromJSON(
    JSON.parse(JSON.stringify(new TokenTextEncoder(counter.toVocabulary({ minCount: 2 }), { stripHtml: true }))),
  );
  const counted = encoder.encodeCounted(counter).map((ids) => [...ids]);
  const encoded = texts.map((text) => [...encoder.encode(text)]);
  const chars = CharEncoder.fromJSON(JSON.parse(JSON.stringify(CharEncoder.fromText(longText))));
  return {
    tokens: tokenize(longText, { lowercase: true }),
    entries: [...counter.entries()],
    counted,
    sameAsEncode: JSON.stringify(counted) === JSON.stringify(encoded),
    decoded: encoder.decode(encoder.encode(texts[1] as string)),
    chars: [...chars.encode("A film")],
  };
}

describe("browser bundles of the main entry", () => {
  it("bundles src/index.ts for the browser with no error or warning, importing nothing from src/node/", async () => {
    const { inputs, problems } = await bundle("src/index.ts");
    expect(problems).toEqual([]);
    expect(inputs.filter((input) => input.startsWith("src/node/") || !input.startsWith("src/"))).toEqual([]);
  });

  // In CI the build runs before the tests: a missing dist fails here instead of skipping the tests below.
  it.runIf(Boolean(process.env.CI))("finds the built entries in CI", () => {
    expect(built).toBe(true);
  });

  it.skipIf(!built).each(targets)("%s (%s: %s) bundles for the browser, without the node entry's files, and runs without Node globals", async (_subpath, _condition, file) => {
    const { code, inputs, problems } = await bundle(relative(root, file));
    expect(problems).toEqual([]);
    // Only the package's own build: no dependency, none of the node entry's files.
    expect(inputs.filter((input) => !input.startsWith("dist/"))).toEqual([]);
    expect(inputs.filter((input) => nodeOnly.includes(input))).toEqual([]);
    expect(inputs).toContain(relative(root, file));

    const api = runInBrowserLikeContext(code) as unknown as Api;
    const inNode = (await import(pathToFileURL(file).href)) as Api;
    const result = exercise(api);
    expect(JSON.parse(JSON.stringify(result))).toEqual(JSON.parse(JSON.stringify(exercise(inNode))));
    expect((result as { sameAsEncode: boolean }).sameAsEncode).toBe(true);
    // Errors are the package's class, with their code, in the bundle too.
    expect(() => (api.TokenTextEncoder as Api["TokenTextEncoder"]).fromJSON({ format: "x" })).toThrow(
      expect.objectContaining({ name: "TextPrepError", code: "MALFORMED_FILE" }),
    );
  });
});
