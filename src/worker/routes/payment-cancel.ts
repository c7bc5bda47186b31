/** POST /v1/payments/{id}/cancel: cancel a payment the connector has provably never sent (src/payments/cancellation.ts). */
import { PaymentId } from "../../../schemas/common.ts";
import { Payment } from "../../../schemas/merchant-api.ts";
import type { CancelReply } from "../../payments/cancellation.ts";
import { merchantCredentials } from "../http/merchant-auth.ts";
import { callMerchant } from "../http/merchant-stub.ts";
import { refusalResponse } from "../http/reply.ts";
import { defineRoute } from "../openapi/define-route.ts";
import { MERCHANT_AUTH_PROBLEMS } from "../openapi/problem-groups.ts";

const cancelPayment = defineRoute(
  {
    method: "post",
    path: "/v1/payments/{id}/cancel",
    operationId: "cancelPayment",
    summary: "Cancel a payment that was never sent",
    description:
      "No body. A payment that is `pending` and has provably never been sent to the bank (queued behind the concurrency cap, or held by store and forward during a bank outage) becomes `canceled` at once, with a `payment.canceled` webhook event, and its amount no longer counts against the daily limit. Canceling a `canceled` payment answers it unchanged, so the call is idempotent by nature: an `Idempotency-Key` header is accepted but not required (and not stored). Any other payment is 409 `payment-not-cancelable`, with the reason in `detail`: once a credit transfer may have reached the bank, it cannot be recalled here.",
    tag: "payments",
    security: "merchant",
    pathParams: { id: PaymentId },
    responses: { 200: { description: "The payment, canceled (now or earlier).", schema: Payment } },
    problems: [...MERCHANT_AUTH_PROBLEMS, "not-found", "payment-not-cancelable"],
  },
  async (c, { id: paymentId }) => {
    const { merchantId, auth } = await merchantCredentials(c);
    // Safe to repeat: a second cancel of the same payment answers it unchanged.
    const reply = await callMerchant<CancelReply>(c.env, merchantId, (stub) => stub.cancelPayment(auth, paymentId), { safeToRetry: true });
    if (!reply.ok) return refusalResponse(c, reply);
    c.set("paymentId", paymentId);
    return c.json(reply.payment, 200);
  },
);

export const paymentCancelRoutes = [cancelPayment];
