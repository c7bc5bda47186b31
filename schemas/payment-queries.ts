/**
 * GET /v1/payments: the query parameters, the opaque cursor and the page.
 *
 * Pages are ordered by payment id. Ids are `pay_<ULID>` minted by the
 * merchant object's monotonic ULID factory, so id order is creation order and
 * a payment created after a page was read always sorts after every id already
 * handed out: keyset paging on the id neither repeats nor skips a row when
 * payments are inserted between pages.
 */
import { z } from "zod";
import { MerchantId, PaymentId, pageLimit } from "./common.ts";
import { pageFields } from "./list-page.ts";
import { Payment, PaymentStatus } from "./merchant-api.ts";

export const MAX_PAGE_LIMIT = 100;
export const DEFAULT_PAGE_LIMIT = 25;
/** A cursor is a few hundred bytes at most; anything longer is not one of ours. */
export const MAX_CURSOR_LENGTH = 512;

export const PaymentOrder = z.enum(["asc", "desc"], { error: "must be asc or desc" });
export type PaymentOrder = z.infer<typeof PaymentOrder>;

const Limit = pageLimit(MAX_PAGE_LIMIT, DEFAULT_PAGE_LIMIT);

const Instant = z.iso
  .datetime({ offset: true, error: "must be an RFC 3339 date-time, e.g. 2026-11-23T00:00:00Z" })
  .transform((value) => Date.parse(value));

export const ListPaymentsQuery = z
  .strictObject({
    status: z.enum(PaymentStatus.options, { error: `must be one of ${PaymentStatus.options.join(", ")}` }).optional(),
    created_from: Instant.optional().meta({ description: "Inclusive lower bound on created_at." }),
    created_to: Instant.optional().meta({ description: "Exclusive upper bound on created_at." }),
    limit: Limit,
    order: PaymentOrder.default("desc"),
    cursor: z.string().min(1).max(MAX_CURSOR_LENGTH, { error: "is not a cursor returned by this API" }).optional(),
  })
  .refine((q) => q.created_from === undefined || q.created_to === undefined || q.created_from <= q.created_to, {
    error: "must not be before created_from",
    path: ["created_to"],
  });
export type ListPaymentsQuery = z.output<typeof ListPaymentsQuery>;

/**
 * What a cursor carries once decoded. It names the merchant and the query it
 * belongs to, so it is refused for another merchant or with other filters
 * (it would otherwise silently page through a different result set).
 */
export const PaymentListCursor = z.strictObject({
  v: z.literal(1),
  merchant_id: MerchantId,
  after: PaymentId,
  order: PaymentOrder,
  status: PaymentStatus.nullable(),
  created_from: z.number().int().nullable(),
  created_to: z.number().int().nullable(),
});
export type PaymentListCursor = z.infer<typeof PaymentListCursor>;

export const PaymentList = z
  .object({
    ...pageFields(Payment),
  })
  .meta({ id: "PaymentList" });
export type PaymentList = z.infer<typeof PaymentList>;
