// Plain-text output: a Markdown table with aligned columns, the last lines of a long output.

/** A Markdown table whose columns are padded to one width (readable in a CI log, pasteable into an issue). */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const escape = (cell: string | undefined) => (cell ?? "").replace(/\|/g, "\\|");
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => escape(r[i]).length)));
  const line = (cells: readonly string[]) => `| ${widths.map((w, i) => escape(cells[i]).padEnd(w)).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}

/** The last `n` lines of `text`, each prefixed, after a note of how many were left out. */
export function tail(text: string, n: number, prefix: string): string {
  const lines = text.replace(/\s+$/, "").split("\n");
  const shown = lines.slice(-n).map((l) => prefix + l);
  return (lines.length > n ? `${prefix}… (${lines.length - n} earlier lines)\n` : "") + shown.join("\n");
}

/** `s` trimmed and cut to `n` characters (an ellipsis marks the cut). */
export function clip(s: string, n: number): string {
  const t = s.trim();
  return t.length > n ? `${t.slice(0, n - 1)}…` : t;
}
