/**
 * The registry's copy of every merchant's payments needing attention and
 * oldest pending payment, as the merchant objects last reported them
 * (src/payments/attention-report.ts). Per merchant, a report replaces the
 * previous one, unless it is older (reports from one object can overtake
 * each other). For operators: no secrets, no account numbers. Tables:
 * registry migration 4.
 */
import type { AttentionEntry, AttentionReport } from "../payments/attention-report.ts";

/** A merchant's reported entry, in the registry's list of every merchant's flagged payments. */
export type AttentionListing = AttentionEntry & { merchant_id: string };

export interface AttentionSummary {
  payments_needing_attention: number;
  /** Creation time of the oldest pending payment of any merchant, or null when none is pending. */
  oldest_pending_at: number | null;
}

/** Must run in a transaction. Returns false when a newer report of this merchant is already stored. */
export function recordAttentionReport(sql: SqlStorage, report: AttentionReport): boolean {
  const stored = sql
    .exec<{ reported_at: number }>(`SELECT reported_at FROM attention_merchants WHERE merchant_id = ?`, report.merchant_id)
    .toArray()[0];
  if (stored && stored.reported_at > report.reported_at) return false;
  sql.exec(
    `INSERT INTO attention_merchants (merchant_id, reported_at, oldest_pending_at, attention_count) VALUES (?, ?, ?, ?)
     ON CONFLICT (merchant_id) DO UPDATE SET reported_at = excluded.reported_at, oldest_pending_at = excluded.oldest_pending_at,
       attention_count = excluded.attention_count`,
    report.merchant_id,
    report.reported_at,
    report.oldest_pending_at,
    report.attention_count,
  );
  sql.exec(`DELETE FROM attention_payments WHERE merchant_id = ?`, report.merchant_id);
  for (const entry of report.entries) {
    sql.exec(
      `INSERT OR REPLACE INTO attention_payments (payment_id, merchant_id, status, amount, currency, created_at, attempts, since, reason)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      entry.payment_id,
      report.merchant_id,
      entry.status,
      entry.amount,
      entry.currency,
      entry.created_at,
      entry.attempts,
      entry.since,
      entry.reason,
    );
  }
  return true;
}

/** Oldest first (payment id order), after `afterPaymentId`, at most `limit`. */
export function listAttention(sql: SqlStorage, afterPaymentId: string | null, limit: number): AttentionListing[] {
  return sql
    .exec<AttentionListing>(
      `SELECT * FROM attention_payments WHERE payment_id > ? ORDER BY payment_id LIMIT ?`,
      afterPaymentId ?? "",
      limit,
    )
    .toArray();
}

export function attentionSummary(sql: SqlStorage): AttentionSummary {
  const row = sql
    .exec<{ count: number | null; oldest: number | null }>(
      `SELECT SUM(attention_count) AS count, MIN(oldest_pending_at) AS oldest FROM attention_merchants`,
    )
    .one();
  return { payments_needing_attention: row.count ?? 0, oldest_pending_at: row.oldest };
}
