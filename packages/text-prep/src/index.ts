/**
 * `@recurrent/text-prep`: the browser-safe entry (no Node built-in anywhere in
 * its import graph; checked by esbuild in src/browser-bundle.test.ts). The
 * readers, worker-thread counting and encoding, and encoder files are in
 * `@recurrent/text-prep/node` (src/node/).
 */
export { TextPrepError } from "./text-prep-error";
export type { TextPrepErrorCode, TextPrepErrorOptions } from "./text-prep-error";
export { tokenize } from "./tokens/tokenize";
export type { TokenizeOptions } from "./tokens/tokenize";
export { Vocabulary } from "./tokens/vocabulary";
export type { VocabularyOptions, VocabularyOrder } from "./tokens/vocabulary";
export { TokenCounter } from "./tokens/token-counter";
export type { TokenCounterOptions } from "./tokens/token-counter";
export { buildVocabulary } from "./tokens/build-vocabulary";
export { TokenTextEncoder } from "./encoders/token-text-encoder";
export type { TokenTextEncoderJson, TokenTextEncoderOptions } from "./encoders/token-text-encoder";
export { CharEncoder } from "./encoders/char-encoder";
export type { CharEncoderJson } from "./encoders/char-encoder";
export { padSequences } from "./sequences/pad-sequences";
export type { PadSequencesOptions, PaddedSequences } from "./sequences/pad-sequences";
export { keepLast } from "./sequences/keep-last";
export type { SequenceBatch, TrainingBatch } from "./sequences/sequence-batch";
export { PaddedBatches, paddedBatches } from "./sequences/padded-batches";
export type { PaddedBatch, PaddedBatchesOptions } from "./sequences/padded-batches";
export { bucketedBatches } from "./sequences/bucketed-batches";
export type { BucketedBatchesOptions } from "./sequences/bucketed-batches";
export { charChunkBatches, charChunks } from "./sequences/char-chunks";
export type { CharChunkBatchesOptions, CharChunks } from "./sequences/char-chunks";
export { shuffle } from "./sequences/shuffle";
export { skip, splitAt, take } from "./sequences/take";
