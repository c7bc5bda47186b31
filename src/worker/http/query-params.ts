import type { z } from "zod";
import { echoable, ProblemError, problem } from "./problem.ts";
import { validateOrThrow } from "./validate.ts";

/**
 * Validates a URL's query string with a (strict) schema. A parameter given
 * twice is refused rather than resolved by "first wins" or "last wins", which
 * different proxies and clients disagree on.
 */
export function validateQueryOrThrow<S extends z.ZodType>(schema: S, url: string): z.output<S> {
  const params = new URL(url).searchParams;
  // No prototype: a parameter named "constructor" or "__proto__" is just an unknown parameter.
  const values: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, value] of params) {
    if (Object.hasOwn(values, name)) {
      throw new ProblemError(
        problem("validation-error", `The query is invalid: ${echoable(name)} must be given at most once.`, [
          { name, reason: "must be given at most once" },
        ]),
      );
    }
    values[name] = value;
  }
  return validateOrThrow(schema, values, "query");
}
