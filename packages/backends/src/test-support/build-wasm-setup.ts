import { execFileSync } from "node:child_process";
import { resolve } from "node:path";

/**
 * vitest global setup: builds the WebAssembly modules (wasm-out/, build output) if they are missing or stale, so
 * `vitest run` works from a clean clone without a build first. A no-op when they are up to date.
 */
export default function setup(): void {
  execFileSync(process.execPath, [resolve(__dirname, "../../scripts/build-wasm.mjs")], { stdio: "inherit" });
}
