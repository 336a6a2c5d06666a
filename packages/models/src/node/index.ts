export { FileCheckpointStore } from "./file-checkpoint-store";
export type { FileCheckpointStoreOptions } from "./file-checkpoint-store";
export { loadBundle, saveBundle } from "./bundle-directory";
export { isProcessAlive, removeStaleTemporaries } from "./stale-temporaries";
export type { StaleTemporaries } from "./stale-temporaries";
export { writeFileAtomic } from "./write-file-atomic";
