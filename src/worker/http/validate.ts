import type { z } from "zod";
import { invalidParamsFromZod, ProblemError, problem } from "./problem.ts";

/** Validates with a schema; failure is a 400 naming each offending field (values are never echoed). */
export function validateOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const params = invalidParamsFromZod(result.error);
  throw new ProblemError(
    problem("validation-error", `The ${what} is invalid: ${params.map((p) => `${p.name} ${p.reason}`).join("; ")}.`, params),
  );
}
