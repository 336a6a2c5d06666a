/** Machine-readable reason attached to every {@link AppKitError}. */
export type AppKitErrorCode =
  | "RUN_FOLDER_LOCKED"
  | "RUN_JSON_INVALID"
  | "RUN_MISMATCH"
  | "CHECKPOINT_WITHOUT_RUN"
  | "EPOCHS_BELOW_TRAINED"
  | "EPOCHS_NOT_EXTENDED"
  | "EMPTY_INPUT"
  | "INPUT_NOT_TEXT"
  | "DATA_TOO_SMALL"
  | "SEQUENCE_TOO_LONG"
  | "INTERRUPTED";

/**
 * The one error class of `app-kit`. Switch on `code`:
 *
 * - `RUN_FOLDER_LOCKED`: another live process holds the run folder (the message names its pid and command);
 * - `RUN_JSON_INVALID`: the run folder's `run.json` is not what the app wrote (the message names the file);
 * - `RUN_MISMATCH`: the command asks for options that differ from the run folder's;
 * - `CHECKPOINT_WITHOUT_RUN`: a checkpoint without the `run.json` that says how it was trained;
 * - `EPOCHS_BELOW_TRAINED` / `EPOCHS_NOT_EXTENDED`: `--epochs` asks for fewer epochs than were trained, or more
 *   than a finished run, which the training library did not reopen;
 * - `EMPTY_INPUT` / `INPUT_NOT_TEXT`: an empty text, or input that is not text (binary data);
 * - `DATA_TOO_SMALL`: the data cannot fill what training needs (a held-out part shorter than one chunk, fewer
 *   training chunks than one batch), found before the first step;
 * - `SEQUENCE_TOO_LONG`: a sequence longer than the kernels' memory can hold in one batch (the message names it and
 *   says to cap the length), found before the first step;
 * - `INTERRUPTED`: a signal stopped the command after a step that had to finish.
 *
 * @example
 * if (error instanceof AppKitError && error.code === "RUN_FOLDER_LOCKED") console.error(error.message);
 */
export class AppKitError extends Error {
  override readonly name = "AppKitError";
  readonly code: AppKitErrorCode;

  constructor(code: AppKitErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}
