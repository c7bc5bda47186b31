/**
 * News of the bank, shared across merchant objects (registry migration 5).
 *
 * Each merchant object keeps its own circuit (src/bank/bank-circuit.ts), so
 * without news every object meets an outage on its own: its first submission
 * into the dead bank may have arrived, and needs an inquiry, a 404 confirmed
 * INQUIRY_CONFIRM_DELAY_MS later and a resend once the bank heals, which
 * alone puts it past ten seconds to final; and it learns the bank is back
 * only at its own next probe, up to a cool-down after the others. Measured
 * in the bench's outage scenario (16 merchants): one such payment per
 * merchant, and probes in step, kept ~4% of the payments pending at the heal
 * past ten seconds.
 *
 * Merchant objects already report their bank calls here (throttled,
 * src/bank/bank-health-report.ts); a report also says whether the object's
 * circuit counts the bank as failing, and goes at once when that flips. From
 * those reports, one row per merchant:
 *
 * - "down": when at least DOWN_QUORUM_SHARE of the active merchants (never
 *   fewer than two) started failing within one cool-down, every other
 *   active merchant is told, once per outage. One merchant's timeout is not
 *   news: it would hold every merchant's payments for a cool-down.
 * - "back": when a merchant's circuit stops failing (its call got an answer
 *   below 500), every active merchant still failing is told, at most once per
 *   cool-down each. It probes now instead of at the end of its cool-down.
 *
 * News only moves circuits, never payments; each object's own probe still
 * decides. Wrong news costs a cool-down of held payments ("down": the first
 * probe that answers tells everyone "back") or one early probe ("back").
 * "Active": reported within ACTIVE_WINDOW_MS (reports come at least once a
 * minute from an object calling the bank), so idle merchants are not woken.
 */
import type { BankNews } from "../bank/bank-circuit.ts";
import type { ObjectStore } from "../platform/object-store.ts";

/** A merchant that reported within this long is told the news; older ones are idle. */
export const ACTIVE_WINDOW_MS = 5 * 60_000;
/** "down" needs this share of the active merchants failing within a cool-down (and at least two of them). */
export const DOWN_QUORUM_SHARE = 0.1;

/** Who to tell what (none: nothing to share). */
export interface SharedNews {
  news: BankNews;
  merchantIds: string[];
}

/**
 * Records one merchant's circuit as reported at `now` (the registry's
 * clock: reports come from objects on other machines), and decides whether
 * that is news for the others. In one transaction, so two reports cannot
 * both decide to share the same news.
 */
export function noteMerchantCircuit(
  store: ObjectStore,
  merchantId: string,
  failing: boolean,
  now: number,
  cooldownMs: number,
): SharedNews | null {
  return store.transactionSync(() => {
    const { sql } = store;
    const before = sql
      .exec<{ failing_since: number | null }>(`SELECT failing_since FROM bank_circuits WHERE merchant_id = ?`, merchantId)
      .toArray()[0];
    const wasFailing = before !== undefined && before.failing_since !== null;
    sql.exec(
      `INSERT INTO bank_circuits (merchant_id, reported_at, failing_since) VALUES (?, ?, ?)
       ON CONFLICT (merchant_id) DO UPDATE SET reported_at = excluded.reported_at,
         failing_since = CASE WHEN ? THEN COALESCE(bank_circuits.failing_since, excluded.failing_since) ELSE NULL END`,
      merchantId,
      now,
      failing ? now : null,
      failing ? 1 : 0,
    );
    if (failing && !wasFailing) return downNews(sql, now, cooldownMs);
    if (!failing && wasFailing) return backNews(sql, merchantId, now, cooldownMs);
    return null;
  });
}

/** Enough merchants started failing within a cool-down, and the others have not been told since the bank was last back. */
function downNews(sql: SqlStorage, now: number, cooldownMs: number): SharedNews | null {
  const signal = sql.exec<{ down_since: number | null }>(`SELECT down_since FROM bank_news WHERE singleton = 1`).toArray()[0];
  // Told already during this outage; a mark older than the active window is from one nobody reported the end of.
  if (signal?.down_since != null && signal.down_since >= now - ACTIVE_WINDOW_MS) return null;
  const { failing, active } = sql
    .exec<{ failing: number; active: number }>(
      `SELECT COUNT(*) FILTER (WHERE failing_since >= ?) AS failing, COUNT(*) AS active FROM bank_circuits WHERE reported_at >= ?`,
      now - cooldownMs,
      now - ACTIVE_WINDOW_MS,
    )
    .one();
  if (failing < Math.max(2, Math.ceil(active * DOWN_QUORUM_SHARE))) return null;
  // Marked failing as they are told, so the "back" news reaches them too.
  const told = sql
    .exec<{ merchant_id: string }>(
      `UPDATE bank_circuits SET failing_since = ? WHERE failing_since IS NULL AND reported_at >= ? RETURNING merchant_id`,
      now,
      now - ACTIVE_WINDOW_MS,
    )
    .toArray()
    .map((row) => row.merchant_id);
  sql.exec(
    `INSERT INTO bank_news (singleton, down_since) VALUES (1, ?) ON CONFLICT (singleton) DO UPDATE SET down_since = excluded.down_since`,
    now,
  );
  return told.length > 0 ? { news: "down", merchantIds: told } : null;
}

/** A merchant found the bank back: every active merchant still failing is told, at most once per cool-down each. */
function backNews(sql: SqlStorage, merchantId: string, now: number, cooldownMs: number): SharedNews | null {
  sql.exec(`UPDATE bank_news SET down_since = NULL WHERE singleton = 1`);
  const told = sql
    .exec<{ merchant_id: string }>(
      `UPDATE bank_circuits SET told_back_at = ?
       WHERE failing_since IS NOT NULL AND merchant_id != ? AND reported_at >= ? AND (told_back_at IS NULL OR told_back_at <= ?)
       RETURNING merchant_id`,
      now,
      merchantId,
      now - ACTIVE_WINDOW_MS,
      now - cooldownMs,
    )
    .toArray()
    .map((row) => row.merchant_id);
  return told.length > 0 ? { news: "back", merchantIds: told } : null;
}
