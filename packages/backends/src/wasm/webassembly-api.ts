/**
 * The parts of the WebAssembly JavaScript API the loaders use, typed here because the package's TypeScript lib has
 * no DOM/WebAssembly types; `undefined` where the runtime has no WebAssembly.
 */
export interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WebAssemblyMemory;
  validate(bytes: Uint8Array): boolean;
}

/** A `WebAssembly.Memory`. */
export interface WebAssemblyMemory {
  readonly buffer: ArrayBufferLike;
  grow(pages: number): number;
}

/** This runtime's `WebAssembly`, if it has one. */
export const webAssembly: WebAssemblyApi | undefined = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
