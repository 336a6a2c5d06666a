// Changelog lines for `changeset version` (the documented `changelog` extension point of changesets).
// One entry per changeset, written as its author wrote it, and ONE line for the internal dependencies a release
// moves to (the default generator writes an "Updated dependencies [hash]" line per changeset that touched one,
// which in our first release gave 17 lines, one hash twice).

/** @type {import("@changesets/types").ChangelogFunctions["getReleaseLine"]} */
async function getReleaseLine(changeset) {
  const [first, ...rest] = changeset.summary.trim().split("\n");
  const body = rest.map((line) => (line.trim() === "" ? "" : `  ${line}`)).join("\n");
  return `- ${first}${body === "" ? "" : `\n${body}`}`;
}

/** @type {import("@changesets/types").ChangelogFunctions["getDependencyReleaseLine"]} */
async function getDependencyReleaseLine(_changesets, dependenciesUpdated) {
  if (dependenciesUpdated.length === 0) return "";
  const names = [...new Set(dependenciesUpdated.map((d) => `\`${d.name}@${d.newVersion}\``))].sort();
  return `- Depends on ${names.join(", ")}.`;
}

module.exports = { default: { getReleaseLine, getDependencyReleaseLine }, getReleaseLine, getDependencyReleaseLine };
