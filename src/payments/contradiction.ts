/**
 * A bank answer about a payment that is already final. The status is never
 * rewritten (the merchant was told it, and acted on it); a disagreement is
 * logged for an operator and kept in the payment's history.
 *
 * One disagreement is money: the bank settled (ACSC/ACCC) a payment the
 * connector reported failed. Money moved, so its amount counts against the
 * day again, the payment is flagged `bank_contradiction` (which only an
 * operator clears), it carries a `discrepancy`, and the merchant is told by
 * a `payment.bank_contradiction` webhook event. Once per payment.
 */
import { paymentStatusForBankStatus } from "../../schemas/bank-api.ts";
import type { PaymentDiscrepancy } from "../../schemas/merchant-api.ts";
import { logEvent } from "../platform/log.ts";
import { flagAttention } from "./attention.ts";
import type { PaymentsContext } from "./context.ts";
import { appendPaymentEvent } from "./event-log.ts";
import { addToDailyTotal } from "./limits.ts";
import type { OutcomeSource, RecordedOutcome } from "./outcomes.ts";
import { type PaymentRow, paymentFromRow } from "./payment-row.ts";

/** Must run inside the transaction that read `row`; returns the payment as it left it (no read-back). */
export function recordContradiction(
  ctx: PaymentsContext,
  row: PaymentRow,
  attempt: number,
  outcome: RecordedOutcome,
  source: OutcomeSource,
  now: number,
): PaymentRow {
  if (outcome.kind !== "accepted") return row;
  const { transfer } = outcome;
  const bankSays = paymentStatusForBankStatus(transfer.status);
  // A returned payment's transfer stays settled at the bank (its return is a booking of its own): ACSC agrees with it.
  const settledAs = row.status === "returned" ? "succeeded" : row.status;
  if (bankSays === settledAs) return row;
  logEvent("error", "bank_contradicts_final_status", { payment_id: row.id, status: row.status, bank_status: transfer.status });
  // Visible to the merchant in GET /v1/payments/{id}/events, not only in
  // our logs: "failed" while the bank says ACSC means money may have moved.
  appendPaymentEvent(ctx.store.sql, {
    paymentId: row.id,
    at: now,
    fromStatus: row.status,
    toStatus: row.status,
    bankStatus: transfer.status,
    reasonCode: transfer.reason_code ?? null,
    attempt,
    detail: {
      contradiction: `the bank now reports ${transfer.status} for this ${row.status} payment; status kept, reconcile by hand`,
      transfer_id: transfer.transfer_id,
      operation: source.operation,
    },
  });
  if (row.status !== "failed" || bankSays !== "succeeded" || row.discrepancy !== null) return row;

  const discrepancy: PaymentDiscrepancy = {
    kind: "settled_after_failure",
    bank_status: transfer.status,
    transfer_id: transfer.transfer_id,
    source: source.operation === "statement" ? "statement" : "inquiry",
    detected_at: new Date(now).toISOString(),
    message: `The bank settled this payment (${transfer.status}) after it was reported failed: the money moved. The status stays failed; an operator decides.`,
  };
  const { sql } = ctx.store;
  const marked: PaymentRow = { ...row, discrepancy: JSON.stringify(discrepancy) };
  sql.exec(`UPDATE payments SET discrepancy = ? WHERE id = ?`, marked.discrepancy, row.id);
  // Failing gave the amount back to the day; the bank moved it after all.
  addToDailyTotal(sql, row.created_at, row.currency, row.amount);
  const merchantId = ctx.merchant().id;
  const changed = flagAttention(sql, marked, "bank_contradiction", now, merchantId) ?? marked;
  logEvent("error", "bank_settled_failed_payment", {
    merchant_id: merchantId,
    payment_id: row.id,
    bank_status: transfer.status,
    amount: row.amount,
    currency: row.currency,
    source: discrepancy.source,
  });
  ctx.onBankContradiction(paymentFromRow(changed));
  return changed;
}
