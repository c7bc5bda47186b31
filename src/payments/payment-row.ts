/** The payments table's row shape and its mapping to the merchant API's Payment. */
import type { AttentionReason, Payment, PaymentDiscrepancy, PaymentStatus } from "../../schemas/merchant-api.ts";
import { failureReason } from "./failure-reasons.ts";
import type { BankPhase } from "./lifecycle.ts";
import { describeReasonCode } from "./reason-codes.ts";

export type PaymentRow = {
  id: string;
  idempotency_key: string;
  status: PaymentStatus;
  amount: number;
  currency: string;
  creditor_name: string;
  creditor_iban: string;
  reference: string;
  metadata: string;
  end_to_end_id: string;
  bank_phase: BankPhase;
  bank_transfer_id: string | null;
  bank_status: string | null;
  bank_reason_code: string | null;
  failure_code: string | null;
  failure_message: string | null;
  attempts: number;
  /**
   * 1 once a submission was attempted that did not provably fail to reach the
   * bank (timeout, reset, 5xx, bad answer, crash mid-call). Such a payment is
   * never failed for being undeliverable: only an answer from the bank ends it.
   */
  bank_may_hold: number;
  /** Status inquiries made so far; with attempts, drives the backoff. */
  inquiries: number;
  /** When the bank booked the transfer (its statement day), from the first answer that said; null if unknown. */
  bank_booked_at: number | null;
  /** The bank request as first built (src/bank/bank-port.ts PreparedTransfer): which profile built it, and its body. */
  bank_request_format: string | null;
  bank_request: string | null;
  /** When the payment was first sent to the bank (its first move to sending); null while it never was. */
  first_sent_at: number | null;
  /** Set together when the payment is returned (returns.ts): the bank's return entry. */
  return_reason_code: string | null;
  return_amount: number | null;
  return_currency: string | null;
  /** When the bank booked the return. */
  returned_at: number | null;
  return_bank_reference: string | null;
  next_action_at: number | null;
  created_at: number;
  updated_at: number;
  /** The first 404 to an inquiry after an unknown outcome, awaiting its confirmation (INQUIRY_CONFIRM_DELAY_MS later). */
  first_not_found_at: number | null;
  /** When the latest submission started; a 404 counts only once that attempt's timeout has passed. */
  last_sent_at: number | null;
  /** JSON HeldRefusal: the bank refused a resend of a payment it may hold; an inquiry decides (resend-refusal.ts). */
  resend_refusal: string | null;
  attention_since: number | null;
  attention_reason: AttentionReason | null;
  /** attempts + inquiries when an operator last cleared the flag: counting starts again from there. */
  attention_reset_steps: number;
  attention_reset_at: number | null;
  /** JSON PaymentDiscrepancy: the bank contradicted the payment's final status. */
  discrepancy: string | null;
  /** The next action it had before the bank's healing pulled it forward; null once its step started (healing-wake.ts). */
  woken_from_at: number | null;
};

export function paymentFromRow(row: PaymentRow): Payment {
  const payment: Payment = {
    id: row.id,
    status: row.status,
    amount: row.amount,
    currency: row.currency,
    creditor: { name: row.creditor_name, iban: row.creditor_iban },
    reference: row.reference,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  };
  if (row.failure_code !== null) {
    payment.failure = {
      code: row.failure_code,
      message: row.failure_message ?? "",
      reason: failureReason(row.failure_code, row.bank_status === "RJCT" ? row.bank_reason_code : null),
    };
  }
  if (row.status === "returned" && row.return_reason_code !== null) {
    payment.return = {
      reason_code: row.return_reason_code,
      reason: describeReasonCode(row.return_reason_code).reason,
      amount: { value: row.return_amount ?? row.amount, currency: row.return_currency ?? row.currency },
      returned_at: new Date(row.returned_at ?? row.updated_at).toISOString(),
      bank_reference: row.return_bank_reference ?? "",
    };
  }
  if (row.bank_status !== null) {
    payment.bank = { transfer_id: row.bank_transfer_id, status: row.bank_status };
    if (row.bank_reason_code !== null) payment.bank.reason_code = row.bank_reason_code;
  }
  if (row.attention_since !== null && row.attention_reason !== null) {
    payment.attention = { since: new Date(row.attention_since).toISOString(), reason: row.attention_reason };
  }
  if (row.discrepancy !== null) payment.discrepancy = JSON.parse(row.discrepancy) as PaymentDiscrepancy;
  return payment;
}

export function utcDay(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

export function findPayment(sql: SqlStorage, paymentId: string): PaymentRow | undefined {
  return sql.exec<PaymentRow>(`SELECT * FROM payments WHERE id = ?`, paymentId).toArray()[0];
}

/** The payment a bank entry names by its end-to-end id (unique per merchant). */
export function findPaymentByEndToEndId(sql: SqlStorage, endToEndId: string): PaymentRow | undefined {
  return sql.exec<PaymentRow>(`SELECT * FROM payments WHERE end_to_end_id = ?`, endToEndId).toArray()[0];
}
