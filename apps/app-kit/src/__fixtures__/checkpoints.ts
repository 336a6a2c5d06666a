import type { TrainingCheckpoint } from "@recurrent/models";

/** A small training checkpoint at `step` (weights [step, -step]), with `over` replacing its fields. */
export function checkpointAt(step: number, over: Partial<TrainingCheckpoint> = {}): TrainingCheckpoint {
  return {
    epoch: 0,
    batchesDone: step,
    step,
    partial: { lossSum: 0, sequences: 0, correct: 0, examples: 0, tokens: 0, seconds: 0, stepSeconds: 0 },
    history: [],
    best: null,
    wait: 0,
    finished: false,
    stopReason: null,
    weights: [{ name: "w", shape: [2], data: Float32Array.of(step, -step) }],
    optimizer: [],
    divergence: { steps: 0, fast: 0, slow: 0, lowest: null, over: 0 },
    ...over,
  };
}
