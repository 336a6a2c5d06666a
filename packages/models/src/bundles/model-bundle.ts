import * as tf from "@tensorflow/tfjs";
import { FastBidirectional } from "../layers/fast-bidirectional";
import { FastGRU } from "../layers/fast-gru";
import { FastLSTM } from "../layers/fast-lstm";
import { FastSimpleRNN } from "../layers/fast-simple-rnn";
import { ModelsError } from "../models-error";
import type { LayerImplementation } from "../builders/recurrent-layer-factory";
import { sha256Hex } from "./sha256";

/** Files of a bundle directory. */
export const BUNDLE_FILES = {
  manifest: "bundle.json",
  model: "model.json",
  weights: "weights.bin",
  encoder: "encoder.json",
  config: "config.json",
  metrics: "metrics.json",
} as const;

/** The files of a bundle besides `bundle.json`: the parts whose checksums the manifest carries. */
export type BundlePartName = Exclude<(typeof BUNDLE_FILES)[keyof typeof BUNDLE_FILES], "bundle.json">;

const PARTS: readonly BundlePartName[] = [BUNDLE_FILES.model, BUNDLE_FILES.weights, BUNDLE_FILES.encoder, BUNDLE_FILES.config, BUNDLE_FILES.metrics];

/**
 * The bundle format written by {@link encodeBundle}: 2 (with a SHA-256 of every part in `bundle.json`).
 * {@link decodeBundle} also reads format 1 (no checksums), see {@link DecodeBundleOptions.unverified}.
 */
export const BUNDLE_FORMAT_VERSION = 2;

/** Size and SHA-256 of one part of a bundle, as `bundle.json` records them. */
export interface BundleFileChecksum {
  /** Length of the file in bytes. */
  bytes: number;
  /** SHA-256 of the file, 64 lowercase hex digits. */
  sha256: string;
}

/** `bundle.json`: what the bundle holds. */
export interface BundleManifest {
  /** 2 for bundles written now; 1 for bundles written before checksums were added. */
  formatVersion: number;
  /** Free-form kind chosen by the writer, e.g. `"imdb-sentiment"`, checked on load when asked. */
  kind: string;
  /** ISO time of writing. */
  createdAt: string;
  /** The encoder's vocabulary size at save time (must equal the Embedding's input size). */
  encoderVocabSize: number;
  /** Input size of the model's Embedding layer. */
  embeddingInputSize: number;
  /** Size and SHA-256 of every other file of the bundle (format 2; absent in format 1). */
  files?: Record<BundlePartName, BundleFileChecksum>;
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
  /** True when every part matched the size and SHA-256 in `bundle.json` (format 2); false for a format 1 bundle. */
  verified: boolean;
}

/**
 * Reads one file of a bundle by name; rejects when it cannot. A rejection whose error has `code: "ENOENT"` or
 * `status: 404` means the file does not exist. `location` (the directory or URL), when set, is named in errors.
 */
export type BundleFileReader = ((name: string) => Promise<Uint8Array>) & { readonly location?: string };

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
  /**
   * What to do with a bundle that carries no checksums (format 1, written before they were added): `"warn"`
   * loads it after every other check and calls `onWarning`; `"refuse"` rejects it with `BUNDLE_MALFORMED`.
   * @default "warn"
   */
  unverified?: "warn" | "refuse";
  /**
   * Receives warnings (a bundle without checksums).
   * @default console.warn
   */
  onWarning?: (message: string) => void;
}

/**
 * Serializes a model, its encoder, configuration and metrics into the files
 * of a bundle (see {@link BUNDLE_FILES}). `model.json` + `weights.bin` are a
 * standard tfjs layers model, loadable by `tf.loadLayersModel` too;
 * `bundle.json` records the size and SHA-256 of every other file, checked by
 * {@link decodeBundle}. Browser-safe (WebCrypto); `saveBundle` from
 * `@recurrent/models/node` writes the files to a directory atomically.
 *
 * @throws {ModelsError} `VOCABULARY_MISMATCH` when the encoder's vocabulary size differs from the model's Embedding
 *   input size; `NON_FINITE_WEIGHTS` when a weight is NaN or infinite (a diverged model is not saved).
 * @example
 * const files = await encodeBundle({ kind: "imdb-sentiment", model, encoder, config, metrics });
 */
export async function encodeBundle(contents: ModelBundleContents): Promise<Map<string, Uint8Array>> {
  const embeddingInputSize = embeddingSize(
    contents.model.weights.map((w) => ({ name: w.originalName, shape: w.shape as number[] })),
    (message) => new ModelsError("INVALID_ARGUMENT", `cannot save the bundle: ${message}`),
  );
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
  const weights = new Uint8Array(joinBuffers(artifacts.weightData));
  const nonFinite = firstNonFinite(weights, artifacts.weightSpecs);
  if (nonFinite !== null) {
    throw new ModelsError(
      "NON_FINITE_WEIGHTS",
      `cannot save the bundle: weight ${nonFinite.name} holds ${nonFinite.value} at index ${nonFinite.index} (of ${nonFinite.size} values); ` +
        "the model's training diverged, so it was not saved",
    );
  }
  const modelJson = {
    format: "layers-model",
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: [`./${BUNDLE_FILES.weights}`], weights: artifacts.weightSpecs }],
  };
  const text = (value: unknown) => new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);
  const parts: Record<BundlePartName, Uint8Array> = {
    [BUNDLE_FILES.model]: text(modelJson),
    [BUNDLE_FILES.weights]: weights,
    [BUNDLE_FILES.encoder]: text(contents.encoder.toJSON()),
    [BUNDLE_FILES.config]: text(contents.config ?? null),
    [BUNDLE_FILES.metrics]: text(contents.metrics ?? null),
  };
  const files = {} as Record<BundlePartName, BundleFileChecksum>;
  for (const name of PARTS) files[name] = { bytes: parts[name].byteLength, sha256: await sha256Hex(parts[name]) };
  const manifest: BundleManifest = {
    formatVersion: BUNDLE_FORMAT_VERSION,
    kind: contents.kind,
    createdAt: new Date().toISOString(),
    encoderVocabSize,
    embeddingInputSize,
    files,
  };
  return new Map<string, Uint8Array>([[BUNDLE_FILES.manifest, text(manifest)], ...PARTS.map((name) => [name, parts[name]] as [string, Uint8Array])]);
}

/**
 * Reads a bundle through a file reader (from disk with
 * `loadBundle` of `@recurrent/models/node`, over HTTP with
 * {@link httpBundleReader}), checks it, and loads the model.
 *
 * Checked before the model is built: every part against the size and SHA-256
 * in `bundle.json` (a changed, truncated or swapped file fails, e.g. a
 * vocabulary shuffled in place), the JSON of every file, the weights manifest
 * (names, shapes, dtypes) against the length of `weights.bin`, every weight
 * finite, the encoder's vocabulary against the Embedding; after it is built,
 * the weights its layers need against the weights manifest (a `model.json`
 * edited to other unit counts). Every failure names the file and the bundle's
 * location.
 *
 * @throws {ModelsError} `BUNDLE_NOT_FOUND` when there is no `bundle.json`; `BUNDLE_MALFORMED` when a file is missing,
 *   unreadable, changed since it was saved, of another format version or kind, or inconsistent with the others;
 *   `VOCABULARY_MISMATCH` when the encoder's vocabulary size differs from the model's Embedding input size.
 * @example
 * const bundle = await decodeBundle(httpBundleReader("/models/imdb/"), { reviveEncoder: TokenTextEncoder.fromJSON });
 */
export async function decodeBundle<E = unknown>(read: BundleFileReader, options: DecodeBundleOptions<E> = {}): Promise<LoadedBundle<E>> {
  const location = typeof read.location === "string" ? read.location : undefined;
  const where = location === undefined ? "model bundle" : `model bundle ${location}`;
  const fail = (message: string, cause?: unknown) =>
    new ModelsError("BUNDLE_MALFORMED", `${where}: ${message}`, cause === undefined ? {} : { cause });

  const readPart = async (name: string): Promise<Uint8Array> => {
    let bytes: unknown;
    try {
      bytes = await read(name);
    } catch (error) {
      if (isNotFound(error)) {
        if (name === BUNDLE_FILES.manifest) {
          throw new ModelsError("BUNDLE_NOT_FOUND", `no model bundle ${location === undefined ? "there" : `at ${location}`}: ${name} not found`, { cause: error });
        }
        throw fail(`${name} is missing (an incomplete bundle)`, error);
      }
      throw fail(`cannot read ${name}: ${messageOf(error)}`, error);
    }
    if (!(bytes instanceof Uint8Array)) throw fail(`the reader gave ${describe(bytes)} for ${name}, expected a Uint8Array`);
    return bytes;
  };
  const parseJson = (name: string, bytes: Uint8Array): unknown => {
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch (error) {
      throw fail(`${name} is not UTF-8 text`, error);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw fail(`${name} is not valid JSON (${messageOf(error)})`, error);
    }
  };

  const manifest = checkManifest(parseJson(BUNDLE_FILES.manifest, await readPart(BUNDLE_FILES.manifest)), fail);
  if (options.expectedKind !== undefined && manifest.kind !== options.expectedKind) {
    throw fail(`expected kind ${JSON.stringify(options.expectedKind)}, got ${JSON.stringify(manifest.kind)}`);
  }
  const bytes = {} as Record<BundlePartName, Uint8Array>;
  await Promise.all(
    PARTS.map(async (name) => {
      bytes[name] = await readPart(name);
    }),
  );
  const verified = manifest.files !== undefined;
  if (manifest.files !== undefined) {
    for (const name of PARTS) {
      const expected = manifest.files[name];
      const got = bytes[name];
      if (got.byteLength !== expected.bytes) {
        throw fail(`${name} has ${got.byteLength} bytes, bundle.json says ${expected.bytes} (truncated, or changed after it was saved)`);
      }
      const digest = await sha256Hex(got);
      if (digest !== expected.sha256) {
        throw fail(`${name} fails its SHA-256 check (bundle.json says ${expected.sha256}, the file has ${digest}): it was changed or damaged after it was saved`);
      }
    }
  } else if (options.unverified === "refuse") {
    throw fail(`bundle.json has no checksums (format ${manifest.formatVersion}, written before they were added), so its files cannot be verified; save the model again`);
  } else {
    (options.onWarning ?? ((m: string) => console.warn(m)))(
      `${where}: no checksums (format ${manifest.formatVersion}, written before they were added): loaded after the other checks, but a changed file cannot be detected; save it again to add them`,
    );
  }

  const { topology, specs } = checkModelJson(parseJson(BUNDLE_FILES.model, bytes[BUNDLE_FILES.model]), fail);
  const embeddingInputSize = embeddingSize(specs, (message) => fail(`${BUNDLE_FILES.model}: ${message}`));
  if (manifest.embeddingInputSize !== embeddingInputSize) {
    throw fail(`bundle.json says the Embedding accepts ${manifest.embeddingInputSize} ids, the weights of model.json say ${embeddingInputSize}`);
  }
  const encoderJson = parseJson(BUNDLE_FILES.encoder, bytes[BUNDLE_FILES.encoder]);
  let encoder = encoderJson as E;
  let encoderVocabSize = manifest.encoderVocabSize;
  if (options.reviveEncoder !== undefined) {
    try {
      encoder = options.reviveEncoder(encoderJson);
      encoderVocabSize = encoderSize(encoder) ?? encoderVocabSize;
    } catch (error) {
      if (error instanceof ModelsError) throw error;
      throw fail(`${BUNDLE_FILES.encoder} does not hold a valid encoder: ${messageOf(error)}`, error);
    }
  }
  checkVocabulary(encoderVocabSize, embeddingInputSize, "load", location);
  const config = parseJson(BUNDLE_FILES.config, bytes[BUNDLE_FILES.config]);
  const metrics = parseJson(BUNDLE_FILES.metrics, bytes[BUNDLE_FILES.metrics]);

  const weightBytes = bytes[BUNDLE_FILES.weights];
  const expectedBytes = specs.reduce((sum, s) => sum + s.size * 4, 0);
  if (weightBytes.byteLength !== expectedBytes) {
    throw fail(`expected ${BUNDLE_FILES.weights} of ${expectedBytes} bytes (the weights manifest of model.json), got ${weightBytes.byteLength} (truncated or from another model?)`);
  }
  const nonFinite = firstNonFinite(weightBytes, specs);
  if (nonFinite !== null) {
    throw fail(`${BUNDLE_FILES.weights}: weight ${nonFinite.name} holds ${nonFinite.value} at index ${nonFinite.index} (of ${nonFinite.size} values); the model cannot make predictions`);
  }
  const model = await instantiateModel(topology, specs, weightBytes, options.implementation ?? "fast", fail);
  return { manifest, model, encoder, config, metrics, verified };
}

/**
 * A {@link BundleFileReader} over HTTP(S) with `fetch` (browsers, Deno, Node 18+). A missing file (HTTP 404)
 * rejects with an error whose `status` is 404.
 *
 * @param baseUrl the bundle directory's URL, with or without a trailing slash.
 * @example
 * const bundle = await decodeBundle(httpBundleReader("https://example.org/models/imdb"));
 */
export function httpBundleReader(baseUrl: string, fetchImpl: typeof fetch = fetch): BundleFileReader {
  const base = baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`;
  const reader = async (name: string) => {
    const response = await fetchImpl(`${base}${name}`);
    if (!response.ok) throw Object.assign(new Error(`GET ${base}${name}: HTTP ${response.status}`), { status: response.status });
    return new Uint8Array(await response.arrayBuffer());
  };
  return Object.assign(reader, { location: base });
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

/** A checked entry of the weights manifest. */
interface WeightSpec extends tf.io.WeightsManifestEntry {
  /** Number of values. */
  size: number;
}

type Fail = (message: string, cause?: unknown) => ModelsError;

/** The name of the first GRU layer of a layers topology with Keras's `reset_after: true` (nested models included), or null. */
function resetAfterGruLayer(node: unknown): string | null {
  if (Array.isArray(node)) {
    for (const item of node) {
      const found = resetAfterGruLayer(item);
      if (found !== null) return found;
    }
    return null;
  }
  if (node === null || typeof node !== "object") return null;
  const record = node as Record<string, unknown>;
  const config = record.config as Record<string, unknown> | undefined;
  if (record.class_name === "GRU" && config !== undefined && (config.reset_after === true || config.resetAfter === true)) {
    return typeof config.name === "string" ? config.name : "GRU";
  }
  for (const value of Object.values(record)) {
    const found = resetAfterGruLayer(value);
    if (found !== null) return found;
  }
  return null;
}

/** Builds the model from its topology (with fast or stock recurrent layers), checks its weights against the specs, loads them. */
async function instantiateModel(
  topology: object,
  specs: WeightSpec[],
  weightBytes: Uint8Array,
  implementation: LayerImplementation,
  fail: Fail,
): Promise<tf.LayersModel> {
  if (implementation === "stock") {
    const layer = resetAfterGruLayer(topology);
    if (layer !== null) {
      throw fail(
        `${BUNDLE_FILES.model} has a GRU with reset_after true (${layer}: Keras's default GRU), which tf.layers cannot build; expected implementation "fast" (the default) to load it, got "stock"`,
      );
    }
  }
  let model: tf.LayersModel;
  const variablesBefore = new Set(Object.keys(registeredVariables()));
  // modelFromJSON does its work synchronously (its promise is settled when it returns); the tensors it makes are
  // collected in a scope of their own, handed to the caller's scope on success and disposed on failure (tfjs
  // leaks the initial value of a weight whose variable it then fails to create).
  const engine = tf.engine() as unknown as { startScope(name: string): void; endScope(keep?: tf.Tensor[]): void; state: { activeScope: { track: tf.Tensor[] } | null } };
  engine.startScope("decodeBundle");
  let scopeOpen = true;
  let made: tf.Tensor[] = [];
  try {
    // tfjs 4.22's customObjects do not reach layers nested in a model (its lookup reads
    // _GLOBAL_CUSTOM_OBJECTS["className"]), so the fast classes, which carry the stock class names, are put
    // in the serialization registry for the synchronous part of modelFromJSON and taken out right after.
    const pending = withRegisteredClasses(implementation === "fast" ? FAST_CLASSES : [], () =>
      tf.models.modelFromJSON({ modelTopology: topology as tf.io.ModelArtifacts["modelTopology"] } as never),
    );
    made = [...(engine.state.activeScope?.track ?? [])];
    engine.endScope(made);
    scopeOpen = false;
    model = await pending;
  } catch (error) {
    if (scopeOpen) engine.endScope();
    for (const t of made) if (!t.isDisposed) t.dispose();
    for (const [name, variable] of Object.entries(registeredVariables())) if (!variablesBefore.has(name)) variable.dispose();
    throw fail(`${BUNDLE_FILES.model} does not describe a tfjs layers model (${messageOf(error)})`, error);
  }
  try {
    const bySpec = new Map(specs.map((s) => [s.name, s]));
    const needed = new Set<string>();
    for (const w of model.weights) {
      const spec = bySpec.get(w.originalName);
      const shape = JSON.stringify(w.shape);
      if (spec === undefined) {
        throw fail(`${BUNDLE_FILES.model}: its layers have a weight ${w.originalName} of shape ${shape} that its weights manifest lacks (edited, or from another model?)`);
      }
      if (JSON.stringify(spec.shape) !== shape) {
        throw fail(
          `${BUNDLE_FILES.model}: its layers need weight ${w.originalName} of shape ${shape}, its weights manifest gives ${JSON.stringify(spec.shape)} (edited, or from another model?)`,
        );
      }
      needed.add(w.originalName);
    }
    const unused = specs.filter((s) => !needed.has(s.name));
    if (unused.length > 0) throw fail(`${BUNDLE_FILES.model}: its weights manifest lists ${unused.map((s) => s.name).join(", ")}, which no layer has`);
    const named = tf.io.decodeWeights(weightBytes.slice().buffer, specs);
    try {
      model.loadWeights(named);
    } catch (error) {
      throw fail(`${BUNDLE_FILES.weights} does not fit the model (${messageOf(error)})`, error);
    } finally {
      tf.dispose(Object.values(named));
    }
  } catch (error) {
    model.dispose();
    throw error;
  }
  return model;
}

/**
 * Checks the graph of a functional model (class `Model` / `Functional`, nested ones too) before tfjs reads it:
 * tfjs's `Container.fromConfig` re-queues a node whose inbound layer or node does not exist, forever, so a layer
 * named other than its inbound references, a reference to a missing layer or node, or a cycle would hang it.
 */
function checkTopology(topology: unknown, fail: Fail): void {
  const m = BUNDLE_FILES.model;
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const v of value) visit(v);
      return;
    }
    if (!isRecord(value)) return;
    const cls = value.class_name ?? value.className;
    if ((cls === "Model" || cls === "Functional") && isRecord(value.config)) checkGraph(value.config);
    for (const v of Object.values(value)) visit(v);
  };
  const checkGraph = (config: Record<string, unknown>): void => {
    const layers = config.layers;
    if (!Array.isArray(layers)) throw fail(`${m}: expected a functional model's config to list its layers, got ${describe(layers)}`);
    const nodes = new Map<string, unknown[][]>();
    const inputs = new Set<string>();
    for (const layer of layers as unknown[]) {
      if (!isRecord(layer) || typeof layer.name !== "string") throw fail(`${m}: expected layers with a string name, got ${describe(isRecord(layer) ? layer.name : layer)}`);
      const inner = isRecord(layer.config) ? layer.config.name : undefined;
      if (inner !== undefined && inner !== layer.name) throw fail(`${m}: layer ${JSON.stringify(layer.name)} is named ${describe(inner)} in its config`);
      if (nodes.has(layer.name)) throw fail(`${m}: two layers are named ${JSON.stringify(layer.name)}`);
      const inbound = layer.inbound_nodes ?? layer.inboundNodes ?? [];
      if (!Array.isArray(inbound) || !inbound.every((n) => Array.isArray(n) && n.length > 0)) {
        throw fail(`${m}: layer ${layer.name} has inbound nodes ${describe(inbound)}; expected non-empty lists of references`);
      }
      nodes.set(layer.name, inbound as unknown[][]);
      if (layer.class_name === "InputLayer" || layer.className === "InputLayer") inputs.add(layer.name);
    }
    // an InputLayer has one node of its own; any other layer one per inbound node
    const nodeCount = (name: string) => (inputs.has(name) ? 1 : (nodes.get(name) as unknown[][]).length);
    const edges = new Map<string, string[]>();
    for (const [name, inbound] of nodes) {
      const from: string[] = [];
      for (const node of inbound) {
        for (const ref of node) {
          if (!Array.isArray(ref) || typeof ref[0] !== "string" || !Number.isSafeInteger(ref[1]) || !Number.isSafeInteger(ref[2]) || (ref[1] as number) < 0 || (ref[2] as number) < 0) {
            throw fail(`${m}: layer ${name} has an inbound reference ${describe(ref)}; expected [layer name, node index, tensor index]`);
          }
          if (!nodes.has(ref[0])) throw fail(`${m}: layer ${name} takes its input from ${JSON.stringify(ref[0])}, which is not one of the model's layers`);
          if ((ref[1] as number) >= nodeCount(ref[0])) throw fail(`${m}: layer ${name} takes node ${ref[1]} of ${ref[0]}, which has ${nodeCount(ref[0])}`);
          from.push(ref[0]);
        }
      }
      edges.set(name, from);
    }
    const state = new Map<string, "visiting" | "done">();
    const dfs = (name: string): void => {
      if (state.get(name) === "done") return;
      if (state.get(name) === "visiting") throw fail(`${m}: the layers form a cycle through ${JSON.stringify(name)}`);
      state.set(name, "visiting");
      for (const next of edges.get(name) ?? []) dfs(next);
      state.set(name, "done");
    };
    for (const name of nodes.keys()) dfs(name);
    for (const key of ["input_layers", "output_layers", "inputLayers", "outputLayers"]) {
      const ends = config[key];
      if (ends === undefined) continue;
      if (!Array.isArray(ends) || !ends.every((e) => Array.isArray(e) && typeof e[0] === "string" && nodes.has(e[0]) && Number.isSafeInteger(e[1]) && e[1] >= 0 && e[1] < nodeCount(e[0]))) {
        throw fail(`${m}: ${key} ${describe(ends)} does not name the model's layers`);
      }
    }
  };
  visit(topology);
}

/** The engine's variables by name (tfjs keeps them until disposed). */
function registeredVariables(): Record<string, tf.Variable> {
  return (tf.engine().state as unknown as { registeredVariables: Record<string, tf.Variable> }).registeredVariables;
}

/** Checks the parsed `bundle.json`. */
function checkManifest(json: unknown, fail: Fail): BundleManifest {
  if (!isRecord(json)) throw fail(`expected ${BUNDLE_FILES.manifest} to hold an object, got ${describe(json)}`);
  const version = json.formatVersion;
  if (version !== 1 && version !== BUNDLE_FORMAT_VERSION) {
    throw fail(`expected ${BUNDLE_FILES.manifest} with formatVersion ${BUNDLE_FORMAT_VERSION} (or 1), got ${JSON.stringify(version) ?? "none"}`);
  }
  if (typeof json.kind !== "string") throw fail(`expected a string kind in ${BUNDLE_FILES.manifest}, got ${describe(json.kind)}`);
  for (const key of ["encoderVocabSize", "embeddingInputSize"] as const) {
    const v = json[key];
    if (!(typeof v === "number" && Number.isSafeInteger(v) && v > 0)) {
      throw fail(`expected ${key} in ${BUNDLE_FILES.manifest} to be a positive integer, got ${describe(v)}`);
    }
  }
  const manifest: BundleManifest = {
    formatVersion: version,
    kind: json.kind,
    createdAt: typeof json.createdAt === "string" ? json.createdAt : "",
    encoderVocabSize: json.encoderVocabSize as number,
    embeddingInputSize: json.embeddingInputSize as number,
  };
  if (version === 1) return manifest;
  if (!isRecord(json.files)) throw fail(`expected a files table in ${BUNDLE_FILES.manifest} (format ${version}), got ${describe(json.files)}`);
  const files = {} as Record<BundlePartName, BundleFileChecksum>;
  for (const name of PARTS) {
    const entry = json.files[name];
    if (
      !isRecord(entry) ||
      !(typeof entry.bytes === "number" && Number.isSafeInteger(entry.bytes) && entry.bytes >= 0) ||
      !(typeof entry.sha256 === "string" && /^[0-9a-f]{64}$/.test(entry.sha256))
    ) {
      throw fail(`expected ${BUNDLE_FILES.manifest} to give the bytes and SHA-256 of ${name}, got ${describe(entry)}`);
    }
    files[name] = { bytes: entry.bytes, sha256: entry.sha256 };
  }
  manifest.files = files;
  return manifest;
}

/** Checks the parsed `model.json`: a topology object and a weights manifest of float32 / int32 arrays. */
function checkModelJson(json: unknown, fail: Fail): { topology: object; specs: WeightSpec[] } {
  const m = BUNDLE_FILES.model;
  if (!isRecord(json)) throw fail(`expected ${m} to hold an object, got ${describe(json)}`);
  if (!isRecord(json.modelTopology)) throw fail(`${m} has no modelTopology object`);
  if (!Array.isArray(json.weightsManifest)) throw fail(`${m} has no weightsManifest list`);
  const specs: WeightSpec[] = [];
  const names = new Set<string>();
  for (const group of json.weightsManifest as unknown[]) {
    if (!isRecord(group) || !Array.isArray(group.weights)) throw fail(`${m}: expected weightsManifest groups with a weights list, got ${describe(group)}`);
    for (const w of group.weights as unknown[]) {
      if (!isRecord(w) || typeof w.name !== "string") throw fail(`${m}: expected weights with a name, got ${describe(w)}`);
      const shape = w.shape;
      if (!Array.isArray(shape) || !shape.every((d): d is number => typeof d === "number" && Number.isSafeInteger(d) && d >= 0)) {
        throw fail(`${m}: expected weight ${w.name} to have a shape of non-negative integers, got ${describe(shape)}`);
      }
      const dtype = w.dtype ?? "float32";
      if (dtype !== "float32" && dtype !== "int32") throw fail(`${m}: weight ${w.name} has dtype ${describe(dtype)}; expected float32 or int32`);
      if (w.quantization !== undefined) throw fail(`${m}: weight ${w.name} is quantized, which bundles do not use`);
      if (names.has(w.name)) throw fail(`${m}: weight ${w.name} is listed twice`);
      names.add(w.name);
      const size = shape.reduce((a, b) => a * b, 1);
      if (!Number.isSafeInteger(size * 4)) throw fail(`${m}: weight ${w.name} of shape ${JSON.stringify(shape)} is too large`);
      specs.push({ name: w.name, shape, dtype, size });
    }
  }
  checkTopology(json.modelTopology, fail);
  return { topology: json.modelTopology, specs };
}

/** The first NaN or infinite value of the float32 weights laid out as `specs` in `bytes`, or null. */
function firstNonFinite(
  bytes: Uint8Array,
  specs: readonly { name: string; shape: number[]; dtype?: string }[],
): { name: string; index: number; value: number; size: number } | null {
  const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  let offset = 0;
  for (const s of specs) {
    const size = s.shape.reduce((a, b) => a * b, 1);
    if ((s.dtype ?? "float32") === "float32" && offset + size * 4 <= aligned.byteLength) {
      const values = new Float32Array(aligned.buffer, aligned.byteOffset + offset, size);
      for (let i = 0; i < size; i++) {
        const v = values[i] as number;
        if (!Number.isFinite(v)) return { name: s.name, index: i, value: v, size };
      }
    }
    offset += size * 4;
  }
  return null;
}

function embeddingSize(weights: { name: string; shape: number[] }[], fail: (message: string) => Error): number {
  const embedding = weights.find((w) => /(^|\/)embeddings(_\d+)?$/.test(w.name));
  if (embedding === undefined || embedding.shape.length !== 2) {
    throw fail(`expected a model with an Embedding layer, got weights ${weights.map((w) => w.name).join(", ") || "none"}`);
  }
  return embedding.shape[0] as number;
}

function checkVocabulary(encoderVocabSize: number, embeddingInputSize: number, when: "save" | "load", location?: string): void {
  if (encoderVocabSize !== embeddingInputSize) {
    throw new ModelsError(
      "VOCABULARY_MISMATCH",
      `cannot ${when} the bundle${location === undefined ? "" : ` ${location}`}: the encoder has a vocabulary of ${encoderVocabSize} ids ` +
        `but the model's Embedding accepts ${embeddingInputSize}; the model was trained with another encoder`,
    );
  }
}

function isNotFound(error: unknown): boolean {
  const e = error as { code?: unknown; status?: unknown } | null;
  return e !== null && typeof e === "object" && (e.code === "ENOENT" || e.status === 404);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value instanceof Uint8Array) return `${value.constructor.name}(${value.length})`;
  const json = JSON.stringify(value);
  if (json === undefined) return typeof value;
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
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
