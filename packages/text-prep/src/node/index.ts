/**
 * `@recurrent/text-prep/node`: what needs Node (`node:fs`, `node:zlib`,
 * `node:worker_threads`, `tar-stream`, `csv-parse`): the dataset readers, the
 * worker-thread counting and encoding, and encoder files. Everything else
 * (tokenizer, vocabulary, `TokenCounter`, the encoders, padding, batching,
 * `TextPrepError`) is in the browser-safe `@recurrent/text-prep`; the
 * functions here take its `TokenCounter` and `TokenTextEncoder`.
 */
export { countTexts } from "./parallel/count-texts";
export { BackgroundCount, countInBackground } from "./parallel/background-count";
export { encodeTexts } from "./parallel/encode-texts";
export type { ParallelOptions } from "./parallel/run-parallel";
export { loadCharEncoder, loadTokenTextEncoder, saveEncoder } from "./encoder-files";
export { readImdb } from "./readers/read-imdb";
export type { ImdbReview, ImdbSplit, ImdbUnlabeledReview, ReadImdbOptions } from "./readers/read-imdb";
export { readImdbCsv } from "./readers/read-imdb-csv";
export type { ImdbCsvRow, ReadImdbCsvOptions } from "./readers/read-imdb-csv";
export { readTextFile } from "./readers/read-text-file";
export type { ReadTextFileOptions } from "./readers/read-text-file";
