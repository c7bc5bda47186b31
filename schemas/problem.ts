/**
 * RFC 9457 problem details. `type` values are stable URNs: clients branch on
 * them, so a slug is never renamed once shipped (docs/api.md lists them).
 */
import { z } from "zod";

export const PROBLEM_TYPE_PREFIX = "urn:payment-connector:problem:";

/**
 * Every problem type with its one HTTP status and title. The status lives
 * here, with the slug, so a type can never be answered with two statuses.
 */
export const PROBLEMS = {
  "validation-error": { status: 400, title: "Request validation failed" },
  "malformed-json": { status: 400, title: "Malformed JSON body" },
  "unsupported-media-type": { status: 415, title: "Unsupported media type" },
  "payload-too-large": { status: 413, title: "Request body too large" },
  unauthorized: { status: 401, title: "Authentication required" },
  "merchant-disabled": { status: 403, title: "Merchant disabled" },
  "not-found": { status: 404, title: "Not found" },
  "method-not-allowed": { status: 405, title: "Method not allowed" },
  "idempotency-key-missing": { status: 400, title: "Idempotency-Key header required" },
  "idempotency-key-invalid": { status: 400, title: "Idempotency-Key header invalid" },
  "idempotency-key-reuse": { status: 422, title: "Idempotency key reused with a different request" },
  "idempotency-key-in-progress": { status: 409, title: "A request with this idempotency key is in progress" },
  "amount-limit-exceeded": { status: 422, title: "Payment amount exceeds the merchant's limit" },
  "daily-limit-exceeded": { status: 422, title: "Payment exceeds the merchant's daily limit" },
  "currency-not-supported": { status: 422, title: "The bank does not accept this currency" },
  "amount-out-of-range": { status: 422, title: "The bank cannot carry this amount" },
  "malformed-xml": { status: 400, title: "Malformed or unsafe XML body" },
  "statement-account-mismatch": { status: 422, title: "The statement is about another account" },
  "payment-not-cancelable": { status: 409, title: "Payment cannot be canceled" },
  "merchant-exists": { status: 409, title: "Merchant already exists" },
  "debtor-iban-in-use": { status: 409, title: "Debtor IBAN used by another merchant" },
  "api-key-limit-reached": { status: 409, title: "Too many active API keys" },
  "last-active-api-key": { status: 409, title: "Cannot revoke the last active API key" },
  "webhook-endpoint-limit": { status: 409, title: "Too many webhook endpoints" },
  "webhook-no-endpoint": { status: 409, title: "No webhook endpoint for this event" },
  "webhook-secret-rotation-in-progress": { status: 409, title: "The previous webhook secret is still in its grace period" },
  "service-unavailable": { status: 503, title: "Service temporarily unavailable" },
  "bank-unavailable": { status: 502, title: "The bank could not be reached" },
  "bank-not-configured": { status: 503, title: "No bank is configured for this connector" },
  "internal-error": { status: 500, title: "Internal error" },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemSlug = keyof typeof PROBLEMS;
export const PROBLEM_SLUGS = Object.keys(PROBLEMS) as ProblemSlug[];

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
