/**
 * The bank's health is news to every pending payment of the object.
 *
 * During an outage, payments back off: never-sent ones wait behind the
 * circuit, and inquiries of payments the bank may hold climb towards
 * RECOVERY_MAX_DELAY_MS (5 min). When a call then succeeds after calls that
 * failed the way the circuit counts failures, waiting out those backoffs
 * would leave payments pending for minutes after the bank healed. So every
 * pending payment due later than now + HEALED_SPREAD_MS is pulled forward to
 * a time spread evenly over the next HEALED_SPREAD_MS (one SQL statement),
 * and the alarm is moved earlier. The work stays bounded: the alarm takes at
 * most RECOVERY_BATCH_SIZE payments a run and MAX_CONCURRENT_BANK_CALLS
 * calls are in flight at once, whatever is due.
 *
 * Never pulled forward: a payment waiting to confirm a first 404
 * (first_not_found_at set) keeps its INQUIRY_CONFIRM_DELAY_MS spacing; a 404
 * confirmed sooner would prove nothing. If the bank fails again during the
 * spread, the payments not yet started return to the next action they had
 * (woken_from_at), so a flapping bank does not become a storm.
 *
 * Each object learns from its own calls (the circuit probe gives a merchant
 * in an outage one call per BANK_CIRCUIT_COOLDOWN_MS), made sooner by news
 * from the other objects through the registry (src/registry/bank-news.ts):
 * news moves the circuit's probe; only the answer to one of this object's
 * own calls, sent after any news, wakes payments.
 */

/**
 * Spreads every pending payment not yet due over the next `spreadMs`, never
 * later than it was due; returns how many. First those whose outcome is
 * unknown: a 404 to their inquiry must be confirmed INQUIRY_CONFIRM_DELAY_MS
 * later before they can be resent, so that clock starts first; then in the
 * order they were due. Those
 * due later than `now + spreadMs` are pulled forward; those due sooner are
 * mostly never-sent payments held behind the circuit until a cool-down after
 * the probe that found the bank back, and are taken up at their place in the
 * spread instead of a whole cool-down later.
 */
export function wakePendingPayments(sql: SqlStorage, now: number, spreadMs: number): number {
  const woken = sql
    .exec<{ id: string }>(
      `UPDATE payments
       SET woken_from_at = COALESCE(payments.woken_from_at, payments.next_action_at),
           next_action_at = MIN(payments.next_action_at, ? + (spread.position * ?) / spread.total)
       FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY bank_phase = 'unknown' DESC, next_action_at, id) - 1 AS position, COUNT(*) OVER () AS total
             FROM payments
             WHERE status = 'pending' AND next_action_at > ? AND first_not_found_at IS NULL) AS spread
       WHERE payments.id = spread.id
       RETURNING payments.id`,
      now,
      spreadMs,
      now,
    )
    .toArray();
  return woken.length;
}

/** The bank failed again during a spread: payments pulled forward and not yet started go back to their backoff. */
export function returnToBackoff(sql: SqlStorage, now: number): number {
  return sql
    .exec(
      `UPDATE payments SET next_action_at = MAX(woken_from_at, ?), woken_from_at = NULL
       WHERE woken_from_at IS NOT NULL AND status = 'pending' RETURNING id`,
      now,
    )
    .toArray().length;
}
