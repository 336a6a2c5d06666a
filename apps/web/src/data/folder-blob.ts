// A picked folder (the extracted aclImdb/) as one Blob, so that it travels to the worker and into IndexedDB like
// an archive does: 16 bytes giving the length of a JSON index (paths and sizes), the index, then the files' bytes.
// Concatenating Blobs copies nothing: the browser keeps references to the picked files.

/** The MIME type that marks such a Blob. */
export const FOLDER_BLOB_TYPE = "application/x-recurrent-folder";

/** Packs picked files (with their paths inside the folder) into one Blob. */
export function packFolder(files: readonly { file: Blob; path: string }[]): Blob {
  const index = new TextEncoder().encode(JSON.stringify(files.map((f) => ({ path: f.path, size: f.file.size }))));
  const header = new TextEncoder().encode(String(index.length).padStart(16, "0"));
  return new Blob([header, index, ...files.map((f) => f.file)], { type: FOLDER_BLOB_TYPE });
}

/** Whether a Blob was made by {@link packFolder}. */
export function isPackedFolder(blob: Blob): boolean {
  return blob.type === FOLDER_BLOB_TYPE;
}

/**
 * The files of a Blob made by {@link packFolder}, as slices of it.
 *
 * @throws {Error} when the Blob is not such a pack.
 */
export async function unpackFolder(blob: Blob): Promise<{ file: Blob; path: string }[]> {
  const length = Number(await blob.slice(0, 16).text());
  if (!Number.isInteger(length) || length <= 0 || 16 + length > blob.size) throw new Error(`expected a packed folder, got a Blob of ${blob.size} bytes without its index`);
  const index = JSON.parse(await blob.slice(16, 16 + length).text()) as { path: string; size: number }[];
  let offset = 16 + length;
  return index.map(({ path, size }) => {
    const file = blob.slice(offset, offset + size);
    offset += size;
    return { file, path };
  });
}
