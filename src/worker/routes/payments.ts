import canonicalize from "canonicalize";
import { PaymentId } from "../../../schemas/common.ts";
import { WHOLE_LIST } from "../../../schemas/list-page.ts";
import { CreatePaymentRequest, Payment } from "../../../schemas/merchant-api.ts";
import { PaymentEventList } from "../../../schemas/payment-events.ts";
import type { GetPaymentReply, PaymentEventsReply, PaymentReply } from "../../payments/replies.ts";
import { sha256Hex } from "../../platform/digests.ts";
import { parseIdempotencyKey } from "../http/idempotency-key.ts";
import { readJsonBody } from "../http/json-body.ts";
import { merchantCredentials } from "../http/merchant-auth.ts";
import { callMerchant } from "../http/merchant-stub.ts";
import { paymentResponse, refusalResponse } from "../http/reply.ts";
import { validateOrThrow } from "../http/validate.ts";
import { defineRoute } from "../openapi/define-route.ts";
import { BODY_PROBLEMS, MERCHANT_AUTH_PROBLEMS } from "../openapi/problem-groups.ts";

const createPayment = defineRoute(
  {
    method: "post",
    path: "/v1/payments",
    operationId: "createPayment",
    summary: "Create a payment (idempotent)",
    description:
      "Admits the payment and sends it to the bank over mutual TLS. 201 when the bank settled or rejected it within the call, 202 while it is pending (the connector keeps asking the bank). Retrying with the same Idempotency-Key and body answers the payment as it is now, with `Idempotent-Replayed: true`; a refusal (limit exceeded) is replayed as it was.",
    tag: "payments",
    security: "merchant",
    idempotencyKey: true,
    requestBody: CreatePaymentRequest,
    responses: {
      201: {
        description: "The payment reached a final status.",
        schema: Payment,
        headers: ["Idempotent-Replayed", "Idempotency-Key-Expires-At", "Location"],
      },
      202: {
        description: "The payment is pending with the bank.",
        schema: Payment,
        headers: ["Idempotent-Replayed", "Idempotency-Key-Expires-At", "Location"],
      },
    },
    problems: [
      ...BODY_PROBLEMS,
      "idempotency-key-missing",
      "idempotency-key-invalid",
      ...MERCHANT_AUTH_PROBLEMS,
      "idempotency-key-reuse",
      "amount-limit-exceeded",
      "daily-limit-exceeded",
      "currency-not-supported",
      "amount-out-of-range",
      "bank-not-configured",
    ],
  },
  async (c) => {
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
  },
);

const getPayment = defineRoute(
  {
    method: "get",
    path: "/v1/payments/{id}",
    operationId: "getPayment",
    summary: "Read a payment",
    tag: "payments",
    security: "merchant",
    pathParams: { id: PaymentId },
    responses: { 200: { description: "The payment.", schema: Payment } },
    problems: [...MERCHANT_AUTH_PROBLEMS, "not-found"],
  },
  async (c, { id: paymentId }) => {
    const { merchantId, auth } = await merchantCredentials(c);
    const reply = await callMerchant<GetPaymentReply>(c.env, merchantId, (stub) => stub.getPayment(auth, paymentId), { safeToRetry: true });
    if (!reply.ok) return refusalResponse(c, reply);
    c.set("paymentId", paymentId);
    return c.json(reply.payment, 200);
  },
);

const getPaymentEvents = defineRoute(
  {
    method: "get",
    path: "/v1/payments/{id}/events",
    operationId: "getPaymentEvents",
    summary: "Read a payment's hash-chained event history",
    tag: "payments",
    security: "merchant",
    pathParams: { id: PaymentId },
    responses: { 200: { description: "Events in order.", schema: PaymentEventList } },
    problems: [...MERCHANT_AUTH_PROBLEMS, "not-found"],
  },
  async (c, { id: paymentId }) => {
    const { merchantId, auth } = await merchantCredentials(c);
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
    const body: PaymentEventList = { data, ...WHOLE_LIST, ...reply.verification };
    return c.json(body, 200);
  },
);

export const paymentRoutes = [createPayment, getPayment, getPaymentEvents];
