/**
 * RFC 9457 problem details. `type` values are stable URNs: clients branch on
 * them, so a slug is never renamed once shipped (docs/api.md lists them).
 */
import { z } from "zod";

export const PROBLEM_TYPE_PREFIX = "urn:payment-connector:problem:";

export const PROBLEM_SLUGS = [
  "validation-error",
  "malformed-json",
  "unsupported-media-type",
  "payload-too-large",
  "unauthorized",
  "merchant-disabled",
  "not-found",
  "method-not-allowed",
  "idempotency-key-missing",
  "idempotency-key-invalid",
  "idempotency-key-reuse",
  "idempotency-key-in-progress",
  "amount-limit-exceeded",
  "daily-limit-exceeded",
  "merchant-exists",
  "api-key-limit-reached",
  "last-active-api-key",
  "webhook-endpoint-limit",
  "webhook-no-endpoint",
  "webhook-secret-rotation-in-progress",
  "service-unavailable",
  "bank-unavailable",
  "internal-error",
] as const;

export type ProblemSlug = (typeof PROBLEM_SLUGS)[number];

export const InvalidParam = z.object({
  name: z.string().meta({ description: "Path of the offending field, e.g. `creditor.iban`, or the header/parameter name." }),
  reason: z.string(),
});
export type InvalidParam = z.infer<typeof InvalidParam>;

export const Problem = z
  .object({
    type: z.string().meta({ example: `${PROBLEM_TYPE_PREFIX}validation-error` }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    invalid_params: z.array(InvalidParam).optional(),
    request_id: z.string().optional(),
  })
  .meta({ id: "Problem", description: "RFC 9457 problem details (application/problem+json)." });
export type Problem = z.infer<typeof Problem>;
