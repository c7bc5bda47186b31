/**
 * How long an Idempotency-Key is remembered. A key must never be forgotten
 * while its payment is still pending: a retry after expiry would be admitted
 * as a new payment with a new end_to_end_id, which the bank cannot
 * de-duplicate, and a payment that was only slow (a long outage, an ACSP
 * hold) would be paid twice. So a key lives until the latest of:
 * - its stored expiry (admission or refusal + TTL),
 * - forever while its payment is pending,
 * - its payment's final outcome + TTL (updated_at of a final payment never
 *   changes again), so a merchant always has a full TTL to read the outcome
 *   by retrying.
 * Derived from the rows rather than stored, so no extra write is needed when
 * a payment becomes final, and keys stored before this rule obey it too.
 */

export interface KeyedPayment {
  status: string;
  updated_at: number;
}

/** Until when a retry with the key is guaranteed to replay (the Idempotency-Key-Expires-At header). */
export function keyExpiresAt(storedExpiresAt: number, payment: KeyedPayment | undefined, now: number, ttlMs: number): number {
  if (!payment) return storedExpiresAt;
  // While pending the key cannot expire; "now + TTL" is the honest lower bound to announce.
  const heldUntil = payment.status === "pending" ? now + ttlMs : payment.updated_at + ttlMs;
  return Math.max(storedExpiresAt, heldUntil);
}

export function keyIsLive(storedExpiresAt: number, payment: KeyedPayment | undefined, now: number, ttlMs: number): boolean {
  if (payment?.status === "pending") return true;
  return keyExpiresAt(storedExpiresAt, payment, now, ttlMs) > now;
}

/** Deletes up to `limit` keys that are expired by the rule above. */
export function purgeExpiredKeys(sql: SqlStorage, now: number, ttlMs: number, limit = 1000): void {
  sql.exec(
    `DELETE FROM idempotency_keys WHERE key IN (
       SELECT k.key FROM idempotency_keys k LEFT JOIN payments p ON p.id = k.payment_id
       WHERE k.expires_at <= ?1 AND (p.id IS NULL OR (p.status <> 'pending' AND p.updated_at + ?2 <= ?1))
       LIMIT ?3)`,
    now,
    ttlMs,
    limit,
  );
}
