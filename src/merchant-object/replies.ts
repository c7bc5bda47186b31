/** What the merchant object answers over RPC besides payments and webhooks; the Worker maps these onto HTTP. */
import type { Merchant } from "../../schemas/merchant-api.ts";
import type { ReconciliationReport } from "../../schemas/reconciliation.ts";
import type { Refusal } from "../platform/refusal.ts";

export type { ScheduledReconciliationReply } from "../reconciliation/daily-job.ts";

export type InitializeReply = { ok: true; merchant: Merchant } | Refusal;

/** The operator's view of a merchant (admin API). */
export type MerchantReply = { ok: true; merchant: Merchant } | Refusal;

export type ReconciliationReply = { ok: true; report: ReconciliationReport } | Refusal;
