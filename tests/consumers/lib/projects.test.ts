import ts from "typescript";
import { describe, expect, it } from "vitest";

import { wrapForCommonJs } from "./projects";

/** The JavaScript TypeScript makes of `code` as a CommonJS module. */
function toCommonJs(code: string): string {
  return ts.transpileModule(code, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } })
    .outputText;
}

describe("wrapForCommonJs", () => {
  it("keeps the leading imports outside and everything else in an async function, on the same lines", () => {
    const code = 'import { a } from "a";\nimport * as b from "b";\n\nconst x = await a();\nconsole.log(b.f(x));\n';
    const wrapped = wrapForCommonJs(ts, code, false);
    expect(wrapped.split("\n").slice(0, 5)).toEqual([
      'import { a } from "a";',
      'import * as b from "b"; async function __recurrentExample() {',
      "",
      "const x = await a();",
      "console.log(b.f(x));",
    ]);
    expect(wrapped).toContain("__recurrentExample().catch(");
    const js = toCommonJs(wrapped);
    expect(js.indexOf('require("b")')).toBeLessThan(js.indexOf("__recurrentExample().catch"));
  });

  it("moves a later import before the call, blanking it where it was", () => {
    const code = 'const x = 1;\nimport { a } from "a";\na(x);\n';
    const wrapped = wrapForCommonJs(ts, code, false);
    const lines = wrapped.split("\n");
    expect(lines[0]).toBe(" async function __recurrentExample() {const x = 1;");
    expect(lines[1]?.trim()).toBe("");
    expect(lines[2]).toBe("a(x);");
    const js = toCommonJs(wrapped);
    expect(js.indexOf('require("a")')).toBeGreaterThan(js.indexOf("function __recurrentExample"));
    expect(js.indexOf('require("a")')).toBeLessThan(js.indexOf("__recurrentExample().catch"));
  });

  it("runs: a rejected example sets exit code 1", async () => {
    const js = toCommonJs(wrapForCommonJs(ts, 'await Promise.reject(new Error("boom"));\n', false));
    const errors: unknown[] = [];
    const fakeProcess = { exitCode: 0 };
    const fakeConsole = { error: (e: unknown) => errors.push(e) };
    new Function("exports", "process", "console", js)({}, fakeProcess, fakeConsole);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(fakeProcess.exitCode).toBe(1);
    expect(String(errors[0])).toBe("Error: boom");
  });
});
