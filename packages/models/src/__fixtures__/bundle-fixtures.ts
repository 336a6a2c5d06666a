import { BUNDLE_FILES, type BundleFileReader, type BundleManifest } from "../index";
import { sha256Hex } from "../bundles/sha256";

// Test helpers for bundles: a toy encoder, in-memory readers, and ways to change a bundle's files.

/** A stand-in encoder with the shape TokenTextEncoder has (vocabSize, toJSON, fromJSON). */
export class ToyEncoder {
  constructor(readonly tokens: string[]) {}
  get vocabSize() {
    return this.tokens.length + 2;
  }
  toJSON() {
    return { kind: "toy", tokens: this.tokens };
  }
  static fromJSON(json: unknown) {
    const tokens = (json as { tokens?: unknown } | null)?.tokens;
    if (!Array.isArray(tokens)) throw new TypeError("expected tokens");
    return new ToyEncoder(tokens as string[]);
  }
}

/** UTF-8 bytes of a string. */
export const utf8 = (s: string) => new TextEncoder().encode(s);
/** A string of UTF-8 bytes. */
export const text = (b: Uint8Array) => new TextDecoder().decode(b);
/** A reader of files in memory, at location `mem://bundle`; a missing file rejects with code ENOENT. */
export const memoryReader = (files: Map<string, Uint8Array>): BundleFileReader =>
  Object.assign(
    async (name: string) => {
      const v = files.get(name);
      if (v === undefined) throw Object.assign(new Error(`ENOENT: ${name}`), { code: "ENOENT" });
      return v;
    },
    { location: "mem://bundle" },
  );

/** Records the sizes and SHA-256 of the parts again: a bundle whose parts were changed consistently. */
export async function reseal(files: Map<string, Uint8Array>): Promise<Map<string, Uint8Array>> {
  const manifest = JSON.parse(text(files.get(BUNDLE_FILES.manifest)!)) as BundleManifest;
  for (const name of Object.keys(manifest.files!) as (keyof NonNullable<BundleManifest["files"]>)[]) {
    const bytes = files.get(name)!;
    manifest.files![name] = { bytes: bytes.length, sha256: await sha256Hex(bytes) };
  }
  return new Map(files).set(BUNDLE_FILES.manifest, utf8(JSON.stringify(manifest)));
}

/** The same bundle in format 1 (no checksums), as bundles were written before. */
export function formatOne(files: Map<string, Uint8Array>): Map<string, Uint8Array> {
  const { files: _checksums, ...manifest } = JSON.parse(text(files.get(BUNDLE_FILES.manifest)!)) as BundleManifest;
  return new Map(files).set(BUNDLE_FILES.manifest, utf8(JSON.stringify({ ...manifest, formatVersion: 1 })));
}

/** model.json with every `"units": from` set to `to`. */
export function editUnits(files: Map<string, Uint8Array>, from: number, to: number): Map<string, Uint8Array> {
  const json = text(files.get(BUNDLE_FILES.model)!).replaceAll(`"units": ${from},`, `"units": ${to},`);
  return new Map(files).set(BUNDLE_FILES.model, utf8(json));
}

/** weights.bin with the float32 at `index` set to `value`. */
export function withWeight(files: Map<string, Uint8Array>, index: number, value: number): Map<string, Uint8Array> {
  const weights = files.get(BUNDLE_FILES.weights)!.slice();
  new DataView(weights.buffer).setFloat32(index * 4, value, true);
  return new Map(files).set(BUNDLE_FILES.weights, weights);
}

