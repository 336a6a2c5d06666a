import { describe, expect, it } from "vitest";
import { isPackedFolder, packFolder, unpackFolder } from "./folder-blob";

describe("packFolder / unpackFolder", () => {
  it("round-trips files and their paths through one Blob", async () => {
    const packed = packFolder([
      { path: "aclImdb/train/pos/1_9.txt", file: new Blob(["Großartig ✓"]) },
      { path: "aclImdb/test/neg/2_1.txt", file: new Blob([""]) },
      { path: "aclImdb/README", file: new Blob(["x".repeat(1000)]) },
    ]);
    expect(isPackedFolder(packed)).toBe(true);
    const files = await unpackFolder(packed);
    expect(files.map((f) => f.path)).toStrictEqual(["aclImdb/train/pos/1_9.txt", "aclImdb/test/neg/2_1.txt", "aclImdb/README"]);
    expect(await Promise.all(files.map((f) => f.file.text()))).toStrictEqual(["Großartig ✓", "", "x".repeat(1000)]);
  });

  it("rejects a Blob without the index", async () => {
    expect(isPackedFolder(new Blob(["abc"]))).toBe(false);
    await expect(unpackFolder(new Blob(["abc"]))).rejects.toThrow("expected a packed folder, got a Blob of 3 bytes without its index");
  });
});
