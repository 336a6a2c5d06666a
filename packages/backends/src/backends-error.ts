/** Machine-readable reason attached to every {@link BackendsError}. */
export type BackendsErrorCode = "NO_ENGINE" | "ENGINE_FAILED" | "INVALID_ARGUMENT" | "KERNEL_INPUT";

/**
 * The one base error class of `@recurrent/backends`. Switch on `code`.
 */
export class BackendsError extends Error {
  override readonly name = "BackendsError";
  readonly code: BackendsErrorCode;

  constructor(code: BackendsErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}
