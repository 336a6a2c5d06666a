export { ModelsError } from "./models-error";
export type { ModelsErrorCode } from "./models-error";
export { languageModelMetrics } from "./language-model-metrics";
export type { LanguageModelMetrics } from "./language-model-metrics";
