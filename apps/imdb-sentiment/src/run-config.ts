import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { SentimentModelOptions } from "@recurrent/models";

/** Everything that decides a run's data, model and training (stored as run.json and in the bundle). */
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

/** Keys whose change makes a checkpoint unusable. */
const IDENTITY: (keyof RunConfig)[] = ["seed", "limit", "maxTokens", "batchSize", "bucket", "model", "learningRate", "clipNorm"];

/** Differences between the run folder's run.json and the requested configuration that forbid resuming. */
export function incompatibilities(saved: RunConfig, wanted: RunConfig): string[] {
  return IDENTITY.filter((k) => JSON.stringify(saved[k]) !== JSON.stringify(wanted[k])).map(
    (k) => `${k}: the run folder has ${JSON.stringify(saved[k])}, the command asks for ${JSON.stringify(wanted[k])}`,
  );
}

export async function readRunConfig(runDir: string): Promise<RunConfig | null> {
  try {
    return JSON.parse(await readFile(join(runDir, "run.json"), "utf8")) as RunConfig;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}
