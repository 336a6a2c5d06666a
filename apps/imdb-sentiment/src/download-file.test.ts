import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { readImdb } from "@recurrent/text-prep/node";
import { pack } from "tar-stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { downloadFile, DownloadError } from "./download-file";

// A small archive in the official layout, made here.
async function makeArchive(): Promise<Buffer> {
  const tar = pack();
  const chunks: Buffer[] = [];
  tar.on("data", (c: Buffer) => chunks.push(c));
  const done = new Promise((resolve) => tar.on("end", resolve));
  const reviews = [
    ["aclImdb/train/pos/1_9.txt", "A wonderful film. ".repeat(400)],
    ["aclImdb/train/neg/2_2.txt", "Dull and far too long. ".repeat(400)],
    ["aclImdb/test/pos/3_8.txt", "Lovely acting<br />and a great score."],
    ["aclImdb/test/neg/4_1.txt", "The worst."],
  ];
  for (const [name, text] of reviews) tar.entry({ name: name! }, text!);
  // incompressible filler, as in the official archive's extra files, so that "half" is many network chunks
  tar.entry({ name: "aclImdb/imdbEr.txt" }, randomBytes(300_000).toString("base64"));
  tar.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}

let archive: Buffer;
let sha256: string;
let server: Server;
let base: string;
let dir: string;
const requests: { path: string; range: string | undefined }[] = [];
let dropNext = false;

beforeAll(async () => {
  archive = await makeArchive();
  sha256 = createHash("sha256").update(archive).digest("hex");
  dir = await mkdtemp(join(tmpdir(), "imdb-download-"));
  server = createServer((req, res) => {
    requests.push({ path: req.url ?? "", range: req.headers.range });
    if (req.url !== "/aclImdb_v1.tar.gz") {
      res.writeHead(404, "Not Found").end();
      return;
    }
    let start = 0;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    if (range !== null) start = Number(range[1]);
    const body = archive.subarray(start);
    res.writeHead(range === null ? 200 : 206, { "content-length": String(body.length), "content-type": "application/gzip" });
    if (dropNext) {
      // send half, then cut the connection
      dropNext = false;
      res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.destroy());
      return;
    }
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  base = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

describe("downloadFile against a loopback HTTP server", () => {
  it("downloads a complete archive, verifies it, and the IMDb reader reads it", async () => {
    const destination = join(dir, "complete", "aclImdb_v1.tar.gz");
    const progress: number[] = [];
    await downloadFile({ url: `${base}/aclImdb_v1.tar.gz`, destination, sha256, onProgress: (r) => progress.push(r) });
    expect((await readFile(destination)).equals(archive)).toBe(true);
    expect(progress.at(-1)).toBe(archive.length);
    expect(await readdir(join(dir, "complete"))).toStrictEqual(["aclImdb_v1.tar.gz"]);
    const reviews = [];
    for await (const r of readImdb(destination)) reviews.push(r);
    expect(reviews.map((r) => [r.split, r.label, r.id]).sort()).toStrictEqual([
      ["test", 0, 4],
      ["test", 1, 3],
      ["train", 0, 2],
      ["train", 1, 1],
    ]);
    // a second call finds the verified file and does not download again
    const before = requests.length;
    await downloadFile({ url: `${base}/aclImdb_v1.tar.gz`, destination, sha256 });
    expect(requests.length).toBe(before);
  });

  it("resumes with a Range request after the connection drops midway", async () => {
    const destination = join(dir, "dropped", "aclImdb_v1.tar.gz");
    dropNext = true;
    const before = requests.length;
    await downloadFile({ url: `${base}/aclImdb_v1.tar.gz`, destination, sha256 });
    expect((await readFile(destination)).equals(archive)).toBe(true);
    const made = requests.slice(before);
    expect(made).toHaveLength(2);
    expect(made[0]!.range).toBeUndefined();
    expect(made[1]!.range).toMatch(/^bytes=[1-9]\d*-$/);
  });

  it("continues a .partial file left by an earlier run", async () => {
    const destination = join(dir, "partial", "aclImdb_v1.tar.gz");
    await downloadFile({ url: `${base}/aclImdb_v1.tar.gz`, destination: join(dir, "partial", "seed"), sha256 });
    await writeFile(`${destination}.partial`, archive.subarray(0, 1000));
    const before = requests.length;
    await downloadFile({ url: `${base}/aclImdb_v1.tar.gz`, destination, sha256 });
    expect(requests[before]!.range).toBe("bytes=1000-");
    expect((await readFile(destination)).equals(archive)).toBe(true);
  });

  it("rejects a checksum mismatch and deletes the partial file", async () => {
    const destination = join(dir, "mismatch", "aclImdb_v1.tar.gz");
    const error = await downloadFile({ url: `${base}/aclImdb_v1.tar.gz`, destination, sha256: "0".repeat(64) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DownloadError);
    expect((error as DownloadError).code).toBe("CHECKSUM_MISMATCH");
    expect((error as DownloadError).message).toContain(`its SHA-256 is ${sha256}, expected ${"0".repeat(64)}`);
    expect(await readdir(join(dir, "mismatch"))).toStrictEqual([]);
  });

  it("reports a 404 with the URL and status", async () => {
    const destination = join(dir, "missing", "x.tar.gz");
    await expect(downloadFile({ url: `${base}/nope.tar.gz`, destination, sha256 })).rejects.toMatchObject({
      code: "HTTP_STATUS",
      message: `GET ${base}/nope.tar.gz: HTTP 404 Not Found`,
    });
  });

  it("says how to work offline when nothing answers", async () => {
    const destination = join(dir, "offline", "x.tar.gz");
    // port 9 on loopback: nothing listens there, the connection is refused
    await expect(downloadFile({ url: "http://127.0.0.1:9/aclImdb_v1.tar.gz", destination, sha256, retries: 1 })).rejects.toThrow(
      /after 2 attempts .*pass --data <archive or folder>/,
    );
  });
});
