/** RPC replies of the merchant object's read and reconciliation methods (the Worker maps them onto HTTP). */
import type { Payment } from "../../schemas/merchant-api.ts";
import type { ReconciliationReport } from "../../schemas/reconciliation.ts";
import type { Refusal } from "./replies.ts";

export type PaymentPageReply = { ok: true; payments: Payment[]; hasMore: boolean } | Refusal;

export type ReconciliationReply = { ok: true; report: ReconciliationReport } | Refusal;

/** For the scheduled job, which has no API key: "skipped" is a registered merchant whose object was never initialized. */
export type ScheduledReconciliationReply =
  | { outcome: "reconciled"; report: ReconciliationReport }
  | { outcome: "skipped"; reason: string }
  | { outcome: "failed"; reason: string };
