/**
 * Payment ids: `pay_<ULID>`; the bank's end-to-end id is the bare ULID.
 *
 * Ids are monotonic within an instance by the ULID factory; across instances
 * (after an eviction, possibly on another host whose clock is a little
 * behind) the first id is seeded past the highest stored one, so id order
 * stays creation order and keyset paging never skips a payment.
 */
import { decodeTime } from "ulid";
import { monotonicUlidFactory } from "../platform/ulid.ts";

export const PAYMENT_ID_PREFIX = "pay_";

export class PaymentIdMint {
  private readonly nextUlid = monotonicUlidFactory();
  private seeded = false;

  /** A new id, to be called inside the admission transaction (it may read the highest stored id once). */
  next(sql: SqlStorage, now: number): { paymentId: string; endToEndId: string } {
    const ulid = this.nextUlid(this.seed(sql, now));
    return { paymentId: PAYMENT_ID_PREFIX + ulid, endToEndId: ulid };
  }

  private seed(sql: SqlStorage, now: number): number {
    if (this.seeded) return now;
    this.seeded = true;
    const highest = sql.exec<{ id: string }>(`SELECT id FROM payments ORDER BY id DESC LIMIT 1`).toArray()[0];
    if (!highest) return now;
    try {
      return Math.max(now, decodeTime(highest.id.slice(PAYMENT_ID_PREFIX.length)) + 1);
    } catch {
      return now; // not a ULID (a row written by hand): nothing to order against
    }
  }
}
