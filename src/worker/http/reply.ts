import type { PaymentReply } from "../../payments/replies.ts";
import type { Refusal } from "../../platform/refusal.ts";
import type { AppContext } from "./context.ts";
import { problem, problemResponse } from "./problem.ts";

/** Header telling merchants until when a replay of this Idempotency-Key is guaranteed. */
export const IDEMPOTENCY_EXPIRES_HEADER = "idempotency-key-expires-at";

/** The one place a domain refusal becomes HTTP: its problem type, with the status that type always carries. */
export function refusalResponse(c: AppContext, refusal: Refusal, extra: Record<string, string> = {}): Response {
  const headers = { ...(refusal.headers ?? {}), ...extra };
  const body = problem(refusal.refusal, refusal.detail);
  if (body.status === 401) headers["www-authenticate"] = 'Bearer realm="payments"';
  return problemResponse(body, c.get("requestId"), headers);
}

/** 201 for a payment with its final outcome, 202 for one still pending (the merchant polls or waits for a webhook). */
export function paymentResponse(c: AppContext, reply: PaymentReply): Response {
  const headers: Record<string, string> = {};
  if (reply.replayed) headers["idempotent-replayed"] = "true";
  if (reply.idempotencyExpiresAt) headers[IDEMPOTENCY_EXPIRES_HEADER] = reply.idempotencyExpiresAt;
  if (!reply.ok) return refusalResponse(c, reply, headers);
  c.set("paymentId", reply.payment.id);
  headers.location = `/v1/payments/${reply.payment.id}`;
  return c.json(reply.payment, reply.payment.status === "pending" ? 202 : 201, headers);
}
