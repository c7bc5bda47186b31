/** GET /v1/payments: a merchant's payments, filtered and paged with an opaque cursor. */
import { pageBody } from "../../../schemas/list-page.ts";
import { ListPaymentsQuery, PaymentList } from "../../../schemas/payment-queries.ts";
import type { PaymentPageReply } from "../../payments/replies.ts";
import { merchantCredentials } from "../http/merchant-auth.ts";
import { callMerchant } from "../http/merchant-stub.ts";
import { openPaymentCursor, sealPaymentCursor } from "../http/payment-list-cursor.ts";
import { validateQueryOrThrow } from "../http/query-params.ts";
import { refusalResponse } from "../http/reply.ts";
import { defineRoute } from "../openapi/define-route.ts";
import { MERCHANT_AUTH_PROBLEMS } from "../openapi/problem-groups.ts";

const listPayments = defineRoute(
  {
    method: "get",
    path: "/v1/payments",
    operationId: "listPayments",
    summary: "List the merchant's payments, filtered, a page at a time",
    description:
      "Keyset paging on the payment id (docs/payment-queries.md). Send `next_cursor` back as `cursor` with the same filters and order.",
    tag: "payments",
    security: "merchant",
    query: ListPaymentsQuery,
    responses: { 200: { description: "One page.", schema: PaymentList } },
    problems: ["validation-error", ...MERCHANT_AUTH_PROBLEMS],
  },
  async (c) => {
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
    const body: PaymentList = pageBody(reply.payments, reply.hasMore, (last) => sealPaymentCursor(merchantId, query, last.id));
    return c.json(body, 200, { "cache-control": "no-store" });
  },
);

export const paymentListRoutes = [listPayments];
