import * as tf from "@tensorflow/tfjs";

/** A tf.layers layer constructor. */
export type LayerConstructor<Args, Instance> = (new (args: Args) => Instance) & { className: string };

/**
 * The stock tf.layers class registered under `className` (tfjs-layers does not export the LSTM, GRU, SimpleRNN
 * and Bidirectional classes by value, but registers them for deserialization).
 */
export function stockLayerClass<Args, Instance>(className: string): LayerConstructor<Args, Instance> {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[className];
  if (entry === undefined) {
    throw new Error(`tf.layers class "${className}" is not registered; is @tensorflow/tfjs loaded?`);
  }
  return entry[0] as unknown as LayerConstructor<Args, Instance>;
}
