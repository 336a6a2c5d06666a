/** Where this code runs, as far as {@link initBackend}'s advice is concerned. */
export interface Platform {
  /** `"node"` (also Bun and Deno, which provide `process.versions.node`), `"browser"` (a page or a web worker), or neither. */
  kind: "node" | "browser" | "other";
  /**
   * In a browser, whether the page is cross-origin isolated (`crossOriginIsolated`: served with
   * `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy: require-corp`), which
   * `SharedArrayBuffer`, and so WebAssembly threads, need. `undefined` outside browsers.
   */
  crossOriginIsolated: boolean | undefined;
}

/** Detects the platform from globals only (no import of any Node builtin). */
export function detectPlatform(): Platform {
  const g = globalThis as {
    process?: { versions?: { node?: unknown } };
    window?: unknown;
    document?: unknown;
    importScripts?: unknown;
    crossOriginIsolated?: unknown;
  };
  if (typeof g.process?.versions?.node === "string") return { kind: "node", crossOriginIsolated: undefined };
  const browser = (typeof g.window === "object" && typeof g.document === "object") || typeof g.importScripts === "function";
  if (browser) return { kind: "browser", crossOriginIsolated: g.crossOriginIsolated === true };
  return { kind: "other", crossOriginIsolated: undefined };
}
