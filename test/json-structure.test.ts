import { describe, expect, it } from "vitest";
import { findStructureError, MAX_JSON_DEPTH, parsesExactly } from "../src/worker/http/json-body.ts";

describe("parsesExactly", () => {
  it.each(["0", "-0", "1250", "1.0", "1e3", "1.5e1", "12.5", "9007199254740991", "9007199254740992", "1e21", "0.1", "-3", "100E-2"])(
    "accepts %s",
    (literal) => {
      expect(parsesExactly(literal)).toBe(true);
    },
  );
  it.each(["1e400", "-1e400", "9007199254740993", "12.0000000000000001", "1e23", "123456789012345678901234567890", `1${"0".repeat(400)}`])(
    "refuses %s",
    (literal) => {
      expect(parsesExactly(literal)).toBe(false);
    },
  );
});

describe("findStructureError", () => {
  it("names the path of a duplicate key, after unescaping", () => {
    expect(findStructureError('{"creditor":{"iban":"x","\\u0069ban":"y"}}')).toMatchObject({
      path: "creditor.iban",
      reason: "appears more than once",
    });
    expect(findStructureError('{"a":1,"a":2}')).toMatchObject({ path: "a" });
    // The same key in sibling objects is not a duplicate.
    expect(findStructureError('{"x":{"a":1},"y":{"a":2},"z":[{"a":1},{"a":2}]}')).toBeUndefined();
  });

  it("names where nesting goes too deep", () => {
    const ok = "[".repeat(MAX_JSON_DEPTH) + "]".repeat(MAX_JSON_DEPTH);
    expect(findStructureError(ok)).toBeUndefined();
    const deep = `{"metadata":${'{"a":'.repeat(MAX_JSON_DEPTH)}1${"}".repeat(MAX_JSON_DEPTH)}}`;
    expect(findStructureError(deep)).toMatchObject({ reason: "nests too deeply" });
    expect(findStructureError(deep)?.path.startsWith("metadata.a.a")).toBe(true);
  });

  it("names the path of an inexact number, array indexes included", () => {
    expect(findStructureError('{"amount":9007199254740993}')).toMatchObject({ path: "amount", reason: "is not exactly representable" });
    expect(findStructureError('{"list":[1,2,1e999]}')).toMatchObject({ path: "list.2" });
    // Digits inside strings are not numbers.
    expect(findStructureError('{"reference":"9007199254740993 1e999"}')).toBeUndefined();
  });
});
