export { TextPrepError } from "./text-prep-error";
export type { TextPrepErrorCode, TextPrepErrorOptions } from "./text-prep-error";
export { tokenize } from "./tokenize";
export type { TokenizeOptions } from "./tokenize";
