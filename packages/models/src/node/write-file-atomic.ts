import { randomBytes } from "node:crypto";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";

/**
 * The name of a temporary file or folder beside `path` (`<path>.tmp-<pid>-<random>`); the pid lets
 * {@link removeStaleTemporaries} tell the leftovers of a killed process from the work of a live one.
 */
export function temporaryName(path: string, kind: "tmp" | "old" = "tmp"): string {
  return `${path}.${kind}-${process.pid}-${randomBytes(4).toString("hex")}`;
}

/**
 * Writes a file through a temporary name in the same directory, flushed to
 * disk, then renamed over the target: readers see the old or the new file,
 * never half of one. `data` may be given in chunks (written one after the
 * other, without joining them in memory).
 *
 * @example
 * await writeFileAtomic("runs/x/metrics.json", JSON.stringify(metrics));
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string | readonly Uint8Array[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = temporaryName(path);
  const handle = await open(temporary, "w");
  try {
    if (Array.isArray(data)) {
      for (const chunk of data as readonly Uint8Array[]) await handle.write(chunk);
    } else {
      await handle.writeFile(data as Uint8Array | string);
    }
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
