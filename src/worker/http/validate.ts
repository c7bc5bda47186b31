import type { z } from "zod";
import { plainWordsErrorMap } from "./plain-words.ts";
import { invalidParamsFromZod, ProblemError, problem } from "./problem.ts";

/**
 * Validates with a schema; failure is a 400 naming each offending field in
 * plain words ("The payment request is invalid: reference is required.").
 * Values are never echoed: the input Zod reports is only used to tell a
 * missing field from a wrong one.
 */
export function validateOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value, { error: plainWordsErrorMap, reportInput: true });
  if (result.success) return result.data;
  const params = invalidParamsFromZod(result.error);
  const clauses = params.map((p) => (p.name === BODY_NAME ? `the body ${p.reason}` : `${p.name} ${p.reason}`));
  throw new ProblemError(problem("validation-error", `The ${what} is invalid: ${clauses.join("; ")}.`, params));
}

/** invalid_params' name for the body as a whole (a JSON array where an object belongs). */
const BODY_NAME = "(body)";
