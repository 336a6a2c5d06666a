import { writeFile } from "node:fs/promises";
import { gzipSync } from "node:zlib";
import { pack, type Headers } from "tar-stream";

/** One entry of a test archive: a file (string or bytes) or another entry type. */
export interface FixtureEntry {
  name: string;
  data?: string | Uint8Array;
  type?: Headers["type"];
}

/** Builds a tar archive in memory with tar-stream's packer. */
export async function makeTar(entries: readonly FixtureEntry[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const chunk of p) chunks.push(chunk as Buffer);
  })();
  for (const e of entries) {
    const type = e.type ?? "file";
    if (type === "file") {
      const data = typeof e.data === "string" ? Buffer.from(e.data, "utf8") : Buffer.from(e.data ?? new Uint8Array(0));
      await new Promise<void>((resolve, reject) => p.entry({ name: e.name, type }, data, (err) => (err ? reject(err) : resolve())));
    } else {
      const header: Headers = type === "symlink" ? { name: e.name, type, linkname: "elsewhere" } : { name: e.name, type };
      await new Promise<void>((resolve, reject) => p.entry(header, (err) => (err ? reject(err) : resolve())));
    }
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** Writes `entries` as a tar (gzipped unless `gzip: false`) to `file`. */
export async function writeArchive(file: string, entries: readonly FixtureEntry[], gzip = true): Promise<Buffer> {
  const tar = await makeTar(entries);
  const bytes = gzip ? gzipSync(tar) : tar;
  await writeFile(file, bytes);
  return bytes;
}
