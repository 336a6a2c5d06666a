export { RnnCellsError } from "./rnn-cells-error";
export type { RnnCellsErrorCode } from "./rnn-cells-error";
export { getActivation } from "./activations";
export type { Activation, ActivationName } from "./activations";
