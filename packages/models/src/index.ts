export { ModelsError } from "./models-error";
export type { ModelsErrorCode, ModelsErrorDetails } from "./models-error";
export { languageModelMetrics } from "./evaluation/language-model-metrics";
export type { LanguageModelMetrics } from "./evaluation/language-model-metrics";
export { createRandom, deriveSeed } from "./random";
export type { Random } from "./random";
export { orthogonalMatrix } from "./builders/orthogonal-matrix";
export type { OrthogonalMatrixOptions } from "./builders/orthogonal-matrix";
export { initializeKerasWeights } from "./builders/initialize-keras-weights";
export type { LayerImplementation } from "./builders/recurrent-layer-factory";
export { CELL_KINDS, cellKind } from "@recurrent/rnn-cells";
export type { ActivationName, CellKind } from "@recurrent/rnn-cells";
export { buildSentimentModel, resolveSentimentModelOptions } from "./builders/build-sentiment-model";
export type { ResolvedSentimentModelOptions, SentimentModelOptions } from "./builders/build-sentiment-model";
export { buildCharLanguageModel, resolveCharLanguageModelOptions } from "./builders/build-char-language-model";
export type { CharLanguageModelOptions, ResolvedCharLanguageModelOptions } from "./builders/build-char-language-model";
export type { BatchSource, ModelTask, SequenceBatch, TrainingBatch } from "./training/training-batch";
export { binaryClassificationMetrics } from "./evaluation/binary-classification-metrics";
export type {
  BinaryClassificationMetrics,
  BinaryClassificationMetricsOptions,
  ConfusionMatrix,
} from "./evaluation/binary-classification-metrics";
export { evaluateLanguageModel, evaluateSentimentModel, predictProbabilities } from "./evaluation/evaluate-model";
export type { BatchIterable, LanguageModelEvaluation } from "./evaluation/evaluate-model";
export { decodeCheckpoint, encodeCheckpoint, memoryCheckpointStore } from "./training/training-checkpoint";
export type { CheckpointStore, EpochRecord, NamedArray, TrainingCheckpoint } from "./training/training-checkpoint";
export { trainModel } from "./training/train-model";
export type { TrainingResult, TrainingSession } from "./training/train-model";
export type { TrainModelOptions, TrainingProgress } from "./training/train-model-options";
export type { EarlyStoppingMonitor, EarlyStoppingOptions } from "./training/early-stopping";
export type { DivergenceOptions } from "./training/divergence-monitor";
export { clipByGlobalNorm } from "./training/clip-by-global-norm";
export type { ClippedGradients } from "./training/clip-by-global-norm";
export { fusedAdam, FusedAdamOptimizer } from "./training/fused-adam";
export { sampleFromLogits } from "./generation/sample-from-logits";
export type { SamplingOptions } from "./generation/sample-from-logits";
export { generateText } from "./generation/generate-text";
export type { GenerateTextOptions } from "./generation/generate-text";
export { streamText } from "./generation/stream-text";
export type { StreamTextOptions, TextCodec } from "./generation/stream-text";
export { streamTokens } from "./generation/stream-tokens";
export type { GenerationMethod, GenerationOptions, StepKernels, StreamTokensOptions } from "./generation/stream-tokens";
export { BUNDLE_FILES, BUNDLE_FORMAT_VERSION, decodeBundle, encodeBundle, httpBundleReader } from "./bundles/model-bundle";
export type {
  BundleEncoder,
  BundleFileChecksum,
  BundlePartName,
  BundleFileReader,
  BundleManifest,
  DecodeBundleOptions,
  LoadedBundle,
  ModelBundleContents,
} from "./bundles/model-bundle";
export { FastLSTM, fastLstm } from "./layers/fast-lstm";
export { FastGRU, fastGru } from "./layers/fast-gru";
export type { FastGRULayerArgs } from "./layers/fast-gru";
export { FastSimpleRNN, fastSimpleRnn } from "./layers/fast-simple-rnn";
export { FastBidirectional, fastBidirectional } from "./layers/fast-bidirectional";
export type { BidirectionalLayerArgs } from "./layers/fast-bidirectional";
export { FAST_RECURRENT_BACKENDS, fastPathBlocker } from "./layers/fast-recurrent-call";
export type { FastLayerOptions, FastPathMode } from "./layers/fast-recurrent-call";
export { registerFastLayers } from "./layers/register-fast-layers";
