export { formatSeconds, trainingProgressBar } from "./progress-bar";
export { cellOption, integerOption, positiveOption, rateOption } from "./cli-options";
export { findRepoRoot, sharedDataFile } from "./shared-data";
export { runInterruptibleTraining } from "./interruptible-training";
export type { TrainingHooks } from "./interruptible-training";
