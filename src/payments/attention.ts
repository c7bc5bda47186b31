/**
 * Payments an operator should look at: stuck (too many bank calls without
 * an answer that resolves them, or pending too long), a statement and the
 * bank's answer that disagree, or a bank that contradicted a final status.
 *
 * The flag never changes a payment's status: a pending payment is still
 * resolved with the bank (never failed without evidence), a final one stays
 * final. It is logged once, at error level, when set; it clears itself when
 * the payment resolves, except `bank_contradiction` (the payment is already
 * final; an operator clears it). Every change bumps the object's attention
 * version, in the same transaction, so the registry is told
 * (attention-report.ts).
 */
import type { AttentionReason } from "../../schemas/merchant-api.ts";
import { logEvent } from "../platform/log.ts";
import type { PaymentRow } from "./payment-row.ts";

/** A more serious reason replaces a lesser one (the flag's `since` is kept). */
const REASON_RANK: { readonly [Reason in AttentionReason]: number } = {
  attempts_exceeded: 1,
  pending_too_long: 2,
  status_mismatch: 3,
  bank_contradiction: 4,
};

export interface AttentionSettings {
  ATTENTION_AFTER_ATTEMPTS: number;
  ATTENTION_AFTER_MS: number;
}

/** Bank calls (submissions and inquiries) that have not resolved the payment since counting (re)started. */
export function unresolvedSteps(row: Pick<PaymentRow, "attempts" | "inquiries" | "attention_reset_steps">): number {
  return row.attempts + row.inquiries - row.attention_reset_steps;
}

/**
 * Flags `row` (as read in the current transaction) for `reason`: the row as
 * the update left it (no read-back), or undefined when the flag did not change.
 */
export function flagAttention(
  sql: SqlStorage,
  row: PaymentRow,
  reason: AttentionReason,
  now: number,
  merchantId: string,
): PaymentRow | undefined {
  const current = row.attention_reason;
  if (current !== null && REASON_RANK[current] >= REASON_RANK[reason]) return undefined;
  sql.exec(`UPDATE payments SET attention_since = COALESCE(attention_since, ?), attention_reason = ? WHERE id = ?`, now, reason, row.id);
  bumpAttentionVersion(sql);
  logEvent("error", "payment_needs_attention", { merchant_id: merchantId, payment_id: row.id, reason, status: row.status });
  return { ...row, attention_since: row.attention_since ?? now, attention_reason: reason };
}

/**
 * A payment that resolved no longer needs a person, unless the bank contradicted itself about it.
 * `row` as read or written in the current transaction; returns it as the update left it, or undefined when nothing was cleared.
 */
export function clearAttentionOnResolution(sql: SqlStorage, row: PaymentRow): PaymentRow | undefined {
  if (row.attention_reason === null || row.attention_reason === "bank_contradiction") return undefined;
  const cleared = sql
    .exec(
      `UPDATE payments SET attention_since = NULL, attention_reason = NULL
       WHERE id = ? AND attention_reason IS NOT NULL AND attention_reason != 'bank_contradiction' RETURNING id`,
      row.id,
    )
    .toArray();
  if (cleared.length === 0) return undefined;
  bumpAttentionVersion(sql);
  return { ...row, attention_since: null, attention_reason: null };
}

/**
 * An operator looked at it. Counting starts again from here, so a payment
 * still pending is flagged again only after as many more unresolved calls,
 * or as long again. `row` as read in the current transaction; returns it as
 * the update left it, or undefined when it was not flagged.
 */
export function clearAttentionByOperator(sql: SqlStorage, row: PaymentRow, now: number): PaymentRow | undefined {
  if (row.attention_reason === null) return undefined;
  sql.exec(
    `UPDATE payments SET attention_since = NULL, attention_reason = NULL, attention_reset_steps = attempts + inquiries,
       attention_reset_at = ? WHERE id = ?`,
    now,
    row.id,
  );
  bumpAttentionVersion(sql);
  return {
    ...row,
    attention_since: null,
    attention_reason: null,
    attention_reset_steps: row.attempts + row.inquiries,
    attention_reset_at: now,
  };
}

/** Flags every unflagged payment pending longer than ATTENTION_AFTER_MS (one statement). */
export function flagLongPending(sql: SqlStorage, now: number, settings: AttentionSettings, merchantId: string): void {
  const flagged = sql
    .exec<{ id: string }>(
      `UPDATE payments SET attention_since = ?, attention_reason = 'pending_too_long'
       WHERE status = 'pending' AND attention_since IS NULL AND MAX(created_at, COALESCE(attention_reset_at, 0)) <= ?
       RETURNING id`,
      now,
      now - settings.ATTENTION_AFTER_MS,
    )
    .toArray()
    .map((row) => row.id);
  if (flagged.length > 0) bumpAttentionVersion(sql);
  for (const id of flagged)
    logEvent("error", "payment_needs_attention", { merchant_id: merchantId, payment_id: id, reason: "pending_too_long" });
}

/** When the next unflagged pending payment passes ATTENTION_AFTER_MS, or null when none will. */
export function nextLongPendingAt(sql: SqlStorage, settings: AttentionSettings): number | null {
  const { at } = sql
    .exec<{ at: number | null }>(
      `SELECT MIN(MAX(created_at, COALESCE(attention_reset_at, 0))) AS at FROM payments WHERE status = 'pending' AND attention_since IS NULL`,
    )
    .one();
  return at === null ? null : at + settings.ATTENTION_AFTER_MS;
}

export function bumpAttentionVersion(sql: SqlStorage): void {
  sql.exec(`UPDATE attention_report_state SET version = version + 1 WHERE singleton = 1`);
}
