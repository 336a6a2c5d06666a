// Reads the log of `pnpm test` (turbo prefixes every line with "<package>:test: ") and prints, per package, what
// vitest counted in its summary line ("Tests  349 passed | 2 skipped (351)"). Exits 1 when a package's test task
// printed no summary, ran no test, or had a failure, so that a run in which the suites silently did nothing is red.
import { readFileSync } from "node:fs";

const logPath = process.argv[2];
if (!logPath) {
  console.error("usage: node .ci/test-counts.mjs <log of pnpm test>");
  process.exit(2);
}
// eslint-disable-next-line no-control-regex
const ansi = /\u001b\[[0-9;]*[A-Za-z]/g;
const packages = new Map();
for (const raw of readFileSync(logPath, "utf8").split(/\r?\n/)) {
  const line = raw.replace(ansi, "");
  const match = /^(\S+):test: ?(.*)$/.exec(line);
  if (!match) continue;
  const [, name, text] = match;
  if (!packages.has(name)) packages.set(name, { files: undefined, tests: undefined });
  const entry = packages.get(name);
  const summary = /^\s*(Test Files|Tests)\s+(.+?)\s+\((\d+)\)\s*$/.exec(text);
  if (!summary) continue;
  const counts = { total: Number(summary[3]), passed: 0, failed: 0, skipped: 0, todo: 0 };
  for (const part of summary[2].split("|")) {
    const item = /(\d+)\s+(passed|failed|skipped|todo)/.exec(part);
    if (item) counts[item[2]] = Number(item[1]);
  }
  if (summary[1] === "Tests") entry.tests = counts;
  else entry.files = counts;
}

const problems = [];
const rows = [["package", "test files", "passed", "failed", "skipped", "todo"]];
const sum = { files: 0, passed: 0, failed: 0, skipped: 0, todo: 0 };
for (const [name, { files, tests }] of [...packages].sort(([a], [b]) => a.localeCompare(b))) {
  if (!tests) {
    problems.push(`${name}: its test task printed no vitest summary`);
    rows.push([name, "-", "-", "-", "-", "-"]);
    continue;
  }
  if (tests.passed === 0) problems.push(`${name}: no test passed`);
  if (tests.failed > 0) problems.push(`${name}: ${tests.failed} failed`);
  rows.push([name, String(files?.total ?? "?"), ...[tests.passed, tests.failed, tests.skipped, tests.todo].map(String)]);
  sum.files += files?.total ?? 0;
  sum.passed += tests.passed;
  sum.failed += tests.failed;
  sum.skipped += tests.skipped;
  sum.todo += tests.todo;
}
if (packages.size === 0) problems.push("no package's test task appears in the log");
rows.push(["all", String(sum.files), String(sum.passed), String(sum.failed), String(sum.skipped), String(sum.todo)]);
const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
for (const row of rows) console.log(row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join("  "));
console.log(`\ntests: ${sum.passed} passed, ${sum.failed} failed, ${sum.skipped} skipped in ${packages.size} packages`);
if (problems.length > 0) {
  for (const problem of problems) console.error(`test counts: ${problem}`);
  process.exit(1);
}
