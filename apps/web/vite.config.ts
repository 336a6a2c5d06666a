import { isBuiltin } from "node:module";
import { fileURLToPath } from "node:url";
import { defineConfig, type Plugin } from "vite";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
/** Our own code: the app's sources and the workspace packages (`packages/*`), not third-party dependencies. */
const ours = (file: string | undefined): boolean =>
  file !== undefined && !file.includes("/node_modules/") && (file.startsWith(`${repoRoot}packages/`) || file.startsWith(`${repoRoot}apps/web/src/`));

/**
 * Fails the build (and the dev server's module) when our code (the app or a `@recurrent/*` package) imports a
 * Node built-in that Vite would replace by its empty "browser external" stub: such a bundle builds with a warning
 * and then breaks at run time (a `class … extends` of an undefined import stops the worker at load). Every
 * package's `.` entry is meant to be browser-safe; the error names the importer. Third-party packages that map a
 * built-in to nothing for browsers themselves (tfjs-data's `"browser": { "fs": false }`) are left to Vite.
 */
export function noNodeBuiltins(): Plugin {
  return {
    name: "recurrent:no-node-builtins",
    enforce: "pre",
    async resolveId(id, importer, options) {
      if (!isBuiltin(id) || !ours(importer)) return null;
      const resolved = await this.resolve(id, importer, { ...options, skipSelf: true });
      if (resolved === null || resolved.id.startsWith("__vite-browser-external")) {
        this.error(`the page's code must not use Node built-ins, but ${importer ?? "an entry"} imports "${id}" (a browser has no ${id})`);
      }
      return resolved;
    },
  };
}

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
  worker: { format: "es", plugins: () => [noNodeBuiltins()] },
  plugins: [noNodeBuiltins()],
  build: { target: "es2022", chunkSizeWarningLimit: 4_000 },
  // Loopback only: the app reads the visitor's files, it has no business on the network.
  server: { host: "127.0.0.1", port: port("WEB_PORT", 5173), strictPort: true, headers: isolationHeaders() },
  preview: { host: "127.0.0.1", port: port("WEB_PORT", 4173), strictPort: true, headers: isolationHeaders() },
});
