import * as tf from "@tensorflow/tfjs";
import { TokenTextEncoder } from "@recurrent/text-prep";
import fc from "fast-check";
import { writeFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { BUNDLE_FILES, buildSentimentModel, decodeBundle, encodeBundle, ModelsError, type LoadedBundle } from "../index";
import { formatOne, memoryReader, reseal, text, utf8 } from "../__fixtures__/bundle-fixtures";

// Fuzzing the bundle decoder: whatever the bytes, decodeBundle settles with a typed error (ModelsError with one of
// the bundle codes) or a valid bundle, never a raw exception, and within a time limit (fast-check's `timeout`).

const CODES = ["BUNDLE_MALFORMED", "BUNDLE_NOT_FOUND", "VOCABULARY_MISMATCH"];
const NAMES = Object.values(BUNDLE_FILES);
const PARTS = NAMES.filter((n) => n !== BUNDLE_FILES.manifest);
const JSON_PARTS = [BUNDLE_FILES.model, BUNDLE_FILES.encoder, BUNDLE_FILES.config, BUNDLE_FILES.metrics];
// FUZZ_RUNS=5000 for a longer search than the 150 runs per property of the suite
const settings = { numRuns: Number(process.env.FUZZ_RUNS ?? 150), timeout: 20_000, endOnFailure: true };

let files: Map<string, Uint8Array>;
beforeAll(async () => {
  await tf.setBackend("cpu");
  const encoder = new TokenTextEncoder(["the", "film", "was", "good"]);
  const model = buildSentimentModel({ vocabSize: encoder.vocabSize, embeddingDim: 3, units: 2, denseUnits: 2, seed: 1, implementation: "stock" });
  files = await encodeBundle({ kind: "fuzz", model, encoder, config: { run: { seed: 1 } }, metrics: { accuracy: 0.5 } });
  model.dispose();
});

type Outcome = { ok: true; bundle: LoadedBundle<TokenTextEncoder> } | { ok: false; error: unknown };

async function decode(tampered: Map<string, Uint8Array>): Promise<Outcome> {
  // a synchronous hang cannot be reported by fast-check: FUZZ_TRACE=<file> keeps the case being decoded in <file>
  if (process.env.FUZZ_TRACE !== undefined) {
    writeFileSync(process.env.FUZZ_TRACE, JSON.stringify(Object.fromEntries([...tampered].map(([k, v]) => [k, Buffer.from(v).toString("base64")]))));
  }
  const before = tf.memory().numTensors;
  const outcome: Outcome = await decodeBundle(memoryReader(tampered), {
    reviveEncoder: (json) => TokenTextEncoder.fromJSON(json),
    onWarning: () => {},
  }).then(
    (bundle) => ({ ok: true as const, bundle }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (outcome.ok) {
    outcome.bundle.model.dispose();
  } else {
    // a failed load leaks no tensor
    expect(tf.memory().numTensors).toBe(before);
  }
  return outcome;
}

function expectTyped(outcome: Outcome): void {
  if (outcome.ok) return;
  const error = outcome.error;
  if (!(error instanceof ModelsError)) throw new Error(`raw exception out of decodeBundle: ${String((error as Error)?.stack ?? error)}`);
  expect(CODES).toContain(error.code);
}

/** Every path into a JSON value (object keys and array indices). */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (value !== null && typeof value === "object") for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

function replaceAt(value: unknown, path: (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<string | number, unknown>;
  copy[head] = replaceAt(copy[head], rest, replacement);
  return copy;
}

describe("decodeBundle under fuzzing", () => {
  it("arbitrary bytes in any file: a typed error, or the bundle when nothing changed", async () => {
    await fc.assert(
      fc.asyncProperty(fc.record(Object.fromEntries(NAMES.map((n) => [n, fc.option(fc.uint8Array({ maxLength: 3000 }), { freq: 2 })]))), async (chosen) => {
        const tampered = new Map(files);
        for (const [name, bytes] of Object.entries(chosen)) if (bytes !== null) tampered.set(name, bytes);
        const outcome = await decode(tampered);
        expectTyped(outcome);
        if (outcome.ok) for (const n of NAMES) expect(tampered.get(n)).toStrictEqual(files.get(n));
      }),
      settings,
    );
  });

  it("arbitrary JSON as bundle.json: a typed error", async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (json) => {
        const outcome = await decode(new Map(files).set(BUNDLE_FILES.manifest, utf8(JSON.stringify(json) ?? "null")));
        expect(outcome.ok).toBe(false);
        expectTyped(outcome);
      }),
      settings,
    );
  });

  it("a flipped, cut or added byte in one part: BUNDLE_MALFORMED naming that part", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...PARTS),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        fc.constantFrom("flip", "cut", "add"),
        async (name, at, mask, how) => {
          const original = files.get(name)!;
          const i = at % original.length;
          let changed: Uint8Array;
          if (how === "flip") {
            changed = original.slice();
            changed[i]! ^= mask;
          } else if (how === "cut") {
            changed = original.subarray(0, i);
          } else {
            changed = new Uint8Array(original.length + 1);
            changed.set(original.subarray(0, i));
            changed[i] = mask;
            changed.set(original.subarray(i), i + 1);
          }
          const outcome = await decode(new Map(files).set(name, changed));
          expect(outcome.ok).toBe(false);
          expect((outcome as { error: ModelsError }).error).toMatchObject({ code: "BUNDLE_MALFORMED", message: expect.stringContaining(name) });
        },
      ),
      settings,
    );
  });

  it("a JSON part changed anywhere, with the checksums recomputed: a typed error or a valid bundle", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...JSON_PARTS), fc.nat(), fc.jsonValue({ maxDepth: 3 }), async (name, at, replacement) => {
        const json = JSON.parse(text(files.get(name)!)) as unknown;
        const all = paths(json);
        const changed = replaceAt(json, all[at % all.length]!, replacement);
        expectTyped(await decode(await reseal(new Map(files).set(name, utf8(JSON.stringify(changed) ?? "null")))));
      }),
      settings,
    );
  });

  it("format 1 (no checksums) with arbitrary model.json, weights.bin or encoder.json: a typed error or a valid bundle", async () => {
    const old = formatOne(files);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(BUNDLE_FILES.model, BUNDLE_FILES.weights, BUNDLE_FILES.encoder),
        fc.oneof(
          fc.uint8Array({ maxLength: 4000 }),
          fc.jsonValue({ maxDepth: 4 }).map((j) => utf8(JSON.stringify(j) ?? "null")),
        ),
        async (name, bytes) => {
          expectTyped(await decode(new Map(old).set(name, bytes)));
        },
      ),
      settings,
    );
  });
});
