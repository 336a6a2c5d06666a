export { RnnCellsError } from "./rnn-cells-error";
export type { RnnCellsErrorCode } from "./rnn-cells-error";
export { ACTIVATION_NAMES, activationName, getActivation } from "./activations";
export type { Activation, ActivationName } from "./activations";
export { CELL_KINDS, cellKind, resolveSpec, weightShapes } from "./rnn-spec";
export type {
  CellKind,
  FloatArray,
  FloatDType,
  ResolvedRnnSpec,
  RnnSpec,
  RnnWeightShapes,
  RnnWeights,
} from "./rnn-spec";
export { rnnForward } from "./rnn-forward";
export type { RnnForwardOptions, RnnForwardResult, RnnState, SequenceShape } from "./rnn-forward";
export { rnnBackward } from "./rnn-backward";
export type { RnnBackwardOptions, RnnGradients, RnnUpstreamGradients, TruncationMode } from "./rnn-backward";
export { clipByGlobalNorm, clipByValue, globalNorm } from "./clip-gradients";
export type { GlobalNormClipResult } from "./clip-gradients";
export { gradientCheck, numericGradient, relativeError } from "./gradient-check";
export type { GradientCheckEntry, GradientCheckOptions, GradientCheckResult } from "./gradient-check";
export { initWeights, seededRandom } from "./init-weights";
export type { InitWeightsOptions } from "./init-weights";
export { chapterRnnBackward, chapterRnnForward } from "./chapter-rnn";
export type {
  ChapterRnnForwardOptions,
  ChapterRnnForwardResult,
  ChapterRnnGradients,
  ChapterRnnSpec,
  ChapterRnnWeights,
  Recurrence,
} from "./chapter-rnn";
export { gradientFlow } from "./gradient-flow";
export type { GradientFlowOptions, GradientFlowResult, JacobianNorm } from "./gradient-flow";
