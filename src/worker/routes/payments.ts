import canonicalize from "canonicalize";
import { Hono } from "hono";
import { PaymentId } from "../../../schemas/common.ts";
import { CreatePaymentRequest } from "../../../schemas/merchant-api.ts";
import type { PaymentEventList } from "../../../schemas/payment-events.ts";
import type { GetPaymentReply, PaymentEventsReply, PaymentReply } from "../../payments/replies.ts";
import { sha256Hex } from "../../platform/digests.ts";
import type { AppContext, AppEnv } from "../http/context.ts";
import { parseIdempotencyKey } from "../http/idempotency-key.ts";
import { readJsonBody } from "../http/json-body.ts";
import { merchantCredentials } from "../http/merchant-auth.ts";
import { callMerchant } from "../http/merchant-stub.ts";
import { ProblemError, problem } from "../http/problem.ts";
import { paymentResponse, refusalResponse } from "../http/reply.ts";
import { validateOrThrow } from "../http/validate.ts";

export const paymentRoutes = new Hono<AppEnv>();

paymentRoutes.post("/v1/payments", async (c) => {
  // Authenticate first: an anonymous caller learns nothing about validation.
  const { merchantId, auth } = await merchantCredentials(c);
  const idempotencyKey = parseIdempotencyKey(c.req.raw.headers);
  const body = await readJsonBody(c.req.raw);
  const request = validateOrThrow(CreatePaymentRequest, body, "payment request");
  // The fingerprint covers the parsed, normalized request, so whitespace,
  // key order or an IBAN printed with spaces do not make a retry "different".
  const fingerprint = await sha256Hex(canonicalize(request) ?? "");
  const reply = await callMerchant<PaymentReply>(
    c.env,
    merchantId,
    (stub) => stub.createPayment(auth, { idempotencyKey, fingerprint, request }),
    { safeToRetry: true },
  );
  return paymentResponse(c, reply);
});

paymentRoutes.get("/v1/payments/:id", async (c) => {
  const { merchantId, auth } = await merchantCredentials(c);
  const paymentId = paymentIdParam(c);
  const reply = await callMerchant<GetPaymentReply>(c.env, merchantId, (stub) => stub.getPayment(auth, paymentId), { safeToRetry: true });
  if (!reply.ok) return refusalResponse(c, reply);
  c.set("paymentId", paymentId);
  return c.json(reply.payment, 200);
});

paymentRoutes.get("/v1/payments/:id/events", async (c) => {
  const { merchantId, auth } = await merchantCredentials(c);
  const paymentId = paymentIdParam(c);
  const reply = await callMerchant<PaymentEventsReply>(c.env, merchantId, (stub) => stub.getPaymentEvents(auth, paymentId), {
    safeToRetry: true,
  });
  if (!reply.ok) return refusalResponse(c, reply);
  c.set("paymentId", paymentId);
  const data = reply.events.map((event) => ({
    seq: event.seq,
    at: new Date(event.at).toISOString(),
    from_status: event.from_status,
    to_status: event.to_status,
    bank_status: event.bank_status,
    reason_code: event.reason_code,
    attempt: event.attempt,
    detail: event.detail ? (JSON.parse(event.detail) as Record<string, unknown>) : null,
    prev_hash: event.prev_hash,
    hash: event.hash,
  }));
  // Tamper evidence for operators: false when a stored event was edited or lost.
  const body: PaymentEventList = { data, ...reply.verification };
  return c.json(body, 200);
});

/** A malformed id cannot name any payment: 404, same as another merchant's id. */
function paymentIdParam(c: AppContext): string {
  const id = c.req.param("id") ?? "";
  if (!PaymentId.safeParse(id).success) {
    throw new ProblemError(problem("not-found", "No payment with this id exists for this merchant."));
  }
  return id;
}
