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
 *   fewer than two) fail by their own calls, every other active merchant is
 *   told, once until a merchant finds the bank back. One merchant's timeout
 *   is not news: it would hold every merchant's payments for a cool-down.
 *   Told merchants count as failing for the "back" news, never for the
 *   quorum (news must not confirm itself).
 * - "back": when a merchant's circuit stops failing (its own call, sent after
 *   any news, got an answer below 500), every active merchant still failing
 *   or told is told, at most once per cool-down each. It probes now instead
 *   of at the end of its cool-down.
 *
 * News only moves circuits, never payments; each object's own probe still
 * decides. Wrong news costs a cool-down of held payments at most ("down":
 * the first probe that answers tells everyone "back") or one early probe
 * ("back"). "Active": reported within ACTIVE_WINDOW_MS (reports come at
 * least once a minute from an object calling the bank), so idle merchants
 * are not woken.
 */
import type { BankNews } from "../bank/bank-circuit.ts";
import type { CircuitReport } from "../bank/bank-health-report.ts";
import type { ObjectStore } from "../platform/object-store.ts";

/** A merchant that reported within this long is told the news; older ones are idle. */
export const ACTIVE_WINDOW_MS = 5 * 60_000;
/** "down" needs this share of the active merchants failing by their own calls (and at least two of them). */
export const DOWN_QUORUM_SHARE = 0.1;

/** Who to tell what (none: nothing to share). */
export interface SharedNews {
  news: BankNews;
  merchantIds: string[];
}

/**
 * Records one merchant's circuit as its report of `reportedAt` (the
 * reporting object's clock: orders its reports, which may arrive out of
 * order) gave it, received at `now` (the registry's clock, for the active
 * window: reports come from objects on other machines), and decides whether
 * that is news for the others. In one transaction, so two reports cannot
 * both decide to share the same news.
 */
export function noteMerchantCircuit(
  store: ObjectStore,
  circuit: CircuitReport,
  reportedAt: number,
  now: number,
  cooldownMs: number,
): SharedNews | null {
  return store.transactionSync(() => {
    const { sql } = store;
    const before = sql
      .exec<{ report_at: number; failing_since: number | null; told_down_at: number | null }>(
        `SELECT report_at, failing_since, told_down_at FROM bank_circuits WHERE merchant_id = ?`,
        circuit.merchant_id,
      )
      .toArray()[0];
    // An older report of this object arriving late says nothing new.
    if (before !== undefined && before.report_at > reportedAt) return null;
    const failedByItself = before?.failing_since != null;
    const wasFailing = failedByItself || before?.told_down_at != null;
    const failsByItself = circuit.failing && circuit.by_own_calls;
    // A circuit only news opened is "told" (whether or not the registry could record it when it told it).
    const toldNow = circuit.failing && !circuit.by_own_calls ? now : null;
    sql.exec(
      `INSERT INTO bank_circuits (merchant_id, received_at, report_at, failing_since, told_down_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (merchant_id) DO UPDATE SET received_at = excluded.received_at, report_at = excluded.report_at,
         failing_since = CASE WHEN ? THEN COALESCE(bank_circuits.failing_since, excluded.failing_since) ELSE NULL END,
         told_down_at = CASE WHEN ? THEN COALESCE(bank_circuits.told_down_at, excluded.told_down_at) ELSE NULL END`,
      circuit.merchant_id,
      now,
      reportedAt,
      failsByItself ? now : null,
      toldNow,
      failsByItself ? 1 : 0,
      circuit.failing ? 1 : 0,
    );
    if (failsByItself && !failedByItself) return downNews(sql, now);
    if (!circuit.failing && wasFailing) return backNews(sql, circuit.merchant_id, now, cooldownMs);
    return null;
  });
}

/**
 * Enough active merchants fail by their own calls (told ones do not count:
 * news must not confirm itself), and the others were not told since a
 * merchant last found the bank back.
 */
function downNews(sql: SqlStorage, now: number): SharedNews | null {
  const signal = sql.exec<{ down_since: number | null }>(`SELECT down_since FROM bank_news WHERE singleton = 1`).toArray()[0];
  // Told already during this outage; a mark older than the active window is from one nobody reported the end of.
  if (signal?.down_since != null && signal.down_since >= now - ACTIVE_WINDOW_MS) return null;
  const { failing, active } = sql
    .exec<{ failing: number; active: number }>(
      `SELECT COUNT(failing_since) AS failing, COUNT(*) AS active FROM bank_circuits WHERE received_at >= ?`,
      now - ACTIVE_WINDOW_MS,
    )
    .one();
  if (failing < Math.max(2, Math.ceil(active * DOWN_QUORUM_SHARE))) return null;
  const told = sql
    .exec<{ merchant_id: string }>(
      `SELECT merchant_id FROM bank_circuits WHERE failing_since IS NULL AND told_down_at IS NULL AND received_at >= ?`,
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

/**
 * The merchants whose circuits the "down" news opened, each with the time
 * it heard the news on its own clock: from now on they count as failing, so
 * the "back" news reaches them too, and a report of theirs made before they
 * heard (still "not failing") is ignored when it arrives late. Only those: an
 * object not reached, or one that already counted the bank as failing, is
 * not marked.
 */
export function noteToldDown(store: ObjectStore, heard: ReadonlyArray<{ merchantId: string; heardAt: number }>, now: number): void {
  store.transactionSync(() => {
    for (const { merchantId, heardAt } of heard) {
      store.sql.exec(
        // Not one that reported since it heard (it may have probed, healed and said so already).
        `UPDATE bank_circuits SET told_down_at = ?, report_at = ? WHERE merchant_id = ? AND failing_since IS NULL AND report_at <= ?`,
        now,
        heardAt,
        merchantId,
        heardAt,
      );
    }
  });
}

/** A merchant found the bank back: every active merchant still failing is told, at most once per cool-down each. */
function backNews(sql: SqlStorage, merchantId: string, now: number, cooldownMs: number): SharedNews | null {
  sql.exec(`UPDATE bank_news SET down_since = NULL WHERE singleton = 1`);
  const told = sql
    .exec<{ merchant_id: string }>(
      `UPDATE bank_circuits SET told_back_at = ?
       WHERE (failing_since IS NOT NULL OR told_down_at IS NOT NULL) AND merchant_id != ? AND received_at >= ?
         AND (told_back_at IS NULL OR told_back_at <= ?)
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
