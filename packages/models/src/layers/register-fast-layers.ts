import * as tf from "@tensorflow/tfjs";
import { FastBidirectional } from "./fast-bidirectional";
import { FastGRU } from "./fast-gru";
import { FastLSTM } from "./fast-lstm";
import { FastSimpleRNN } from "./fast-simple-rnn";
import { stockLayerClass } from "./stock-layer-class";

const CLASS_NAMES = ["LSTM", "GRU", "SimpleRNN", "Bidirectional"] as const;

/** The stock classes, captured when this module loads (before anything replaces them). */
const STOCK = new Map(CLASS_NAMES.map((name) => [name, stockLayerClass<never, unknown>(name)]));

/**
 * Makes `tf.loadLayersModel` (and every other deserialization: `tf.models.modelFromJSON`, cloning a layer,
 * `@recurrent/models`' bundles) build this package's fast layers for the class names `"LSTM"`, `"GRU"`,
 * `"SimpleRNN"` and `"Bidirectional"`, instead of the stock tf.layers classes. Models saved with fast layers name
 * the stock classes (so stock tfjs and Keras read them), so without this call a loaded model trains on the stock,
 * 15–23× slower code path. Call it once, before loading. Idempotent.
 *
 * @returns A function that puts the stock classes back.
 * @example
 * import * as tf from "@tensorflow/tfjs";
 * import { registerFastLayers } from "@recurrent/models";
 *
 * registerFastLayers();
 * const model = await tf.loadLayersModel("https://example.com/model.json"); // its LSTMs are FastLSTMs
 */
export function registerFastLayers(): () => void {
  // SerializationMap.register is what tfjs-layers itself calls for its classes: it maps the class name to the
  // class, and leaves tf.serialization.registerClass's "Custom>" names (and so saved class names) alone.
  for (const layerClass of [FastLSTM, FastGRU, FastSimpleRNN, FastBidirectional]) register(layerClass);
  return () => {
    for (const stock of STOCK.values()) register(stock);
  };
}

/**
 * @internal Puts the fast classes in the registry and returns a function that puts back exactly what was there
 * (stock or fast). `FastBidirectional` wraps its stock constructor in it: tf.layers' `Bidirectional` clones the
 * wrapped layer through the registry, and the stock GRU class refuses a `resetAfter: true` configuration.
 */
export function swapInFastLayers(): () => void {
  const map = tf.serialization.SerializationMap.getMap().classNameMap;
  const before = CLASS_NAMES.map((name) => map[name]?.[0]);
  registerFastLayers();
  return () => {
    for (const previous of before) if (previous !== undefined) register(previous);
  };
}

function register(layerClass: unknown): void {
  tf.serialization.SerializationMap.register(layerClass as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
}
