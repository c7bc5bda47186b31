/**
 * Reconciliation items for the statement's return entries (a settled
 * transfer's money coming back). A return is matched to its payment by the
 * returned transfer's end-to-end id, whatever day the payment was made.
 *
 * Classes:
 * - returned: the payment is returned by this very return (same bank
 *   reference), whether the poll, an import or this reconciliation applied it;
 * - unexpected_at_bank: no payment has this end-to-end id, or the payment was
 *   already returned under another reference (money the connector cannot
 *   account for);
 * - amount_mismatch: more than the payment's amount, or another currency;
 * - status_mismatch: the payment is not one a return can apply to now
 *   (still pending with the bank not confirming it settled, failed, or
 *   canceled).
 */
import type { BankReturnEntry } from "../../schemas/bank-api.ts";
import type { ReconciliationClass, ReconciliationItem } from "../../schemas/reconciliation.ts";
import { findPaymentByEndToEndId, type PaymentRow } from "../payments/payment-row.ts";
import { describeReasonCode } from "../payments/reason-codes.ts";
import { RETURN_EVENT_SOURCE } from "../payments/returns.ts";

export function returnItem(sql: SqlStorage, date: string, entry: BankReturnEntry): ReconciliationItem {
  const row = findPaymentByEndToEndId(sql, entry.return_of);
  const cls = classifyReturn(row, entry);
  return {
    class: cls,
    end_to_end_id: entry.return_of,
    payment_id: row?.id ?? null,
    connector: row ? { status: row.status, amount: row.amount, currency: row.currency } : null,
    bank: null,
    return: {
      bank_reference: entry.transfer_id,
      reason_code: entry.reason_code,
      reason: describeReasonCode(entry.reason_code).reason,
      amount: entry.amount.value,
      currency: entry.amount.currency,
      booked_at: entry.booked_at,
    },
    resolved: cls === "returned" && row !== undefined && appliedByReconciliation(sql, row.id, date, entry.transfer_id),
  };
}

export function classifyReturn(row: PaymentRow | undefined, entry: BankReturnEntry): ReconciliationClass {
  if (!row) return "unexpected_at_bank";
  if (row.status === "returned") return row.return_bank_reference === entry.transfer_id ? "returned" : "unexpected_at_bank";
  if (entry.amount.currency !== row.currency || entry.amount.value > row.amount) return "amount_mismatch";
  return "status_mismatch";
}

/** The return was applied by a reconciliation of `date` (its event says so), so every rerun of that day reports it resolved. */
function appliedByReconciliation(sql: SqlStorage, paymentId: string, date: string, bankReference: string): boolean {
  return (
    sql
      .exec(
        `SELECT 1 FROM payment_events WHERE payment_id = ? AND to_status = 'returned'
           AND json_extract(detail, '$.source') = ? AND json_extract(detail, '$.found_in') = 'statement'
           AND json_extract(detail, '$.business_date') = ? AND json_extract(detail, '$.bank_reference') = ? LIMIT 1`,
        paymentId,
        RETURN_EVENT_SOURCE,
        date,
        bankReference,
      )
      .toArray().length > 0
  );
}
