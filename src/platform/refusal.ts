/**
 * A domain "no". The merchant object and the capabilities answer with one of
 * a small closed set of refusals and a sentence for the caller; the Worker
 * alone turns it into HTTP (problem+json, with the status PROBLEMS gives the
 * slug). Domain code never builds a Problem or names a status.
 */
import type { ProblemSlug } from "../../schemas/problem.ts";

export type RefusalCode = Extract<
  ProblemSlug,
  | "unauthorized"
  | "merchant-disabled"
  | "not-found"
  | "merchant-exists"
  | "debtor-iban-in-use"
  | "idempotency-key-reuse"
  | "amount-limit-exceeded"
  | "daily-limit-exceeded"
  | "currency-not-supported"
  | "amount-out-of-range"
  | "statement-account-mismatch"
  | "payment-not-cancelable"
  | "api-key-limit-reached"
  | "last-active-api-key"
  | "webhook-endpoint-limit"
  | "webhook-no-endpoint"
  | "webhook-secret-rotation-in-progress"
  | "bank-unavailable"
  | "bank-not-configured"
>;

export interface Refusal {
  ok: false;
  refusal: RefusalCode;
  detail: string;
  /** Advice for the caller that HTTP carries as headers (e.g. retry-after). */
  headers?: Record<string, string>;
}

export function refuse(refusal: RefusalCode, detail: string, headers?: Record<string, string>): Refusal {
  return headers ? { ok: false, refusal, detail, headers } : { ok: false, refusal, detail };
}
