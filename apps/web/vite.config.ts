import { defineConfig } from "vite";

/**
 * The headers that make the page cross-origin isolated (`crossOriginIsolated === true`: SharedArrayBuffer and
 * shared WebAssembly memory are allowed). `WEB_ISOLATION=off` serves the same build without them, which is how
 * the browser tests check the page also works without isolation.
 */
export function isolationHeaders(env: Readonly<Record<string, string | undefined>> = process.env): Record<string, string> {
  const value = env.WEB_ISOLATION ?? "on";
  if (value !== "on" && value !== "off") throw new Error(`expected WEB_ISOLATION=on|off, got ${JSON.stringify(value)}`);
  return value === "on" ? { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" } : {};
}

const port = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65_535) throw new Error(`expected ${name} to be a port number, got ${JSON.stringify(raw)}`);
  return n;
};

export default defineConfig({
  // The Web Worker imports tfjs, which loads @tensorflow/tfjs-backend-wasm with a dynamic import: only module
  // workers can split code like that.
  worker: { format: "es" },
  build: { target: "es2022", chunkSizeWarningLimit: 4_000 },
  // Loopback only: the app reads the visitor's files, it has no business on the network.
  server: { host: "127.0.0.1", port: port("WEB_PORT", 5173), strictPort: true, headers: isolationHeaders() },
  preview: { host: "127.0.0.1", port: port("WEB_PORT", 4173), strictPort: true, headers: isolationHeaders() },
});
