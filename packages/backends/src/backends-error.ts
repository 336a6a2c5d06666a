/** Machine-readable reason attached to every {@link BackendsError}. */
export type BackendsErrorCode = "NO_BACKEND" | "BACKEND_FAILED" | "INVALID_ARGUMENT" | "KERNEL_INPUT";

/**
 * The one base error class of `@recurrent/backends`. Switch on `code`: `NO_BACKEND` (no backend of `initBackend`'s
 * order started), `BACKEND_FAILED` (the backend forced by `RECURRENT_BACKEND` cannot start), `INVALID_ARGUMENT`
 * (a bad option), `KERNEL_INPUT` (a kernel got inputs it cannot take).
 */
export class BackendsError extends Error {
  override readonly name = "BackendsError";
  readonly code: BackendsErrorCode;

  constructor(code: BackendsErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}
