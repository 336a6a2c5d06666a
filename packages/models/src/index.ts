export { ModelsError } from "./models-error";
export type { ModelsErrorCode } from "./models-error";
export { languageModelMetrics } from "./language-model-metrics";
export type { LanguageModelMetrics } from "./language-model-metrics";
export { createRandom, deriveSeed } from "./random";
export type { Random } from "./random";
export { orthogonalMatrix } from "./orthogonal-matrix";
export type { OrthogonalMatrixOptions } from "./orthogonal-matrix";
export { initializeKerasWeights } from "./initialize-keras-weights";
export type { LayerImplementation, RecurrentCellType as RecurrentCellKind } from "./recurrent-layer-factory";
export { buildSentimentModel, resolveSentimentModelOptions } from "./build-sentiment-model";
export type { ResolvedSentimentModelOptions, SentimentModelOptions } from "./build-sentiment-model";
export { buildCharLanguageModel, resolveCharLanguageModelOptions } from "./build-char-language-model";
export type { CharLanguageModelOptions, ResolvedCharLanguageModelOptions } from "./build-char-language-model";
export type { BatchSource, ModelTask, TrainingBatch } from "./training-batch";
export { binaryClassificationMetrics } from "./binary-classification-metrics";
export type {
  BinaryClassificationMetrics,
  BinaryClassificationMetricsOptions,
  ConfusionMatrix,
} from "./binary-classification-metrics";
export { evaluateLanguageModel, evaluateSentimentModel, predictProbabilities } from "./evaluate-model";
export type { BatchIterable, LanguageModelEvaluation } from "./evaluate-model";
export { decodeCheckpoint, encodeCheckpoint, memoryCheckpointStore } from "./training-checkpoint";
export type { CheckpointStore, EpochRecord, NamedArray, TrainingCheckpoint } from "./training-checkpoint";
export { trainModel } from "./train-model";
export type { EarlyStoppingOptions, TrainModelOptions, TrainingProgress, TrainingResult } from "./train-model";
export { sampleFromLogits } from "./sample-from-logits";
export type { SamplingOptions } from "./sample-from-logits";
export { generateText } from "./generate-text";
export type { GenerateTextOptions, TextCodec } from "./generate-text";
export { BUNDLE_FILES, decodeBundle, encodeBundle, httpBundleReader } from "./model-bundle";
export type {
  BundleEncoder,
  BundleFileReader,
  BundleManifest,
  DecodeBundleOptions,
  LoadedBundle,
  ModelBundleContents,
} from "./model-bundle";
export { FastLSTM, fastLstm } from "./layers/fast-lstm";
export { FastGRU, fastGru } from "./layers/fast-gru";
export { FastSimpleRNN, fastSimpleRnn } from "./layers/fast-simple-rnn";
export { FastBidirectional, fastBidirectional } from "./layers/fast-bidirectional";
export type { BidirectionalLayerArgs } from "./layers/fast-bidirectional";
export { FAST_RECURRENT_BACKENDS, fastPathBlocker } from "./layers/fast-recurrent-call";
