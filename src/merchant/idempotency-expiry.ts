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
 * The rule is evaluated from the rows (so keys stored before it existed obey
 * it too); the stored expiry is also pushed to "final + TTL" when a payment
 * becomes final, so the alarm, which wakes at the earliest future stored
 * expiry, comes back when the key can actually go.
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

/** Called in the transaction that makes a payment final. */
export function holdKeyAfterOutcome(sql: SqlStorage, key: string, finalAt: number, ttlMs: number): void {
  sql.exec(`UPDATE idempotency_keys SET expires_at = MAX(expires_at, ?) WHERE key = ?`, finalAt + ttlMs, key);
}

/**
 * When the alarm must come back to purge keys: the earliest stored expiry
 * after the last purge, or at once when that purge left a backlog. Keys the
 * last purge kept although their stored expiry had passed (held by a pending
 * payment, or by a recent outcome) are not counted, so they cannot make the
 * alarm spin: they get a new expiry when their payment becomes final.
 */
export function nextKeyPurgeAt(sql: SqlStorage, lastPurgeAt: number, backlog: boolean): number | null {
  if (backlog) return lastPurgeAt;
  return sql.exec<{ at: number | null }>(`SELECT MIN(expires_at) AS at FROM idempotency_keys WHERE expires_at > ?`, lastPurgeAt).one().at;
}

export const KEY_PURGE_BATCH = 1000;

/** Deletes up to `limit` keys that are expired by the rule above; true when it hit the limit (more may be due). */
export function purgeExpiredKeys(sql: SqlStorage, now: number, ttlMs: number, limit = KEY_PURGE_BATCH): boolean {
  const keys = sql
    .exec<{ key: string }>(
      `SELECT k.key FROM idempotency_keys k LEFT JOIN payments p ON p.id = k.payment_id
       WHERE k.expires_at <= ?1 AND (p.id IS NULL OR (p.status <> 'pending' AND p.updated_at + ?2 <= ?1))
       LIMIT ?3`,
      now,
      ttlMs,
      limit,
    )
    .toArray()
    .map((row) => row.key);
  // Bound parameters per statement are limited; delete in slices.
  for (let i = 0; i < keys.length; i += 100) {
    const slice = keys.slice(i, i + 100);
    sql.exec(`DELETE FROM idempotency_keys WHERE key IN (${slice.map(() => "?").join(",")})`, ...slice);
  }
  return keys.length >= limit;
}
