/**
 * Zod's generic messages ("Invalid input: expected string, received
 * undefined") in plain words a person can act on ("is required", "must be
 * text"). Schemas that say something more precise keep their own words
 * (a schema's `error` wins over this map); this covers what they leave to
 * Zod. Each reason follows the field's name: "reference is required".
 */
import type { z } from "zod";

const TYPE_WORDS: Readonly<Record<string, string>> = {
  string: "must be a string",
  number: "must be a number",
  int: "must be an integer",
  boolean: "must be true or false",
  object: "must be a JSON object",
  record: "must be a JSON object",
  array: "must be an array",
  tuple: "must be an array",
  null: "must be null",
  date: "must be a date",
};

const FORMAT_WORDS: Readonly<Record<string, string>> = {
  datetime: "must be an RFC 3339 date-time, e.g. 2026-11-23T10:15:30Z",
  date: "must be a date in the form YYYY-MM-DD",
  url: "must be a URL",
  email: "must be an email address",
  uuid: "must be a UUID",
};

/** The contextual error map handed to safeParse (validate.ts). */
export const plainWordsErrorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case "invalid_type":
      return issue.input === undefined ? "is required" : (TYPE_WORDS[issue.expected] ?? `must be of type ${issue.expected}`);
    case "invalid_value":
      if (issue.input === undefined) return "is required";
      return issue.values.length === 1 ? `must be ${listed(issue.values)}` : `must be one of ${listed(issue.values)}`;
    case "too_small":
      return bound("at least", issue.origin, issue.minimum, issue.inclusive !== false);
    case "too_big":
      return bound("at most", issue.origin, issue.maximum, issue.inclusive !== false);
    case "invalid_format":
      return FORMAT_WORDS[issue.format] ?? "is not in the expected format";
    case "not_multiple_of":
      return `must be a multiple of ${issue.divisor}`;
    case "unrecognized_keys":
      return "is not a known field";
    case "invalid_union":
      return "does not match any of the accepted forms";
    case "invalid_key":
      return "has a key that is not allowed";
    case "invalid_element":
      return "has a value that is not allowed";
    case "custom":
      return "is invalid";
    default:
      return issue satisfies never;
  }
};

function listed(values: readonly unknown[]): string {
  return values.map((value) => (typeof value === "string" ? value : JSON.stringify(value))).join(", ");
}

function bound(side: "at least" | "at most", origin: string, limit: number | bigint, inclusive: boolean): string {
  if (side === "at least" && inclusive && Number(limit) === 1 && origin !== "number" && origin !== "int") return "must not be empty";
  const exclusive = side === "at least" ? "greater than" : "less than";
  const relation = inclusive ? side : exclusive;
  switch (origin) {
    case "string":
      return `must be ${relation} ${limit} characters long`;
    case "array":
    case "set":
      return `must have ${relation} ${limit} items`;
    default:
      return `must be ${relation} ${limit}`;
  }
}
