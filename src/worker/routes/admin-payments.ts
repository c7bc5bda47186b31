/**
 * Operator API for payments needing attention across merchants: list them
 * (from the registry, as the merchant objects last reported them) and clear
 * one flag once a person has looked (in the merchant's object, which then
 * reports at once). Behind ADMIN_TOKEN like every /admin/* path.
 */
import { MerchantId, PaymentId } from "../../../schemas/common.ts";
import { pageBody } from "../../../schemas/list-page.ts";
import { Payment } from "../../../schemas/merchant-api.ts";
import { AttentionListQuery, AttentionPaymentList } from "../../../schemas/payment-attention.ts";
import type { GetPaymentReply } from "../../payments/replies.ts";
import { pageOf } from "../../platform/page.ts";
import { merchantRegistry } from "../../registry/merchant-registry.ts";
import { callMerchant } from "../http/merchant-stub.ts";
import { validateQueryOrThrow } from "../http/query-params.ts";
import { refusalResponse } from "../http/reply.ts";
import { defineRoute } from "../openapi/define-route.ts";
import { ADMIN_AUTH_PROBLEMS } from "../openapi/problem-groups.ts";

const listAttentionPayments = defineRoute(
  {
    method: "get",
    path: "/admin/v1/payments",
    operationId: "listAttentionPayments",
    summary: "List payments needing attention, across merchants, oldest first",
    description:
      "Payments flagged `attention` (stuck, pending too long, a statement the bank's answer contradicts, or a bank that settled a failed payment), as each merchant last reported them (at most about 10 s old).",
    tag: "admin",
    security: "admin",
    query: AttentionListQuery,
    responses: { 200: { description: "One page.", schema: AttentionPaymentList } },
    problems: ["validation-error", ...ADMIN_AUTH_PROBLEMS],
  },
  async (c) => {
    const query = validateQueryOrThrow(AttentionListQuery, c.req.url);
    const page = pageOf(await merchantRegistry(c.env).listAttention(query.cursor ?? null, query.limit + 1), query.limit);
    const body: AttentionPaymentList = pageBody(
      page.items.map((row) => ({
        merchant_id: row.merchant_id,
        payment_id: row.payment_id,
        status: row.status,
        amount: row.amount,
        currency: row.currency,
        created_at: new Date(row.created_at).toISOString(),
        attempts: row.attempts,
        attention: { since: new Date(row.since).toISOString(), reason: row.reason },
      })),
      page.hasMore,
      (last) => last.payment_id,
    );
    return c.json(body, 200, { "cache-control": "no-store" });
  },
);

const clearPaymentAttention = defineRoute(
  {
    method: "delete",
    path: "/admin/v1/payments/{id}/{paymentId}/attention",
    operationId: "clearPaymentAttention",
    summary: "Clear a payment's attention flag",
    description:
      "For a person who has looked at the payment; the only way to clear `bank_contradiction`. The status is not changed. A payment still pending is flagged again only after as many more unresolved bank calls, or as long again.",
    tag: "admin",
    security: "admin",
    pathParams: { id: MerchantId, paymentId: PaymentId },
    responses: { 200: { description: "The payment, without its flag.", schema: Payment } },
    problems: [...ADMIN_AUTH_PROBLEMS, "not-found"],
  },
  async (c, { id: merchantId, paymentId }) => {
    c.set("merchantId", merchantId);
    // Clearing is idempotent, so a retry after a lost answer is harmless.
    const reply = await callMerchant<GetPaymentReply>(c.env, merchantId, (stub) => stub.clearPaymentAttention(paymentId), {
      safeToRetry: true,
    });
    return reply.ok ? c.json(reply.payment, 200) : refusalResponse(c, reply);
  },
);

export const adminPaymentRoutes = [listAttentionPayments, clearPaymentAttention];
