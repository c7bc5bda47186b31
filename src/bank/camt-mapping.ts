/**
 * camt.053 / camt.054 items (iso20022/camt-entries.ts) onto the connector's
 * statement model, for the bank's API and imported statement files alike:
 * - a debit the codec calls a transfer (PMNT/ICDT/ESCT, or naming an
 *   EndToEndId): booked is settled (as ACSC), pending is PDNG;
 * - a credit with return information: a return of the EndToEndId in its
 *   references;
 * - anything else (a reversal among them), and a return that names no transfer, is kept as an entry
 *   reconciliation cannot attribute (end_to_end_id NOTPROVIDED when there is
 *   none): reported as unexpected_at_bank, never dropped.
 * INFO entries never reach here (the codec counts them and moves on).
 */
import { type BankReturnEntry, type BankStatementLine, isReturnEntry } from "../../schemas/bank-api.ts";
import { END_TO_END_ID_NOT_PROVIDED } from "./bank-port.ts";
import type { CamtItem } from "./iso20022/camt-entries.ts";

/**
 * The reason reported for a return that carries no coded reason (RtrInf
 * without Rsn/Cd): ISO 20022's external return reason for "reason given as
 * narrative", which is all such a return says.
 */
export const RETURN_REASON_NOT_CODED = "NARR";

/**
 * The statement lines of camt items, in order. `fallbackDay`: the day to
 * date an entry with no booking date at all (a pending one): the
 * statement's day. A date without a time is that day's midnight UTC.
 */
export function mapCamtItems(items: readonly CamtItem[], fallbackDay: string): BankStatementLine[] {
  return items.map((item): BankStatementLine => {
    const bookedAt = item.bookedAt ?? `${item.bookingDate ?? fallbackDay}T00:00:00.000Z`;
    if (item.kind === "return" && item.endToEndId !== null) {
      return {
        type: "return",
        // A bank that gives the return no reference of its own: one per returned transfer (it can come back only once).
        transfer_id: item.transferId ?? `R-${item.endToEndId}`,
        return_of: item.endToEndId,
        reason_code: item.returnReasonCode ?? RETURN_REASON_NOT_CODED,
        amount: { value: item.amountMinor, currency: item.currency },
        booked_at: bookedAt,
      };
    }
    // A reversal (RvslInd) naming our EndToEndId undoes that booking: never read as its settlement, kept for a person.
    const endToEndId = item.kind === "transfer" && !item.reversal ? item.endToEndId : null;
    return {
      // The bank's reference; a bank that gives none still identifies the transfer by its end-to-end id.
      transfer_id: item.transferId ?? item.endToEndId ?? END_TO_END_ID_NOT_PROVIDED,
      end_to_end_id: endToEndId ?? END_TO_END_ID_NOT_PROVIDED,
      amount: { value: item.amountMinor, currency: item.currency },
      status: item.status === "booked" ? "ACSC" : "PDNG",
      booked_at: bookedAt,
    };
  });
}

/** Returns only, for notifications: a camt.054 also lists settled transfers, which inquiries already follow. */
export function returnsOf(items: readonly CamtItem[], fallbackDay: string): BankReturnEntry[] {
  return mapCamtItems(
    items.filter((item) => item.kind === "return"),
    fallbackDay,
  ).filter(isReturnEntry);
}
