/**
 * Operators' view of payments needing attention across merchants
 * (GET /admin/v1/payments?attention=true), as the merchant objects last
 * reported them to the registry. docs/operations.md is the prose version.
 */
import { z } from "zod";
import { MerchantId, PaymentId, pageLimit, Timestamp } from "./common.ts";
import { pageFields } from "./list-page.ts";
import { PaymentAttention, PaymentStatus } from "./merchant-api.ts";

export const MAX_ATTENTION_PAGE = 100;
export const DEFAULT_ATTENTION_PAGE = 25;

export const AttentionListQuery = z.strictObject({
  attention: z.literal("true", { error: 'must be "true" (this listing only shows payments needing attention)' }).meta({
    description: "Required: only payments flagged for an operator are listed.",
  }),
  cursor: PaymentId.optional().meta({ description: "`next_cursor` of the previous page." }),
  limit: pageLimit(MAX_ATTENTION_PAGE, DEFAULT_ATTENTION_PAGE),
});
export type AttentionListQuery = z.output<typeof AttentionListQuery>;

export const AttentionPayment = z
  .object({
    merchant_id: MerchantId,
    payment_id: PaymentId,
    status: PaymentStatus,
    amount: z.number().int(),
    currency: z.string(),
    created_at: Timestamp,
    attempts: z.number().int().meta({ description: "Submissions made so far." }),
    attention: PaymentAttention,
  })
  .meta({ id: "AttentionPayment" });
export type AttentionPayment = z.infer<typeof AttentionPayment>;

export const AttentionPaymentList = z.object(pageFields(AttentionPayment, "Oldest payment first.")).meta({ id: "AttentionPaymentList" });
export type AttentionPaymentList = z.infer<typeof AttentionPaymentList>;
