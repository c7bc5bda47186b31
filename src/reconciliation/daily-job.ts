/**
 * The Cron Trigger's job: reconcile yesterday (UTC) for every merchant in the
 * registry, a page of merchants at a time, a few merchants at once. One
 * merchant's failure is logged and does not stop the others. Each merchant
 * gets exactly one structured log line with its outcome and counts.
 */

import type { ReconciliationReport } from "../../schemas/reconciliation.ts";
import { utcDay } from "../payments/payment-row.ts";
import { logEvent } from "../platform/log.ts";

export const REGISTRY_PAGE_SIZE = 100;
/** Each reconciliation is mostly waiting on the bank; a few at once keeps the run short without flooding it. */
export const MERCHANTS_IN_PARALLEL = 4;
const DAY_MS = 86_400_000;

/** For the scheduled job, which has no API key: "skipped" is a registered merchant whose object was never initialized. */
export type ScheduledReconciliationReply =
  | { outcome: "reconciled"; report: ReconciliationReport }
  | { outcome: "skipped"; reason: string }
  | { outcome: "failed"; reason: string };

/** How the job reaches the registry and each merchant's object (the Worker wires these). */
export interface DailyJobPorts {
  listMerchants(afterId: string | null, limit: number): Promise<Array<{ id: string }>>;
  /** Throws when the object cannot be reached; the job counts that as a failure. */
  reconcileMerchant(merchantId: string, date: string): Promise<ScheduledReconciliationReply>;
}

export interface DailyReconciliationRun {
  date: string;
  merchants: number;
  reconciled: number;
  skipped: number;
  failed: number;
}

/** The business day a run at `scheduledTime` reconciles: the UTC day before it. */
export function businessDateBefore(scheduledTime: number): string {
  return utcDay(scheduledTime - DAY_MS);
}

export async function reconcileAllMerchants(ports: DailyJobPorts, scheduledTime: number): Promise<DailyReconciliationRun> {
  const date = businessDateBefore(scheduledTime);
  const run: DailyReconciliationRun = { date, merchants: 0, reconciled: 0, skipped: 0, failed: 0 };
  let after: string | null = null;
  for (;;) {
    const page = await ports.listMerchants(after, REGISTRY_PAGE_SIZE);
    for (let i = 0; i < page.length; i += MERCHANTS_IN_PARALLEL) {
      const batch = page.slice(i, i + MERCHANTS_IN_PARALLEL);
      const outcomes = await Promise.all(batch.map((merchant) => reconcileOneMerchant(ports, merchant.id, date)));
      for (const outcome of outcomes) run[outcome]++;
    }
    run.merchants += page.length;
    const last = page.at(-1);
    if (!last || page.length < REGISTRY_PAGE_SIZE) break;
    after = last.id;
  }
  logEvent(run.failed > 0 ? "warn" : "info", "scheduled_reconciliation_run", { ...run });
  return run;
}

async function reconcileOneMerchant(
  ports: DailyJobPorts,
  merchantId: string,
  date: string,
): Promise<ScheduledReconciliationReply["outcome"]> {
  const started = Date.now();
  let reply: ScheduledReconciliationReply;
  try {
    reply = await ports.reconcileMerchant(merchantId, date);
  } catch (error) {
    reply = { outcome: "failed", reason: error instanceof Error ? error.message : String(error) };
  }
  const fields: Record<string, unknown> = {
    merchant_id: merchantId,
    business_date: date,
    outcome: reply.outcome,
    duration_ms: Date.now() - started,
  };
  if (reply.outcome === "reconciled") Object.assign(fields, { statement_pages: reply.report.statement_pages, ...reply.report.summary });
  else fields.reason = reply.reason;
  logEvent(reply.outcome === "failed" ? "error" : "info", "scheduled_reconciliation", fields);
  return reply.outcome;
}
