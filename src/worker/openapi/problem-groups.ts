/**
 * Problem types shared by many operations, and how an operation's problems
 * become documented statuses: grouped by the one status PROBLEMS gives each
 * type, so the document cannot pair a type with a status it never carries.
 */
import { PROBLEMS, type ProblemSlug } from "../../../schemas/problem.ts";
import type { Operation } from "./operation.ts";

/** Reading a JSON body (src/worker/http/json-body.ts) and validating it. */
export const BODY_PROBLEMS = [
  "malformed-json",
  "validation-error",
  "payload-too-large",
  "unsupported-media-type",
] as const satisfies readonly ProblemSlug[];

/** A merchant API key checked by the merchant's object, which may also be unreachable. */
export const MERCHANT_AUTH_PROBLEMS = [
  "unauthorized",
  "merchant-disabled",
  "service-unavailable",
] as const satisfies readonly ProblemSlug[];

/** The ADMIN_TOKEN gate on /admin/*; the merchant's object may be unreachable. */
export const ADMIN_AUTH_PROBLEMS = ["unauthorized", "service-unavailable"] as const satisfies readonly ProblemSlug[];

/** Any route can fail unexpectedly (app.onError). */
const INTERNAL_ERROR = ["internal-error"] as const satisfies readonly ProblemSlug[];

/** Every problem type the operation documents, by status (ascending), each type once, in declaration order. */
export function problemsByStatus(operation: Operation): Map<number, ProblemSlug[]> {
  const byStatus = new Map<number, ProblemSlug[]>();
  for (const slug of new Set([...operation.problems, ...INTERNAL_ERROR])) {
    const status = PROBLEMS[slug].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), slug]);
  }
  return new Map([...byStatus.entries()].sort(([a], [b]) => a - b));
}
