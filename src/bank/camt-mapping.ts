/**
 * camt.053 / camt.054 items (iso20022/camt-entries.ts) onto the connector's
 * statement model, for the bank's API and imported statement files alike:
 * - a debit the codec calls a transfer (PMNT/ICDT/ESCT, or naming an
 *   EndToEndId): booked is settled (as ACSC), pending is PDNG;
 * - a credit with return information: a return of the EndToEndId in its
 *   references;
 * - anything else, and a return that names no transfer, is kept as an entry
 *   reconciliation cannot attribute (end_to_end_id NOTPROVIDED when there is
 *   none): reported as unexpected_at_bank, never dropped.
 * INFO entries never reach here (the codec counts them and moves on).
 */
import type { BankStatementEntry } from "../../schemas/bank-api.ts";
import { type BankReturn, END_TO_END_ID_NOT_PROVIDED } from "./bank-port.ts";
import type { CamtItem } from "./iso20022/camt-entries.ts";

export interface MappedItems {
  entries: BankStatementEntry[];
  returns: BankReturn[];
}

/**
 * `fallbackDay`: the day to date an entry with no booking date at all (a
 * pending one): the statement's day. A date without a time is that day's
 * midnight UTC.
 */
export function mapCamtItems(items: readonly CamtItem[], fallbackDay: string): MappedItems {
  const entries: BankStatementEntry[] = [];
  const returns: BankReturn[] = [];
  for (const item of items) {
    const bookedAt = item.bookedAt ?? `${item.bookingDate ?? fallbackDay}T00:00:00.000Z`;
    if (item.kind === "return" && item.endToEndId !== null) {
      returns.push({
        transferId: item.transferId,
        returnOf: item.endToEndId,
        reasonCode: item.returnReasonCode,
        amount: { value: item.amountMinor, currency: item.currency },
        bookedAt,
      });
      continue;
    }
    const endToEndId = item.kind === "transfer" ? item.endToEndId : null;
    entries.push({
      // The bank's reference; a bank that gives none still identifies the transfer by its end-to-end id.
      transfer_id: item.transferId ?? item.endToEndId ?? "",
      end_to_end_id: endToEndId ?? END_TO_END_ID_NOT_PROVIDED,
      amount: { value: item.amountMinor, currency: item.currency },
      status: item.status === "booked" ? "ACSC" : "PDNG",
      booked_at: bookedAt,
    });
  }
  return { entries, returns };
}

/** Returns only, for notifications: a camt.054 also lists settled transfers, which inquiries already follow. */
export function returnsOf(items: readonly CamtItem[], fallbackDay: string): BankReturn[] {
  return mapCamtItems(
    items.filter((item) => item.kind === "return"),
    fallbackDay,
  ).returns;
}
