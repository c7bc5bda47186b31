/** What the merchant object answers over RPC; the Worker maps these onto HTTP. */
import type { Merchant, Payment } from "../../schemas/merchant-api.ts";
import type { Problem } from "../../schemas/problem.ts";
import type { HistoryVerification, StoredPaymentEvent } from "./event-log.ts";

export type Refusal = { ok: false; problem: Problem; headers?: Record<string, string> };

export type PaymentReply =
  | { ok: true; httpStatus: 200 | 201 | 202; payment: Payment; replayed: boolean; idempotencyExpiresAt?: string }
  | (Refusal & { replayed?: boolean; idempotencyExpiresAt?: string });

export interface AuthContext {
  /** SHA-256 (hex) of the presented API key; the key itself never leaves the Worker. */
  keyHash: string;
  requestId: string;
}

export type GetPaymentReply = { ok: true; payment: Payment } | Refusal;

export type PaymentEventsReply = { ok: true; events: StoredPaymentEvent[]; verification: HistoryVerification } | Refusal;

export type InitializeReply = { ok: true; merchant: Merchant } | Refusal;

/** The operator's view of a merchant (admin API). */
export type MerchantReply = { ok: true; merchant: Merchant } | Refusal;
