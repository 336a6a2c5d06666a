import { describe } from "../check-args";
import { TextPrepError } from "../text-prep-error";

/** Rejects `json` unless it is an object with the expected `format` and `version`. @internal */
export function checkFormat(
  json: unknown,
  format: string,
  version: number,
  file: string | undefined,
): Record<string, unknown> {
  const where = file === undefined ? "" : `${file}: `;
  const options = file === undefined ? {} : { file };
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new TextPrepError("MALFORMED_FILE", `${where}expected a saved ${format} object, got ${describe(json)}`, options);
  }
  const record = json as Record<string, unknown>;
  if (record["format"] !== format) {
    throw new TextPrepError("MALFORMED_FILE", `${where}expected format ${JSON.stringify(format)}, got ${JSON.stringify(record["format"]) ?? "none"}`, options);
  }
  if (record["version"] !== version) {
    throw new TextPrepError(
      "UNSUPPORTED_VERSION",
      `${where}expected ${format} version ${version}, got ${JSON.stringify(record["version"]) ?? "none"}`,
      options,
    );
  }
  return record;
}

/** A `MALFORMED_FILE` error for a bad field of a saved object. @internal */
export function badField(file: string | undefined, field: string, expected: string, got: unknown): TextPrepError {
  const shown = describe(got);
  return new TextPrepError(
    "MALFORMED_FILE",
    `${file === undefined ? "" : `${file}: `}expected ${field} to be ${expected}, got ${shown}`,
    file === undefined ? {} : { file },
  );
}
