/** GET /v1/payments: a merchant's payments, filtered and paged with an opaque cursor. */
import { Hono } from "hono";
import { ListPaymentsQuery, type PaymentList } from "../../../schemas/payment-queries.ts";
import type { PaymentPageReply } from "../../payments/replies.ts";
import type { AppEnv } from "../http/context.ts";
import { merchantCredentials } from "../http/merchant-auth.ts";
import { callMerchant } from "../http/merchant-stub.ts";
import { openPaymentCursor, sealPaymentCursor } from "../http/payment-list-cursor.ts";
import { validateQueryOrThrow } from "../http/query-params.ts";
import { refusalResponse } from "../http/reply.ts";

export const paymentListRoutes = new Hono<AppEnv>();

paymentListRoutes.get("/v1/payments", async (c) => {
  const { merchantId, auth } = await merchantCredentials(c);
  const query = validateQueryOrThrow(ListPaymentsQuery, c.req.url);
  const after = query.cursor === undefined ? null : openPaymentCursor(merchantId, query, query.cursor);
  const reply = await callMerchant<PaymentPageReply>(
    c.env,
    merchantId,
    (stub) =>
      stub.listPayments(auth, {
        status: query.status ?? null,
        createdFrom: query.created_from ?? null,
        createdTo: query.created_to ?? null,
        order: query.order,
        limit: query.limit,
        after,
      }),
    { safeToRetry: true },
  );
  if (!reply.ok) return refusalResponse(c, reply);
  const last = reply.payments.at(-1);
  const body: PaymentList = {
    data: reply.payments,
    next_cursor: reply.hasMore && last ? sealPaymentCursor(merchantId, query, last.id) : null,
  };
  return c.json(body, 200, { "cache-control": "no-store" });
});
