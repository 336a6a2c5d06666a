import * as tf from "@tensorflow/tfjs";

/** The recurrent cell types the builders support. */
export type RecurrentCellType = "lstm" | "gru" | "simple-rnn";

/** Which recurrent layer implementation the builders use. */
export type LayerImplementation = "fast" | "stock";

/** @internal */
export interface RecurrentLayerSpec {
  cell: RecurrentCellType;
  units: number;
  returnSequences: boolean;
  bidirectional: boolean;
  implementation: LayerImplementation;
  stateful?: boolean;
  name: string;
}

/**
 * Creates one recurrent layer with Keras's defaults set explicitly. The
 * recurrent kernel gets a `zeros` placeholder initializer so that building
 * (and loading) does not run tfjs's slow QR-based orthogonal initializer; the
 * builders then draw every weight with {@link initializeKerasWeights}.
 *
 * @internal
 */
export function createRecurrentLayer(spec: RecurrentLayerSpec): tf.layers.Layer {
  const common = {
    units: spec.units,
    returnSequences: spec.returnSequences,
    kernelInitializer: "glorotUniform" as const,
    recurrentInitializer: "zeros" as const,
    biasInitializer: "zeros" as const,
    stateful: spec.stateful ?? false,
  };
  const make = (name: string): tf.layers.Layer => {
    switch (spec.cell) {
      case "lstm":
        // Forget-gate bias 1 (Keras unit_forget_bias) is drawn by initializeKerasWeights: tfjs's
        // unitForgetBias initializer leaks 4 tensors per layer (tfjs 4.22).
        return tf.layers.lstm({ ...common, name, recurrentActivation: "sigmoid", unitForgetBias: false });
      case "gru":
        return tf.layers.gru({ ...common, name, recurrentActivation: "sigmoid" });
      case "simple-rnn":
        return tf.layers.simpleRNN({ ...common, name, activation: "tanh" });
    }
  };
  if (!spec.bidirectional) return make(spec.name);
  return tf.layers.bidirectional({
    layer: make(`${spec.name}_inner`) as never,
    mergeMode: "concat",
    name: spec.name,
  });
}
