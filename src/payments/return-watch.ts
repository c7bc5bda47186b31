/**
 * The return watch: a capability of the merchant object that asks the bank,
 * on the object's alarm, for returns booked on the merchant's account
 * (GET …/notifications since a watermark) and applies each through the one
 * return path (returns.ts).
 *
 * - It runs every RETURNS_POLL_INTERVAL_MS while a payment of the merchant
 *   succeeded within RETURN_WINDOW_DAYS (and while a return is kept waiting
 *   for its payment to settle). Returns of older payments are still found by
 *   the daily reconciliation, whose statement lists every return booked that
 *   day whatever the payment's age.
 * - The watermark `since` is stored and only moves forward, to the latest
 *   booking time of a page once every entry of that page has been applied.
 *   `since` is inclusive, so the entries booked at the watermark are read
 *   again on the next poll; applying a return twice changes nothing.
 * - Returns kept unconfirmed (their payment was pending) are tried again
 *   first on every poll: the payment may have settled since.
 */
import type { Payment } from "../../schemas/merchant-api.ts";
import { logPageCall } from "../bank/bank-call.ts";
import type { PaymentsContext } from "./context.ts";
import type { PaymentReturns } from "./returns.ts";

/** A poll follows at most this many notification pages; the rest waits for the next poll (the watermark has moved). */
export const MAX_NOTIFICATION_PAGES_PER_POLL = 100;
/** Kept returns tried again per poll. */
export const MAX_KEPT_RETURNS_PER_POLL = 100;
/** The first watermark is set this far before a payment's success, for a bank whose clock is behind ours. */
export const RETURN_WATERMARK_SLACK_MS = 5 * 60_000;
const DAY_MS = 86_400_000;

type WatchRow = { since: number | null; polled_at: number | null; last_succeeded_at: number | null };

export interface ReturnPollResult {
  /** Notification pages read (0 when the bank could not be read). */
  pages: number;
  /** Return entries handed to the return path (kept ones included). */
  entries: number;
  /** Why the bank's notifications could not be read, if they could not. */
  failure?: string;
}

export class ReturnWatch {
  private running: Promise<ReturnPollResult> | null = null;

  constructor(
    private readonly ctx: PaymentsContext,
    private readonly returns: PaymentReturns,
  ) {}

  /**
   * In the transaction of a payment's status change: a success starts (or
   * extends) the window, and gives the watermark its first value.
   */
  notePaymentStatus(payment: Payment): void {
    if (payment.status !== "succeeded") return;
    const at = Date.parse(payment.updated_at);
    this.ctx.store.sql.exec(
      `UPDATE return_watch SET last_succeeded_at = MAX(COALESCE(last_succeeded_at, 0), ?), since = COALESCE(since, ?) WHERE singleton = 1`,
      at,
      at - RETURN_WATERMARK_SLACK_MS,
    );
  }

  /** When the alarm must come back to poll; null while there is nothing to watch. */
  nextDueAt(): number | null {
    const row = this.read();
    const now = this.ctx.clock.now();
    const windowMs = this.ctx.config.RETURN_WINDOW_DAYS * DAY_MS;
    const inWindow = row.last_succeeded_at !== null && now < row.last_succeeded_at + windowMs;
    if (!inWindow && !this.returns.hasUnconfirmed()) return null;
    return row.polled_at === null ? now : row.polled_at + this.ctx.config.RETURNS_POLL_INTERVAL_MS;
  }

  /** Polls when due by `asOf` (tests pass a later time); a poll already running is joined, never doubled. */
  async pollDue(asOf: number): Promise<ReturnPollResult> {
    if (this.running) return this.running;
    const due = this.nextDueAt();
    if (due === null || due > asOf) return { pages: 0, entries: 0 };
    this.running = this.poll().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async poll(): Promise<ReturnPollResult> {
    const { sql } = this.ctx.store;
    const now = this.ctx.clock.now();
    // Stamped first: a poll that fails (or dies) waits an interval rather than retrying every alarm.
    sql.exec(`UPDATE return_watch SET polled_at = ? WHERE singleton = 1`, now);
    const result: ReturnPollResult = { pages: 0, entries: 0 };

    for (const entry of this.returns.unconfirmed(MAX_KEPT_RETURNS_PER_POLL)) {
      await this.returns.apply(entry, { foundIn: "earlier_sighting" });
      result.entries++;
    }

    const merchant = this.ctx.merchant();
    const since = this.read().since ?? now - this.ctx.config.RETURN_WINDOW_DAYS * DAY_MS;
    const sinceText = new Date(since).toISOString();
    const cursorsSeen = new Set<string>();
    let cursor: string | null = null;
    for (let page = 1; page <= MAX_NOTIFICATION_PAGES_PER_POLL; page++) {
      const call = await this.ctx.bank().fetchNotifications({ debtorIban: merchant.debtor_iban, since: sinceText, cursor });
      logPageCall(call, { merchant_id: merchant.id, operation: "notifications", since: sinceText, page });
      if (call.outcome.kind === "failed") {
        result.failure = call.outcome.reason;
        break;
      }
      result.pages++;
      let latest = since;
      for (const entry of call.outcome.page.entries) {
        await this.returns.apply(entry, { foundIn: "notifications" });
        result.entries++;
        latest = Math.max(latest, Date.parse(entry.booked_at));
      }
      // The whole page is applied: the watermark may move up to it (never back).
      sql.exec(`UPDATE return_watch SET since = ? WHERE singleton = 1 AND (since IS NULL OR since < ?)`, latest, latest);
      cursor = call.outcome.page.next_cursor;
      if (cursor === null) break;
      if (cursorsSeen.has(cursor)) {
        result.failure = `notifications page ${page} repeats an earlier cursor`;
        break;
      }
      cursorsSeen.add(cursor);
    }
    return result;
  }

  private read(): WatchRow {
    return (
      this.ctx.store.sql
        .exec<WatchRow>(`SELECT since, polled_at, last_succeeded_at FROM return_watch WHERE singleton = 1`)
        .toArray()[0] ?? { since: null, polled_at: null, last_succeeded_at: null }
    );
  }
}
