import { Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { extract as createExtract, type Headers } from "tar-stream";
import { MAX_TEXT_BYTES, fsError } from "./io-errors";
import { formatBytes, openRegularFile } from "./open-regular-file";
import { TextPrepError } from "../../text-prep-error";

/** One regular-file entry of a tar archive, read fully into memory. @internal */
export interface ArchiveEntry {
  /** The entry's path inside the archive (checked: relative, no `..`). */
  readonly name: string;
  /** The entry's bytes. */
  readonly data: Buffer;
}

const BLOCK = 512;
const QUEUE_LIMIT = 64;

/** Keeps the last 512 bytes that went through, to check the end-of-archive block. */
class TailKeeper extends Transform {
  tail: Buffer = Buffer.alloc(0);
  bytes = 0;
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    this.tail =
      chunk.length >= BLOCK
        ? chunk.subarray(chunk.length - BLOCK)
        : Buffer.concat([this.tail, chunk]).subarray(-BLOCK);
    callback(null, chunk);
  }
}

/**
 * Rejects absolute paths, Windows drive paths and any `..` segment: on
 * extraction such an entry would land outside the target folder.
 * @internal
 */
export function checkEntryPath(name: string, file: string): void {
  const first = name.charCodeAt(0);
  // Fast path (every entry of a sane archive): no "..", not absolute, no drive letter.
  if (!name.includes("..") && first !== 0x2f && first !== 0x5c && name.charCodeAt(1) !== 0x3a) return;
  const segments = name.split(/[\\/]+/);
  if (name.startsWith("/") || name.startsWith("\\") || /^[A-Za-z]:/.test(name) || segments.includes("..")) {
    throw new TextPrepError(
      "UNSAFE_PATH",
      `${file}: archive entry "${name}" escapes the archive root (absolute path or ".." segment)`,
      { file },
    );
  }
}

function isGzipName(file: string): boolean {
  return /\.(t?gz|gzip)$/i.test(file);
}

/**
 * Streams the regular files of a tar or tar.gz archive without extracting
 * anything to disk. Gzip is detected from the magic bytes. Every problem
 * (not a regular file, not gzip, not tar, truncated, corrupt, unsafe path, an
 * entry too large to decode) is raised as a {@link TextPrepError} naming the
 * file; nothing is skipped silently except directory entries and the entries
 * `keep` turns down (read past without being held in memory).
 *
 * @param keep - Which regular-file entries to yield (by path); default all.
 * @internal
 */
export async function* readArchiveEntries(file: string, keep?: (name: string) => boolean): AsyncGenerator<ArchiveEntry> {
  // A FIFO, socket or device is refused here, before a byte is read.
  const { handle } = await openRegularFile(file);
  let magic: Buffer;
  try {
    magic = Buffer.alloc(2);
    const { bytesRead } = await handle.read(magic, 0, 2, 0);
    magic = magic.subarray(0, bytesRead);
  } catch (error) {
    await handle.close();
    throw fsError(file, error);
  }
  const gzipped = magic.length === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  if (!gzipped && isGzipName(file)) {
    await handle.close();
    throw new TextPrepError(
      "NOT_GZIP",
      `${file}: expected gzip data (magic bytes 1f 8b), got ${magic.length === 0 ? "an empty file" : magic.toString("hex").replace(/(..)(..)/, "$1 $2")}`,
      { file },
    );
  }

  // The same descriptor: what was checked is what is read. Closed by the stream.
  const source = handle.createReadStream({ start: 0, highWaterMark: 1 << 20 });
  const tail = new TailKeeper();
  const extract = createExtract();
  const stages = gzipped ? [source, createGunzip({ chunkSize: 1 << 18 }), tail, extract] : [source, tail, extract];
  let entries = 0;
  let lastName: string | null = null;
  const done = (pipeline as (...streams: unknown[]) => Promise<void>)(...stages).then(
    () => null,
    (error: unknown) => error,
  );

  const classify = (error: unknown): TextPrepError => {
    if (error instanceof TextPrepError) return error;
    const code = (error as NodeJS.ErrnoException | null)?.code;
    const message = error instanceof Error ? error.message : String(error);
    const after = lastName === null ? "" : ` (after entry "${lastName}")`;
    if (code === "Z_BUF_ERROR" || /unexpected end of file/i.test(message)) {
      return new TextPrepError("TRUNCATED_ARCHIVE", `${file}: gzip stream ends early, the archive is truncated${after}`, {
        file,
        cause: error,
      });
    }
    if (typeof code === "string" && code.startsWith("Z_")) {
      return new TextPrepError(
        entries === 0 && /header/i.test(message) ? "NOT_GZIP" : "MALFORMED_FILE",
        `${file}: corrupt gzip data (${message})${after}`,
        { file, cause: error },
      );
    }
    if (/Unexpected end of data/.test(message)) {
      return entries === 0 && tail.bytes < BLOCK
        ? new TextPrepError("NOT_TAR", `${file}: expected a tar archive, got ${tail.bytes} bytes (less than one 512-byte header)`, {
            file,
            cause: error,
          })
        : new TextPrepError("TRUNCATED_ARCHIVE", `${file}: tar data ends inside an entry, the archive is truncated${after}`, {
            file,
            cause: error,
          });
    }
    if (/Invalid tar header/.test(message)) {
      return entries === 0
        ? new TextPrepError("NOT_TAR", `${file}: expected a tar archive${gzipped ? " inside the gzip data" : ""}, got bytes that are not a tar header`, {
            file,
            cause: error,
          })
        : new TextPrepError("MALFORMED_FILE", `${file}: corrupt tar header${after}`, { file, cause: error });
    }
    if (code !== undefined) return fsError(file, error);
    return new TextPrepError("MALFORMED_FILE", `${file}: could not read the archive (${message})${after}`, {
      file,
      cause: error,
    });
  };

  // Entries are collected from tar-stream's "entry" events into a small queue
  // (cheaper than one async iterator per entry); holding back tar-stream's
  // `next` callback when the queue is full gives backpressure.
  const queue: ArchiveEntry[] = [];
  // Assigned in callbacks: typed through a box so control-flow narrowing stays honest.
  const state: { held: (() => void) | null; failure: TextPrepError | null } = { held: null, failure: null };
  let ended = false;
  let wake: (() => void) | null = null;
  const notify = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  const fail = (error: TextPrepError): void => {
    state.failure ??= error;
    notify();
  };
  extract.on("entry", (header: Headers, stream: NodeJS.ReadableStream, next: () => void) => {
    const { name, type } = header;
    entries++;
    stream.on("error", () => {}); // reported through the pipeline
    try {
      checkEntryPath(name, file);
    } catch (error) {
      fail(error as TextPrepError);
      return;
    }
    if (type !== "file" && type !== "contiguous-file" && type !== "directory") {
      fail(
        new TextPrepError(
          "MALFORMED_FILE",
          `${file}: archive entry "${name}" is a ${type ?? "unknown"} entry, expected regular files and folders only`,
          { file },
        ),
      );
      return;
    }
    const kept = type !== "directory" && (keep === undefined || keep(name));
    const size = header.size ?? 0;
    if (kept && size > MAX_TEXT_BYTES) {
      // Known from the header: refused before the bytes are held in memory (a gzip bomb would not fit).
      fail(
        new TextPrepError(
          "FILE_TOO_LARGE",
          `${file}: archive entry "${name}" is ${formatBytes(size)}, expected at most ${formatBytes(MAX_TEXT_BYTES)} (more UTF-8 cannot fit in one JavaScript string)`,
          { file },
        ),
      );
      return;
    }
    const chunks: Buffer[] = [];
    if (kept) stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    else stream.resume();
    stream.on("end", () => {
      lastName = name;
      if (!kept) {
        next();
        return;
      }
      queue.push({ name, data: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks) });
      notify();
      if (queue.length < QUEUE_LIMIT) next();
      else state.held = next;
    });
  });
  const settled = done.then((error) => {
    ended = true;
    notify();
    return error;
  });

  let finished = false;
  try {
    let head = 0;
    for (;;) {
      while (head < queue.length && state.failure === null) {
        const entry = queue[head] as ArchiveEntry;
        queue[head++] = undefined as unknown as ArchiveEntry;
        if (head === queue.length) {
          queue.length = 0;
          head = 0;
        }
        const resume = state.held;
        if (resume !== null && queue.length - head < QUEUE_LIMIT / 2) {
          state.held = null;
          resume();
        }
        yield entry;
      }
      if (state.failure !== null) throw state.failure;
      if (ended) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
    const stageError = await settled;
    if (stageError !== null) throw classify(stageError);
    if (tail.bytes === 0) {
      throw new TextPrepError("NOT_TAR", `${file}: expected a tar archive, got no data`, { file });
    }
    if (tail.bytes % BLOCK !== 0 || tail.tail.some((b) => b !== 0)) {
      throw new TextPrepError(
        "TRUNCATED_ARCHIVE",
        `${file}: the tar data has no end-of-archive block, the archive is truncated${lastName === null ? "" : ` (after entry "${lastName}")`}`,
        { file },
      );
    }
    finished = true;
  } finally {
    if (!finished) {
      source.destroy();
      extract.destroy();
      await done;
    }
  }
}
