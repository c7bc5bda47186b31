/**
 * The opaque cursor of GET /v1/payments: base64url of a small JSON document
 * naming the merchant, the query's filters and order, and the last id served.
 *
 * It is not signed, and need not be: it only says where to resume inside the
 * calling merchant's own payments, so a hand-made cursor can reveal nothing a
 * plain query could not. What matters is that a cursor is refused, never
 * reinterpreted, when it meets another merchant or other filters.
 */
import { type ListPaymentsQuery, PaymentListCursor } from "../../../schemas/payment-queries.ts";
import { base64url } from "../../platform/base64url.ts";
import { ProblemError, problem } from "./problem.ts";

export function sealPaymentCursor(merchantId: string, query: ListPaymentsQuery, lastId: string): string {
  const cursor: PaymentListCursor = {
    v: 1,
    merchant_id: merchantId,
    after: lastId,
    order: query.order,
    status: query.status ?? null,
    created_from: query.created_from ?? null,
    created_to: query.created_to ?? null,
  };
  return base64url(new TextEncoder().encode(JSON.stringify(cursor)));
}

/** The id to resume after, or a 400 naming `cursor`. */
export function openPaymentCursor(merchantId: string, query: ListPaymentsQuery, cursor: string): string {
  const parsed = PaymentListCursor.safeParse(decodeJson(cursor));
  if (!parsed.success || parsed.data.merchant_id !== merchantId) {
    throw cursorProblem("is not a cursor returned by this API for this merchant");
  }
  const sealed = parsed.data;
  const sameQuery =
    sealed.order === query.order &&
    sealed.status === (query.status ?? null) &&
    sealed.created_from === (query.created_from ?? null) &&
    sealed.created_to === (query.created_to ?? null);
  if (!sameQuery) {
    throw cursorProblem("was returned for other filters: send the same status, created_from, created_to and order with it");
  }
  return sealed.after;
}

function cursorProblem(reason: string): ProblemError {
  return new ProblemError(problem("validation-error", `The query is invalid: cursor ${reason}.`, [{ name: "cursor", reason }]));
}

function decodeJson(cursor: string): unknown {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  try {
    const binary = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
    const bytes = Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
    return JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes));
  } catch {
    return undefined;
  }
}
