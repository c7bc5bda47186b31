/** What the payment capability answers (over the merchant object's RPC); the Worker maps these onto HTTP. */
import type { Payment } from "../../schemas/merchant-api.ts";
import type { Refusal } from "../platform/refusal.ts";
import type { HistoryVerification, StoredPaymentEvent } from "./event-log.ts";

/** `replayed`: answered from an earlier request with the same Idempotency-Key. */
export type PaymentReply =
  | { ok: true; payment: Payment; replayed: boolean; idempotencyExpiresAt?: string }
  | (Refusal & { replayed?: boolean; idempotencyExpiresAt?: string });

export type GetPaymentReply = { ok: true; payment: Payment } | Refusal;

export type PaymentEventsReply = { ok: true; events: StoredPaymentEvent[]; verification: HistoryVerification } | Refusal;

export type PaymentPageReply = { ok: true; payments: Payment[]; hasMore: boolean } | Refusal;
