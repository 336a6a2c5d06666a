import { AppKitError } from "./app-kit-error";

// C0 control characters other than tab, line feed, vertical tab, form feed and carriage return, and DEL
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000e-\u001f\u007f]/;

/** Where a text came from, for messages: `"argument 2"`, `"standard input"`. */
function position(text: string, index: number): string {
  const before = text.slice(0, index);
  const line = before.split("\n").length;
  const column = index - before.lastIndexOf("\n");
  return `line ${line}, column ${column}`;
}

/**
 * Checks that a text given by a user is text: no NUL or other control character (tab and line breaks are fine).
 *
 * @param where named in the error, e.g. `"argument 2"`.
 * @throws {AppKitError} `INPUT_NOT_TEXT` naming the character and its place.
 */
export function checkText(text: string, where: string): void {
  const m = CONTROL.exec(text);
  if (m !== null) {
    const code = (m[0].codePointAt(0) as number).toString(16).toUpperCase().padStart(4, "0");
    throw new AppKitError("INPUT_NOT_TEXT", `${where} does not look like text: control character U+${code} at ${position(text, m.index)} (binary data?)`);
  }
}

/**
 * The texts a `predict`-like command works on: its arguments, or else the lines of standard input (blank lines
 * skipped). Refuses an empty or blank argument, input that is not UTF-8 text or holds control characters, and no
 * text at all.
 *
 * @param args the command's text arguments.
 * @param stdin read when there are no arguments.
 * @throws {AppKitError} `EMPTY_INPUT` or `INPUT_NOT_TEXT`, saying where.
 * @example
 * const texts = await readTextInputs(args, process.stdin);
 */
export async function readTextInputs(args: readonly string[], stdin: AsyncIterable<Buffer | string>): Promise<string[]> {
  if (args.length > 0) {
    args.forEach((text, i) => {
      if (text.trim().length === 0) {
        throw new AppKitError("EMPTY_INPUT", `expected a text in argument ${i + 1}, got ${text.length === 0 ? "an empty string" : "only white space"}`);
      }
      checkText(text, `argument ${i + 1}`);
    });
    return [...args];
  }
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  const bytes = Buffer.concat(chunks);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new AppKitError("INPUT_NOT_TEXT", `standard input is not UTF-8 text (${bytes.length} bytes; binary data?)`);
  }
  checkText(text, "standard input");
  const lines = text.split(/\r?\n/).filter((line) => line.trim().length > 0);
  if (lines.length === 0) {
    throw new AppKitError(
      "EMPTY_INPUT",
      `expected texts as arguments or lines on standard input, got ${bytes.length === 0 ? "nothing" : "only white space"}`,
    );
  }
  return lines;
}
