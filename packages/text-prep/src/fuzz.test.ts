import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildVocabulary, CharEncoder, TextPrepError, tokenize, TokenTextEncoder } from "./index";

// Arbitrary input in, a valid result or a typed error out: never a hang, never a raw exception from the
// internals (a TypeError from reading a property of undefined, a RangeError from a typed array, ...).

/** Runs `f`; returns its result, or the error when it is one of the errors the API documents. */
function typedOutcome<T>(f: () => T): T | TextPrepError | TypeError | RangeError {
  try {
    return f();
  } catch (error) {
    if (error instanceof TextPrepError) return error;
    // Our argument checks throw TypeError/RangeError whose message says what was expected.
    if ((error instanceof TypeError || error instanceof RangeError) && /^expected /.test(error.message)) return error;
    throw error;
  }
}

const anyText = fc.oneof(fc.string({ unit: "grapheme", maxLength: 200 }), fc.string({ unit: "binary", maxLength: 200 }));

/** Arbitrary JSON-like values, with the encoders' own keys often present so the checks get past the format. */
const jsonish = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.constant(null),
    fc.boolean(),
    fc.double(),
    fc.integer(),
    fc.string({ maxLength: 8 }),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(
      fc.oneof(fc.constantFrom("format", "version", "vocabulary", "oovToken", "lowercase", "stripHtml", "reservedTokens", "chars"), fc.string({ maxLength: 6 })),
      tie("value"),
      { maxKeys: 6 },
    ),
  ),
})).value;

describe("fuzz: tokenizer and encoders", () => {
  it("tokenize takes any string (lone surrogates included) and returns non-empty string tokens", () => {
    fc.assert(
      fc.property(anyText, fc.boolean(), fc.boolean(), (text, lowercase, stripHtml) => {
        const tokens = tokenize(text, { lowercase, stripHtml });
        for (const t of tokens) expect(typeof t === "string" && t.length > 0).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it("an encoder built from any texts encodes any text to ids within its vocabulary", () => {
    fc.assert(
      fc.property(fc.array(anyText, { maxLength: 8 }), anyText, (texts, probe) => {
        const encoder = new TokenTextEncoder(buildVocabulary(texts.map((t) => tokenize(t))));
        for (const id of encoder.encode(probe)) expect(id >= 1 && id < encoder.vocabSize).toBe(true);
        const back = TokenTextEncoder.fromJSON(JSON.parse(JSON.stringify(encoder.toJSON())));
        expect([...back.encode(probe)]).toEqual([...encoder.encode(probe)]);
      }),
      { numRuns: 300 },
    );
  });

  it("TokenTextEncoder.fromJSON and CharEncoder.fromJSON give an encoder or a typed error for any JSON", () => {
    fc.assert(
      fc.property(jsonish, (json) => {
        for (const revive of [TokenTextEncoder.fromJSON, CharEncoder.fromJSON]) {
          const outcome = typedOutcome(() => revive(json));
          if (!(outcome instanceof Error)) expect(typeof outcome.encode).toBe("function");
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("fromJSON of a valid encoder's JSON with one field replaced by anything gives an encoder or a typed error", () => {
    const valid = {
      token: new TokenTextEncoder(buildVocabulary([tokenize("the island was far")])).toJSON() as unknown as Record<string, unknown>,
      char: CharEncoder.fromText("The island").toJSON() as unknown as Record<string, unknown>,
    };
    let reachedFieldChecks = 0;
    fc.assert(
      fc.property(fc.constantFrom("token", "char"), fc.nat(), jsonish, (kind, k, value) => {
        const base = valid[kind as "token" | "char"];
        const keys = Object.keys(base);
        const key = keys[k % keys.length]!;
        const json = { ...base, [key]: value };
        const revive = kind === "token" ? TokenTextEncoder.fromJSON : CharEncoder.fromJSON;
        const outcome = typedOutcome(() => revive(json));
        if (outcome instanceof Error) {
          if (key !== "format" && key !== "version") reachedFieldChecks++;
        } else {
          expect(typeof outcome.encode).toBe("function");
        }
      }),
      { numRuns: 1000 },
    );
    expect(reachedFieldChecks).toBeGreaterThan(100); // the mutations got past the format check
  });

  it("fromJSON of arbitrary bytes decoded as text and parsed gives a typed error", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const text = new TextDecoder().decode(bytes);
        let json: unknown = text;
        try {
          json = JSON.parse(text);
        } catch {
          // not JSON: pass the string itself
        }
        const outcome = typedOutcome(() => TokenTextEncoder.fromJSON(json));
        expect(outcome).toBeInstanceOf(Error);
      }),
      { numRuns: 500 },
    );
  });

  it("a CharEncoder built from any text round-trips it", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", minLength: 1, maxLength: 200 }), (text) => {
        const encoder = CharEncoder.fromText(text);
        expect(encoder.decode(encoder.encode(text))).toBe(text);
      }),
      { numRuns: 300 },
    );
  });
});
