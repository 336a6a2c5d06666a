// README examples: fenced code blocks and the heading each one sits under.

/** Info-string languages whose blocks are examples that must compile and run. */
export const EXAMPLE_LANGUAGES = ["ts", "typescript", "js", "mjs", "cjs"] as const;
export type ExampleLanguage = (typeof EXAMPLE_LANGUAGES)[number];

/** The one extra info-string word that marks a block of an example language as not runnable (`ts fragment`). */
export const FRAGMENT_FLAG = "fragment";

/** A fenced code block of a Markdown document. */
export interface FencedBlock {
  /** The whole info string, trimmed (`"ts"`, `"ts fragment"`, `""`). */
  info: string;
  /** The block's text, with the opening fence's indentation removed, ending in "\n". */
  code: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** Slug of the nearest heading above it (`""` before the first heading). */
  heading: string;
}

/** A README example: a block that must type-check and run. */
export interface Example {
  /** `<package>/<heading slug>/<n>`, n counting from 1 under each heading. */
  id: string;
  /** The package's folder name (`rnn-cells`). */
  packageDir: string;
  language: ExampleLanguage;
  code: string;
  /** The README, relative to the repository. */
  file: string;
  /** Line of the opening fence in that README. */
  line: number;
}

/**
 * GitHub's heading anchor: the heading's text without inline markup, lower-cased, punctuation dropped (letters,
 * digits, `_`, `-` and spaces kept), spaces turned into `-`; a repeated slug gets `-1`, `-2`, … as on GitHub.
 * @param text the heading line without its `#` marks
 * @param seen slugs already used in this document (updated)
 */
export function headingSlug(text: string, seen: Map<string, number>): string {
  const plain = text
    .split(/(`+[^`]*`+)/) // code spans are literal text; markup is only outside them
    .map((part, i) =>
      i % 2 === 1
        ? part.replace(/`/g, "")
        : part
            .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1") // links and images: their text
            .replace(/<[^>]+>/g, ""), // inline HTML tags
    )
    .join("");
  const base = plain
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, "")
    .replace(/ /g, "-");
  const count = seen.get(base);
  seen.set(base, (count ?? -1) + 1);
  return count === undefined ? base : `${base}-${count + 1}`;
}

/**
 * Every fenced code block of a Markdown document (CommonMark fences: three or more backticks or tildes; the closing
 * fence uses the same character, at least as many, and nothing else). Fences may be indented (list items); that
 * indentation is removed from the block's lines. Headings are ATX headings (`#` to `######`) outside code blocks.
 * An unclosed fence is an error rather than a block running to the end of the document.
 * @param fileForErrors named in error messages
 */
export function fencedBlocks(markdown: string, fileForErrors: string): FencedBlock[] {
  const lines = markdown.split(/\r?\n/);
  const blocks: FencedBlock[] = [];
  const seen = new Map<string, number>();
  let heading = "";
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const open = /^( *)(`{3,}|~{3,})(.*)$/.exec(line);
    if (open) {
      const indent = (open[1] ?? "").length;
      const fence = open[2] ?? "";
      const info = (open[3] ?? "").trim();
      if (fence[0] === "`" && info.includes("`")) continue; // not a fence (CommonMark): inline code
      const close = new RegExp(`^ *${fence[0] === "`" ? "`" : "~"}{${fence.length},} *$`);
      const body: string[] = [];
      let j = i + 1;
      for (; j < lines.length && !close.test(lines[j] ?? ""); j++) {
        const text = lines[j] ?? "";
        const strip = Math.min(indent, /^ */.exec(text)?.[0].length ?? 0);
        body.push(text.slice(strip));
      }
      if (j === lines.length) {
        throw new Error(`${fileForErrors}:${i + 1}: code fence ${JSON.stringify(fence + info)} is never closed`);
      }
      blocks.push({ info, code: body.join("\n") + "\n", line: i + 1, heading });
      i = j;
      continue;
    }
    const atx = /^ {0,3}#{1,6}(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/.exec(line);
    if (atx) heading = headingSlug(atx[1] ?? "", seen);
  }
  return blocks;
}

/**
 * The examples of one package README: every block whose info string is exactly one of {@link EXAMPLE_LANGUAGES}.
 * `<language> fragment` (e.g. `ts fragment`) marks a block that is shown but not run; any other extra word after an
 * example language is an error, so that a typo cannot silently turn an example off.
 * @param packageDir the package's folder name, first part of each id
 * @param file the README's path relative to the repository, for ids and messages
 */
export function readmeExamples(
  markdown: string,
  packageDir: string,
  file: string,
): { examples: Example[]; fragments: number } {
  const examples: Example[] = [];
  const perHeading = new Map<string, number>();
  let fragments = 0;
  for (const block of fencedBlocks(markdown, file)) {
    const [word = "", ...rest] = block.info.split(/\s+/).filter(Boolean);
    const language = word.toLowerCase();
    if (!isExampleLanguage(language)) continue;
    if (rest.length === 1 && rest[0] === FRAGMENT_FLAG) {
      fragments++;
      continue;
    }
    if (rest.length > 0) {
      throw new Error(
        `${file}:${block.line}: expected the info string "${word}" (an example that runs) or ` +
          `"${word} ${FRAGMENT_FLAG}" (shown, not run), got ${JSON.stringify(block.info)}`,
      );
    }
    const n = (perHeading.get(block.heading) ?? 0) + 1;
    perHeading.set(block.heading, n);
    examples.push({
      id: `${packageDir}/${block.heading || "top"}/${n}`,
      packageDir,
      language,
      code: block.code,
      file,
      line: block.line,
    });
  }
  return { examples, fragments };
}

function isExampleLanguage(language: string): language is ExampleLanguage {
  return (EXAMPLE_LANGUAGES as readonly string[]).includes(language);
}
