import * as tf from "@tensorflow/tfjs";
import { FastBidirectional } from "../layers/fast-bidirectional";
import { FastGRU } from "../layers/fast-gru";
import { FastLSTM } from "../layers/fast-lstm";
import { FastSimpleRNN } from "../layers/fast-simple-rnn";
import { ModelsError } from "../models-error";
import type { LayerImplementation } from "../builders/recurrent-layer-factory";

/** Files of a bundle directory. */
export const BUNDLE_FILES = {
  manifest: "bundle.json",
  model: "model.json",
  weights: "weights.bin",
  encoder: "encoder.json",
  config: "config.json",
  metrics: "metrics.json",
} as const;

const FORMAT_VERSION = 1;

/** `bundle.json`: what the bundle holds. */
export interface BundleManifest {
  formatVersion: number;
  /** Free-form kind chosen by the writer, e.g. `"imdb-sentiment"`, checked on load when asked. */
  kind: string;
  /** ISO time of writing. */
  createdAt: string;
  /** The encoder's vocabulary size at save time (must equal the Embedding's input size). */
  encoderVocabSize: number;
  /** Input size of the model's Embedding layer. */
  embeddingInputSize: number;
}

/** What {@link encodeBundle} stores. */
export interface ModelBundleContents {
  /** A free-form kind, checked on load with `expectedKind`. */
  kind: string;
  model: tf.LayersModel;
  /**
   * The encoder: anything with a `toJSON()` and its number of ids as `vocabSize` (`TokenTextEncoder`)
   * or `size` (`CharEncoder`).
   */
  encoder: BundleEncoder;
  /** Configuration to keep beside the model (builder options, preprocessing, training options). */
  config: unknown;
  /** Evaluation figures, or `null`. */
  metrics?: unknown;
}

/** What a bundle needs from an encoder. */
export type BundleEncoder = { toJSON(): unknown } & ({ vocabSize: number } | { size: number });

/** The number of ids of an encoder (`vocabSize`, or `size`), or undefined when it has neither. */
function encoderSize(encoder: unknown): number | undefined {
  const e = encoder as { vocabSize?: unknown; size?: unknown } | null;
  if (e === null || typeof e !== "object") return undefined;
  if (typeof e.vocabSize === "number") return e.vocabSize;
  if (typeof e.size === "number") return e.size;
  return undefined;
}

/** A bundle read back by {@link decodeBundle}. */
export interface LoadedBundle<E = unknown> {
  manifest: BundleManifest;
  model: tf.LayersModel;
  /** The revived encoder (`reviveEncoder(json)`), or the raw JSON without a reviver. */
  encoder: E;
  config: unknown;
  metrics: unknown;
}

/** Reads one file of a bundle by name; rejects when it is missing. */
export type BundleFileReader = (name: string) => Promise<Uint8Array>;

/** Options of {@link decodeBundle}. */
export interface DecodeBundleOptions<E> {
  /** Turns the stored encoder JSON back into an encoder, e.g. `TokenTextEncoder.fromJSON`. */
  reviveEncoder?: (json: unknown) => E;
  /** Reject a bundle of another kind. */
  expectedKind?: string;
  /**
   * Recurrent layers of the loaded model: `"fast"` (this package's fused layers) or `"stock"` (`tf.layers`).
   * The saved configuration is the same either way.
   * @default "fast"
   */
  implementation?: LayerImplementation;
}

/**
 * Serializes a model, its encoder, configuration and metrics into the files
 * of a bundle (see {@link BUNDLE_FILES}). `model.json` + `weights.bin` are a
 * standard tfjs layers model, loadable by `tf.loadLayersModel` too.
 * Browser-safe; `saveBundle` from `@recurrent/models/node` writes the files
 * to a directory atomically.
 *
 * @throws {ModelsError} `VOCABULARY_MISMATCH` when the encoder's vocabulary size differs from the model's Embedding input size.
 * @example
 * const files = await encodeBundle({ kind: "imdb-sentiment", model, encoder, config, metrics });
 */
export async function encodeBundle(contents: ModelBundleContents): Promise<Map<string, Uint8Array>> {
  const embeddingInputSize = embeddingSize(contents.model.weights.map((w) => ({ name: w.originalName, shape: w.shape as number[] })));
  const encoderVocabSize = encoderSize(contents.encoder);
  if (encoderVocabSize === undefined) {
    throw new TypeError("expected an encoder with a numeric vocabSize or size, got neither");
  }
  checkVocabulary(encoderVocabSize, embeddingInputSize, "save");
  let artifacts: tf.io.ModelArtifacts | undefined;
  await contents.model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }),
  );
  if (artifacts === undefined || artifacts.weightSpecs === undefined || artifacts.weightData === undefined) {
    throw new ModelsError("BUNDLE_MALFORMED", "tfjs did not hand over the model's topology and weights");
  }
  const weights = joinBuffers(artifacts.weightData);
  const modelJson = {
    format: "layers-model",
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: [`./${BUNDLE_FILES.weights}`], weights: artifacts.weightSpecs }],
  };
  const manifest: BundleManifest = {
    formatVersion: FORMAT_VERSION,
    kind: contents.kind,
    createdAt: new Date().toISOString(),
    encoderVocabSize,
    embeddingInputSize,
  };
  const text = (value: unknown) => new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);
  return new Map([
    [BUNDLE_FILES.manifest, text(manifest)],
    [BUNDLE_FILES.model, text(modelJson)],
    [BUNDLE_FILES.weights, new Uint8Array(weights)],
    [BUNDLE_FILES.encoder, text(contents.encoder.toJSON())],
    [BUNDLE_FILES.config, text(contents.config ?? null)],
    [BUNDLE_FILES.metrics, text(contents.metrics ?? null)],
  ]);
}

/**
 * Reads a bundle through a file reader (from disk with
 * `loadBundle` of `@recurrent/models/node`, over HTTP with
 * {@link httpBundleReader}), checks it, and loads the model.
 *
 * @throws {ModelsError} `BUNDLE_MALFORMED` when a file is missing, unreadable or of another format version or kind;
 *   `VOCABULARY_MISMATCH` when the encoder's vocabulary size differs from the model's Embedding input size.
 * @example
 * const bundle = await decodeBundle(httpBundleReader("/models/imdb/"), { reviveEncoder: TokenTextEncoder.fromJSON });
 */
export async function decodeBundle<E = unknown>(
  read: BundleFileReader,
  options: DecodeBundleOptions<E> = {},
): Promise<LoadedBundle<E>> {
  const json = async (name: string): Promise<unknown> => {
    let bytes: Uint8Array;
    try {
      bytes = await read(name);
    } catch (error) {
      throw new ModelsError("BUNDLE_MALFORMED", `model bundle: cannot read ${name}`, { cause: error });
    }
    try {
      return JSON.parse(new TextDecoder().decode(bytes)) as unknown;
    } catch (error) {
      throw new ModelsError("BUNDLE_MALFORMED", `model bundle: ${name} is not valid JSON`, { cause: error });
    }
  };
  const manifest = (await json(BUNDLE_FILES.manifest)) as BundleManifest;
  if (manifest === null || typeof manifest !== "object" || manifest.formatVersion !== FORMAT_VERSION) {
    throw new ModelsError(
      "BUNDLE_MALFORMED",
      `model bundle: expected ${BUNDLE_FILES.manifest} with formatVersion ${FORMAT_VERSION}, got ${JSON.stringify((manifest as { formatVersion?: unknown } | null)?.formatVersion)}`,
    );
  }
  if (options.expectedKind !== undefined && manifest.kind !== options.expectedKind) {
    throw new ModelsError("BUNDLE_MALFORMED", `model bundle: expected kind ${JSON.stringify(options.expectedKind)}, got ${JSON.stringify(manifest.kind)}`);
  }
  const modelJson = (await json(BUNDLE_FILES.model)) as {
    modelTopology?: unknown;
    weightsManifest?: { weights: tf.io.WeightsManifestEntry[] }[];
  };
  const specs = modelJson.weightsManifest?.flatMap((g) => g.weights);
  if (modelJson.modelTopology === undefined || specs === undefined) {
    throw new ModelsError("BUNDLE_MALFORMED", `model bundle: ${BUNDLE_FILES.model} has no modelTopology or weightsManifest`);
  }
  const embeddingInputSize = embeddingSize(specs.map((s) => ({ name: s.name, shape: s.shape })));
  const encoderJson = await json(BUNDLE_FILES.encoder);
  let encoder = encoderJson as E;
  let encoderVocabSize = manifest.encoderVocabSize;
  if (options.reviveEncoder !== undefined) {
    encoder = options.reviveEncoder(encoderJson);
    encoderVocabSize = encoderSize(encoder) ?? encoderVocabSize;
  }
  checkVocabulary(encoderVocabSize, embeddingInputSize, "load");
  let weightBytes: Uint8Array;
  try {
    weightBytes = await read(BUNDLE_FILES.weights);
  } catch (error) {
    throw new ModelsError("BUNDLE_MALFORMED", `model bundle: cannot read ${BUNDLE_FILES.weights}`, { cause: error });
  }
  const expectedBytes = specs.reduce((sum, s) => sum + s.shape.reduce((a, b) => a * b, 1) * 4, 0);
  if (weightBytes.byteLength !== expectedBytes) {
    throw new ModelsError(
      "BUNDLE_MALFORMED",
      `model bundle: expected ${BUNDLE_FILES.weights} of ${expectedBytes} bytes, got ${weightBytes.byteLength} (truncated or from another model?)`,
    );
  }
  const model = await instantiateModel(modelJson.modelTopology, specs, weightBytes, options.implementation ?? "fast");
  return {
    manifest,
    model,
    encoder,
    config: await json(BUNDLE_FILES.config),
    metrics: await json(BUNDLE_FILES.metrics),
  };
}

/**
 * A {@link BundleFileReader} over HTTP(S) with `fetch` (browsers, Deno, Node 18+).
 *
 * @param baseUrl the bundle directory's URL, with or without a trailing slash.
 * @example
 * const bundle = await decodeBundle(httpBundleReader("https://example.org/models/imdb"));
 */
export function httpBundleReader(baseUrl: string, fetchImpl: typeof fetch = fetch): BundleFileReader {
  const base = baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`;
  return async (name) => {
    const response = await fetchImpl(`${base}${name}`);
    if (!response.ok) throw new Error(`GET ${base}${name}: HTTP ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  };
}

const FAST_CLASSES = [FastLSTM, FastGRU, FastSimpleRNN, FastBidirectional] as unknown as SerializableClass[];

type SerializableClass = { className: string; fromConfig: unknown };

function withRegisteredClasses<T>(classes: SerializableClass[], run: () => T): T {
  const map = tf.serialization.SerializationMap.getMap().classNameMap as Record<string, unknown>;
  const saved = classes.map((cls) => [cls.className, map[cls.className]] as const);
  try {
    for (const cls of classes) map[cls.className] = [cls, cls.fromConfig];
    return run();
  } finally {
    for (const [name, entry] of saved) map[name] = entry;
  }
}

/** Builds the model from its topology (with fast or stock recurrent layers) and loads the weights. */
async function instantiateModel(
  topology: unknown,
  specs: tf.io.WeightsManifestEntry[],
  weightBytes: Uint8Array,
  implementation: LayerImplementation,
): Promise<tf.LayersModel> {
  let model: tf.LayersModel;
  try {
    // tfjs 4.22's customObjects do not reach layers nested in a model (its lookup reads
    // _GLOBAL_CUSTOM_OBJECTS["className"]), so the fast classes, which carry the stock class names, are put
    // in the serialization registry for the synchronous part of modelFromJSON and taken out right after.
    const pending = withRegisteredClasses(implementation === "fast" ? FAST_CLASSES : [], () =>
      tf.models.modelFromJSON({ modelTopology: topology as tf.io.ModelArtifacts["modelTopology"] } as never),
    );
    model = await pending;
  } catch (error) {
    throw new ModelsError("BUNDLE_MALFORMED", `model bundle: ${BUNDLE_FILES.model} does not describe a tfjs layers model`, { cause: error });
  }
  const named = tf.io.decodeWeights(weightBytes.slice().buffer, specs);
  try {
    model.loadWeights(named);
  } finally {
    tf.dispose(Object.values(named));
  }
  return model;
}

function embeddingSize(weights: { name: string; shape: number[] }[]): number {
  const embedding = weights.find((w) => /(^|\/)embeddings(_\d+)?$/.test(w.name));
  if (embedding === undefined || embedding.shape.length !== 2) {
    throw new ModelsError("BUNDLE_MALFORMED", `expected a model with an Embedding layer, got weights ${weights.map((w) => w.name).join(", ")}`);
  }
  return embedding.shape[0] as number;
}

function checkVocabulary(encoderVocabSize: number, embeddingInputSize: number, when: "save" | "load"): void {
  if (encoderVocabSize !== embeddingInputSize) {
    throw new ModelsError(
      "VOCABULARY_MISMATCH",
      `cannot ${when} the bundle: the encoder has a vocabulary of ${encoderVocabSize} ids but the model's Embedding accepts ${embeddingInputSize}; ` +
        "the model was trained with another encoder",
    );
  }
}

function joinBuffers(data: ArrayBuffer | ArrayBuffer[]): ArrayBuffer {
  if (!Array.isArray(data)) return data;
  const total = data.reduce((n, b) => n + b.byteLength, 0);
  const out = new Uint8Array(total);
  let p = 0;
  for (const b of data) {
    out.set(new Uint8Array(b), p);
    p += b.byteLength;
  }
  return out.buffer;
}
