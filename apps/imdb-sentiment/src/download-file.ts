import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";

/** The official archive of the Large Movie Review Dataset (Maas et al., 2011). */
export const OFFICIAL_IMDB_ARCHIVE = {
  url: "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz",
  // published by tensorflow-datasets (url_checksums) and others for aclImdb_v1.tar.gz, 84,125,825 bytes
  sha256: "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe",
  bytes: 84_125_825,
} as const;

/** Why a download failed. */
export type DownloadErrorCode = "HTTP_STATUS" | "NETWORK" | "CHECKSUM_MISMATCH";

/** A failed download; `code` says why. */
export class DownloadError extends Error {
  override readonly name = "DownloadError";
  constructor(
    readonly code: DownloadErrorCode,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }
}

/** Options of {@link downloadFile}. */
export interface DownloadFileOptions {
  url: string;
  /** Final path; the bytes go to `<destination>.partial` until they are complete and verified. */
  destination: string;
  /** Expected SHA-256 (hex) of the whole file. */
  sha256: string;
  /** Called as bytes arrive: received so far (resumed bytes included) and the total when known. */
  onProgress?: (received: number, total: number | null) => void;
  /**
   * Attempts after a dropped connection, each resuming with an HTTP Range request.
   * @default 5
   */
  retries?: number;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

/**
 * Downloads a file with resume and a checksum check. A `.partial` file left
 * by an interrupted run (or a connection dropped midway) is continued with a
 * `Range` request; a server that ignores the range restarts from zero. The
 * complete file is verified against `sha256` before it is renamed to its
 * final name; on a mismatch the partial file is deleted.
 *
 * @returns the destination path.
 * @throws {DownloadError} `HTTP_STATUS` (e.g. 404), `NETWORK` (offline, after the retries), `CHECKSUM_MISMATCH`.
 */
export async function downloadFile(options: DownloadFileOptions): Promise<string> {
  const { url, destination, sha256 } = options;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const retries = options.retries ?? 5;
  const partial = `${destination}.partial`;
  await mkdir(dirname(destination), { recursive: true });
  if ((await sizeOf(destination)) !== null) {
    if ((await hashFile(destination)) === sha256) return destination;
    await rm(destination); // a corrupt leftover: download again
  }
  let lastError: unknown = null;
  for (let attempt = 0; attempt <= retries; attempt++) {
    const have = (await sizeOf(partial)) ?? 0;
    let response: Response;
    try {
      response = await fetchImpl(url, { headers: have > 0 ? { Range: `bytes=${have}-` } : {} });
    } catch (error) {
      lastError = error;
      continue; // connection refused or reset before any byte: try again, then give up below
    }
    if (response.status === 416 && have > 0) {
      // the partial file already holds everything the server has
      await response.body?.cancel();
      break;
    }
    if (response.status !== 200 && response.status !== 206) {
      await response.body?.cancel();
      throw new DownloadError("HTTP_STATUS", `GET ${url}: HTTP ${response.status} ${response.statusText}`);
    }
    const append = response.status === 206 && have > 0;
    const length = Number(response.headers.get("content-length") ?? Number.NaN);
    const total = Number.isFinite(length) ? length + (append ? have : 0) : null;
    const handle = await open(partial, append ? "a" : "w");
    let received = append ? have : 0;
    try {
      if (response.body === null) throw new Error("empty response body");
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        await handle.write(chunk);
        received += chunk.length;
        options.onProgress?.(received, total);
      }
      lastError = null;
    } catch (error) {
      lastError = error; // dropped midway: keep the bytes and resume
    } finally {
      await handle.close();
    }
    if (lastError === null && (total === null || received >= total)) break;
  }
  if (lastError !== null) {
    throw new DownloadError(
      "NETWORK",
      `could not download ${url} after ${retries + 1} attempts (${describe(lastError)}). ` +
        "If this machine is offline, pass --data <archive or folder> with a local copy of the IMDb data.",
      { cause: lastError },
    );
  }
  const actual = await hashFile(partial);
  if (actual !== sha256) {
    await rm(partial, { force: true });
    throw new DownloadError("CHECKSUM_MISMATCH", `downloaded ${url} but its SHA-256 is ${actual}, expected ${sha256}; the partial file was deleted`);
  }
  await rename(partial, destination);
  return destination;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
  }
  return String(error);
}

async function sizeOf(path: string): Promise<number | null> {
  try {
    return (await stat(path)).size;
  } catch {
    return null;
  }
}

/** SHA-256 (hex) of a file, streamed. */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
