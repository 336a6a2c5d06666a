import * as tf from "@tensorflow/tfjs";
import type { CellKind } from "@recurrent/rnn-cells";
import { fastBidirectional } from "../layers/fast-bidirectional";
import { fastGru } from "../layers/fast-gru";
import { fastLstm } from "../layers/fast-lstm";
import { fastSimpleRnn } from "../layers/fast-simple-rnn";

/** Which recurrent layer implementation the builders use. */
export type LayerImplementation = "fast" | "stock";

/** @internal */
export interface RecurrentLayerSpec {
  cell: CellKind;
  units: number;
  returnSequences: boolean;
  bidirectional: boolean;
  implementation: LayerImplementation;
  stateful?: boolean;
  /** GRU only: Keras's reset-after variant (fast layers only; tf.layers' GRU refuses it). */
  resetAfter?: boolean;
  name: string;
}

/**
 * Creates one recurrent layer with Keras's defaults set explicitly, from this
 * package's fast layers (`implementation: "fast"`, which fall back to the
 * stock code path on backends without fused kernels) or from `tf.layers`.
 * Stateful layers are always stock. The
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
  const fast = spec.implementation === "fast" && spec.stateful !== true;
  const make = (name: string): tf.layers.Layer => {
    switch (spec.cell) {
      case "lstm": {
        // Forget-gate bias 1 (Keras unit_forget_bias) is drawn by initializeKerasWeights: tfjs's
        // unitForgetBias initializer leaks 4 tensors per layer (tfjs 4.22).
        const config = { ...common, name, recurrentActivation: "sigmoid" as const, unitForgetBias: false };
        return fast ? fastLstm(config) : tf.layers.lstm(config);
      }
      case "gru": {
        const config = { ...common, name, recurrentActivation: "sigmoid" as const };
        if (spec.resetAfter === true) {
          if (!fast) throw new RangeError(`expected resetAfter only with the fast layers (tf.layers' GRU refuses it), got implementation "stock"${spec.stateful === true ? " (stateful layers are stock)" : ""}`);
          return fastGru({ ...config, resetAfter: true });
        }
        return fast ? fastGru(config) : tf.layers.gru(config);
      }
      case "simple-rnn": {
        const config = { ...common, name, activation: "tanh" as const };
        return fast ? fastSimpleRnn(config) : tf.layers.simpleRNN(config);
      }
    }
  };
  if (!spec.bidirectional) return make(spec.name);
  const config = { layer: make(`${spec.name}_inner`) as never, mergeMode: "concat" as const, name: spec.name };
  return fast ? fastBidirectional(config) : tf.layers.bidirectional(config);
}
