import { BUNDLE_FILES } from "@recurrent/models";
import { unzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { pickedBundleReader, zipBundle } from "./bundle-files";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const contents = new Map(Object.values(BUNDLE_FILES).map((name) => [name, enc(`contents of ${name}`)] as const));

describe("bundle files", () => {
  it("zips a bundle under bundle/, which is what the CLI's --run-dir expects after unzipping", () => {
    const entries = unzipSync(zipBundle(contents));
    expect(Object.keys(entries).sort()).toStrictEqual(Object.values(BUNDLE_FILES).map((n) => `bundle/${n}`).sort());
    expect(dec(entries["bundle/model.json"]!)).toBe("contents of model.json");
  });

  it("reads a picked .zip, or the picked files themselves (folder picker paths or plain names)", async () => {
    const zip = new File([zipBundle(contents) as Uint8Array<ArrayBuffer>], "imdb-sentiment-bundle.zip");
    const fromZip = await pickedBundleReader([zip]);
    expect(dec(await fromZip("weights.bin"))).toBe("contents of weights.bin");
    const files = [...contents].map(([name, bytes]) => new File([bytes as Uint8Array<ArrayBuffer>], name));
    const fromFiles = await pickedBundleReader([...files, new File(["x"], "report.html")]);
    expect(dec(await fromFiles("bundle.json"))).toBe("contents of bundle.json");
  });

  it("says what is missing or doubled", async () => {
    const reader = await pickedBundleReader([new File(["{}"], "model.json")]);
    await expect(reader("weights.bin")).rejects.toThrow("the picked files have no weights.bin");
    await expect(pickedBundleReader([new File(["x"], "notes.txt")])).rejects.toThrow(/expected a model bundle \(bundle\.json, .*\), got notes\.txt/);
    await expect(pickedBundleReader([new File(["{}"], "model.json"), new File([zipBundle(contents) as Uint8Array<ArrayBuffer>], "b.zip")])).rejects.toThrow(/expected one model\.json among the picked files, got two/);
  });
});
