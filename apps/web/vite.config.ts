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

/** The Emscripten glue of tfjs-backend-wasm's threaded binary (CommonJS; its factory is the module's export). */
const THREADED_GLUE = "/@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js";
const FACTORY_START = "var WasmBackendModuleThreadedSimd = ";
const FACTORY_END = "\nif (typeof exports === 'object' && typeof module === 'object')";

/**
 * Makes tfjs-backend-wasm's threaded binary start in a minified build. tfjs starts its pthread workers with the
 * factory's source text (`new Blob(["var WasmBackendModuleThreadedSimd = " + factory.toString()])`), which only
 * works while that text is self-contained. A minifier renames the variable the factory closes over (`_scriptDir`,
 * read as `typeof _scriptDir !== "undefined" && _scriptDir`, which the minifier folds to a bare `e` because it
 * knows the variable is declared) and moves `require` into a bundle helper: each pthread worker then fails with
 * `ReferenceError: e is not defined` and the backend never starts (issue #12). This keeps the glue as it is for
 * the page's own use and gives the factory a `toString` that returns its original text, a string literal the
 * minifier leaves alone, so the workers evaluate exactly what tfjs ships. Used for the build, the worker bundle
 * and the dev server's dependency pre-bundling alike; a tfjs whose glue no longer has this shape fails the build.
 */
export function tfjsThreadedWasmSource(): Plugin {
  return {
    name: "recurrent:tfjs-threaded-wasm-source",
    enforce: "pre",
    transform(code, id) {
      if (!id.split("?")[0]!.replaceAll("\\", "/").endsWith(THREADED_GLUE)) return null;
      const start = code.indexOf(FACTORY_START);
      const end = code.indexOf(FACTORY_END);
      if (start < 0 || end < start) {
        this.error(`expected ${id} to define its factory as \`${FACTORY_START}(() => { … })();\` before its UMD exports, but it does not: check the tfjs-backend-wasm version`);
      }
      const factory = code.slice(start + FACTORY_START.length, end).trim().replace(/;$/, "");
      return { code: `${code}\nWasmBackendModuleThreadedSimd.toString = () => ${JSON.stringify(factory)};\n`, map: null };
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
  worker: { format: "es", plugins: () => [noNodeBuiltins(), tfjsThreadedWasmSource()] },
  plugins: [noNodeBuiltins(), tfjsThreadedWasmSource()],
  // the dev server pre-bundles tfjs-backend-wasm with Rolldown: the same fix there
  optimizeDeps: { rolldownOptions: { plugins: [tfjsThreadedWasmSource()] } },
  build: { target: "es2022", chunkSizeWarningLimit: 4_000 },
  // Loopback only: the app reads the visitor's files, it has no business on the network.
  server: { host: "127.0.0.1", port: port("WEB_PORT", 5173), strictPort: true, headers: isolationHeaders() },
  preview: { host: "127.0.0.1", port: port("WEB_PORT", 4173), strictPort: true, headers: isolationHeaders() },
});
