import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasSpecialFiles, makeFifo } from "../__fixtures__/special-files";
import { CharEncoder, TextPrepError, TokenTextEncoder } from "../index";
import { loadCharEncoder, loadTokenTextEncoder, saveEncoder } from "./index";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "text-prep-encoder-files-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("saveEncoder / loadTokenTextEncoder / loadCharEncoder", () => {
  it("round-trip a TokenTextEncoder through a file holding its toJSON(), leaving no temporary file", async () => {
    const e = new TokenTextEncoder(["a", "b"], { lowercase: true, oovToken: "?" });
    const file = join(dir, "encoder.json");
    await saveEncoder(e, file);
    expect(JSON.parse(await readFile(file, "utf8"))).toEqual(e.toJSON());
    const loaded = await loadTokenTextEncoder(file);
    expect(loaded).toBeInstanceOf(TokenTextEncoder);
    expect([...loaded.encode("B a c")]).toEqual([2, 1, 3]);
    expect(loaded.decode([3])).toBe("?");
    // Saved again over the old file: replaced, and only the file itself is left.
    await saveEncoder(new TokenTextEncoder(["z"]), file);
    expect((await loadTokenTextEncoder(file)).vocabulary).toEqual(["z"]);
    expect((await readdir(dir)).filter((name) => name.startsWith("encoder.json"))).toEqual(["encoder.json"]);
  });

  it("round-trip a CharEncoder", async () => {
    const e = CharEncoder.fromText("hello world");
    const file = join(dir, "chars.json");
    await saveEncoder(e, file);
    const loaded = await loadCharEncoder(file);
    expect(loaded.chars).toEqual(e.chars);
  });

  it("name the file in every error: not found, bad JSON, wrong format, wrong version, unwritable", async () => {
    const missing = join(dir, "missing.json");
    await expect(loadTokenTextEncoder(missing)).rejects.toMatchObject({ code: "FILE_NOT_FOUND", file: missing });
    const bad = join(dir, "bad.json");
    await writeFile(bad, "{not json");
    await expect(loadTokenTextEncoder(bad)).rejects.toMatchObject({ code: "MALFORMED_FILE", file: bad });
    await expect(loadCharEncoder(bad)).rejects.toThrow(`${bad}: expected JSON, got unparsable text`);
    // A CharEncoder file is not a TokenTextEncoder file, and the other way round.
    const chars = join(dir, "other-chars.json");
    await saveEncoder(CharEncoder.fromText("ab"), chars);
    await expect(loadTokenTextEncoder(chars)).rejects.toThrow(
      `${chars}: expected format "@recurrent/text-prep:TokenTextEncoder", got "@recurrent/text-prep:CharEncoder"`,
    );
    const future = join(dir, "future.json");
    await writeFile(future, JSON.stringify({ ...new TokenTextEncoder(["a"]).toJSON(), version: 2 }));
    await expect(loadTokenTextEncoder(future)).rejects.toMatchObject({ code: "UNSUPPORTED_VERSION", file: future });
    const folder = join(dir, "a-folder");
    await mkdir(folder);
    const error = await saveEncoder(new TokenTextEncoder(["a"]), folder).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TextPrepError);
    expect((error as TextPrepError).file).toBe(folder);
  });

  it.runIf(hasSpecialFiles)("refuse a FIFO before reading it (INVALID_ARGUMENT), instead of waiting for a writer", async () => {
    const fifo = join(dir, "pipe.json");
    makeFifo(fifo);
    for (const load of [loadTokenTextEncoder, loadCharEncoder]) {
      await expect(load(fifo)).rejects.toMatchObject({ code: "INVALID_ARGUMENT", file: fifo, message: `${fifo}: expected a regular file, got a FIFO (named pipe)` });
    }
  }, 10_000);

  it("check their arguments", async () => {
    await expect(saveEncoder({ toJSON: () => ({}) } as never, join(dir, "x.json"))).rejects.toThrow(
      new TypeError("expected encoder to be a TokenTextEncoder or a CharEncoder, got an object"),
    );
    await expect(saveEncoder(new TokenTextEncoder(["a"]), "" as never)).rejects.toThrow(new TypeError('expected file to be a non-empty string, got ""'));
    await expect(loadCharEncoder(3 as never)).rejects.toThrow(new TypeError("expected file to be a non-empty string, got 3"));
  });
});
