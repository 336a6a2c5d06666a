export { FileCheckpointStore } from "./file-checkpoint-store";
export { loadBundle, saveBundle } from "./bundle-directory";
export { writeFileAtomic } from "./write-file-atomic";
