/**
 * How long an Idempotency-Key is remembered. A key must never be forgotten
 * while its payment is pending: a retry after expiry would be admitted as a
 * new payment with a new end_to_end_id, which the bank cannot de-duplicate,
 * and a payment that was only slow (a long outage, an ACSP hold) would be
 * paid twice. So a key lives until the latest of:
 * - its stored expiry (admission or refusal + TTL),
 * - forever while its payment is pending,
 * - its payment's final outcome + TTL (updated_at of a final payment never
 *   changes again), so a merchant always has a full TTL to read the outcome
 *   by retrying.
 *
 * The stored expiry is kept truthful so that the alarm can wake at the
 * earliest one and the purge never rescans a key it has to keep: a key held
 * by a pending payment is parked at HELD_BY_PENDING_PAYMENT (ignored by the
 * alarm), and becoming final sets it to outcome + TTL.
 */
import { execInSlices } from "../platform/sql-slices.ts";

/** Stored expiry of a key whose payment is still pending: never, until the payment is final. */
export const HELD_BY_PENDING_PAYMENT = Number.MAX_SAFE_INTEGER;
export const KEY_PURGE_BATCH = 1000;

export interface KeyedPayment {
  status: string;
  updated_at: number;
}

/** Until when a retry with the key is guaranteed to replay (the Idempotency-Key-Expires-At header). */
export function keyExpiresAt(storedExpiresAt: number, payment: KeyedPayment | undefined, now: number, ttlMs: number): number {
  if (!payment) return storedExpiresAt;
  // While pending the key cannot expire; "now + TTL" is the honest lower bound to announce.
  if (payment.status === "pending") return now + ttlMs;
  // A parked expiry read while the payment was still pending says nothing
  // once it is final (and is no valid Date): outcome + TTL is the answer.
  const stored = storedExpiresAt >= HELD_BY_PENDING_PAYMENT ? 0 : storedExpiresAt;
  return Math.max(stored, payment.updated_at + ttlMs);
}

export function keyIsLive(storedExpiresAt: number, payment: KeyedPayment | undefined, now: number, ttlMs: number): boolean {
  if (payment?.status === "pending") return true;
  return keyExpiresAt(storedExpiresAt, payment, now, ttlMs) > now;
}

/** Called in the transaction that makes a payment final. */
export function holdKeyAfterOutcome(sql: SqlStorage, key: string, finalAt: number, ttlMs: number): void {
  sql.exec(`UPDATE idempotency_keys SET expires_at = ? WHERE key = ?`, finalAt + ttlMs, key);
}

/** When the alarm must come back to purge keys: the earliest stored expiry, or null when none is due ever. */
export function nextKeyPurgeAt(sql: SqlStorage): number | null {
  return sql
    .exec<{ at: number | null }>(`SELECT MIN(expires_at) AS at FROM idempotency_keys WHERE expires_at < ?`, HELD_BY_PENDING_PAYMENT)
    .one().at;
}

/**
 * Handles up to `limit` keys whose stored expiry has passed: deletes those
 * that are expired by the rule above, parks those held by a pending payment,
 * and re-dates those held by a recent outcome (keys stored before the
 * outcome re-dated them). Each key is handled once, so held keys are never
 * rescanned. True when it hit the limit: more may be due at once.
 */
export function purgeExpiredKeys(sql: SqlStorage, now: number, ttlMs: number, limit = KEY_PURGE_BATCH): boolean {
  const due = sql
    .exec<{ key: string; status: string | null; updated_at: number | null }>(
      `SELECT k.key, p.status, p.updated_at FROM idempotency_keys k LEFT JOIN payments p ON p.id = k.payment_id
       WHERE k.expires_at <= ? LIMIT ?`,
      now,
      limit,
    )
    .toArray();
  const expired: string[] = [];
  const held: string[] = [];
  for (const row of due) {
    if (row.status === "pending") held.push(row.key);
    else if (row.status !== null && row.updated_at !== null && row.updated_at + ttlMs > now) {
      sql.exec(`UPDATE idempotency_keys SET expires_at = ? WHERE key = ?`, row.updated_at + ttlMs, row.key);
    } else expired.push(row.key);
  }
  execInSlices(sql, held, (marks) => `UPDATE idempotency_keys SET expires_at = ${HELD_BY_PENDING_PAYMENT} WHERE key IN (${marks})`);
  execInSlices(sql, expired, (marks) => `DELETE FROM idempotency_keys WHERE key IN (${marks})`);
  return due.length >= limit;
}

/** The alarm's key purge: what is due now, and when it must come back. */
export class KeyPurge {
  /** The last purge hit its batch limit: come back at once for the rest. */
  private backlog = false;

  constructor(
    private readonly sql: SqlStorage,
    private readonly ttlMs: number,
  ) {}

  run(now: number): void {
    this.backlog = purgeExpiredKeys(this.sql, now, this.ttlMs);
  }

  nextDueAt(now: number): number | null {
    return this.backlog ? now : nextKeyPurgeAt(this.sql);
  }
}
