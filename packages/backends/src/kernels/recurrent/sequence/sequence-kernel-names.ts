import {
  BIDIRECTIONAL_GRU_SEQUENCE,
  BIDIRECTIONAL_GRU_SEQUENCE_GRAD,
  GRU_SEQUENCE,
  GRU_SEQUENCE_GRAD,
} from "./gru-sequence";
import {
  BIDIRECTIONAL_LSTM_SEQUENCE,
  BIDIRECTIONAL_LSTM_SEQUENCE_GRAD,
  LSTM_SEQUENCE,
  LSTM_SEQUENCE_GRAD,
} from "./lstm-sequence";
import type { SequenceKernelNames } from "./sequence-kernels";
import {
  BIDIRECTIONAL_SIMPLE_RNN_SEQUENCE,
  BIDIRECTIONAL_SIMPLE_RNN_SEQUENCE_GRAD,
  SIMPLE_RNN_SEQUENCE,
  SIMPLE_RNN_SEQUENCE_GRAD,
} from "./simple-rnn-sequence";

/**
 * The whole-sequence kernels of each cell (spelled as `CellKind` of `@recurrent/rnn-cells`): one direction and both
 * directions at once, forward and backward.
 *
 * @example
 * SEQUENCE_KERNELS.gru.single // "RecurrentGruSequence"
 */
export const SEQUENCE_KERNELS: Readonly<Record<"lstm" | "gru" | "simple-rnn", SequenceKernelNames>> = {
  lstm: {
    single: LSTM_SEQUENCE,
    singleGrad: LSTM_SEQUENCE_GRAD,
    bidirectional: BIDIRECTIONAL_LSTM_SEQUENCE,
    bidirectionalGrad: BIDIRECTIONAL_LSTM_SEQUENCE_GRAD,
  },
  gru: {
    single: GRU_SEQUENCE,
    singleGrad: GRU_SEQUENCE_GRAD,
    bidirectional: BIDIRECTIONAL_GRU_SEQUENCE,
    bidirectionalGrad: BIDIRECTIONAL_GRU_SEQUENCE_GRAD,
  },
  "simple-rnn": {
    single: SIMPLE_RNN_SEQUENCE,
    singleGrad: SIMPLE_RNN_SEQUENCE_GRAD,
    bidirectional: BIDIRECTIONAL_SIMPLE_RNN_SEQUENCE,
    bidirectionalGrad: BIDIRECTIONAL_SIMPLE_RNN_SEQUENCE_GRAD,
  },
};
