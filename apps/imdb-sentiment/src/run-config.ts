import type { SentimentModelOptions } from "@recurrent/models";

/** Everything that decides a run's data, model and training (stored in run.json and in the bundle). */
export interface RunConfig {
  /** Shuffle seed of the reviews and seed of the weights. */
  seed: number;
  /** Use only the first `limit` reviews after shuffling (smoke runs); null = all. */
  limit: number | null;
  /** Keep only the last N tokens of each review (the chapter's max_seq_length = 100); null = full length. */
  maxTokens: number | null;
  batchSize: number;
  bucket: boolean;
  model: Required<Pick<SentimentModelOptions, "cell" | "bidirectional" | "layers" | "units" | "embeddingDim" | "denseUnits" | "dropout" | "maskPadding">> &
    Pick<SentimentModelOptions, "resetAfter">;
  learningRate: number;
  clipNorm: number | null;
  epochs: number;
  patience: number;
}

/** Keys whose change makes a checkpoint unusable (resuming with other values is refused). */
export const IDENTITY: readonly (keyof RunConfig)[] = ["seed", "limit", "maxTokens", "batchSize", "bucket", "model", "learningRate", "clipNorm"];
