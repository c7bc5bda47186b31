import type { PaymentReply, Refusal } from "../merchant/replies.ts";
import type { AppContext } from "./context.ts";
import { problemResponse } from "./problem.ts";

/** Header telling merchants until when a replay of this Idempotency-Key is guaranteed. */
export const IDEMPOTENCY_EXPIRES_HEADER = "idempotency-key-expires-at";

export function refusalResponse(c: AppContext, refusal: Refusal, extra: Record<string, string> = {}): Response {
  const headers = { ...(refusal.headers ?? {}), ...extra };
  if (refusal.problem.status === 401) headers["www-authenticate"] = 'Bearer realm="payments"';
  return problemResponse(refusal.problem, c.get("requestId"), headers);
}

export function paymentResponse(c: AppContext, reply: PaymentReply): Response {
  const headers: Record<string, string> = {};
  if (reply.replayed) headers["idempotent-replayed"] = "true";
  if (reply.idempotencyExpiresAt) headers[IDEMPOTENCY_EXPIRES_HEADER] = reply.idempotencyExpiresAt;
  if (!reply.ok) return refusalResponse(c, reply, headers);
  c.set("paymentId", reply.payment.id);
  headers["location"] = `/v1/payments/${reply.payment.id}`;
  return c.json(reply.payment, reply.httpStatus, headers);
}
