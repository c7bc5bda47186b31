/**
 * Applies what the bank proved to a payment: the answer to a submission, an
 * inquiry, a statement line, or the connector giving up on a payment the
 * bank never received. One transaction per outcome, with its event and its
 * webhook outbox rows, through the lifecycle table (lifecycle.ts).
 *
 * A final status is never changed: a later contradicting answer is logged for
 * an operator and recorded in the payment's history (an event that keeps the
 * status), not applied.
 */
import { paymentStatusForBankStatus } from "../../schemas/bank-api.ts";
import type { PaymentStatus } from "../../schemas/merchant-api.ts";
import type { InquiryOutcome } from "../bank/outcome.ts";
import { logEvent, redact, redactText } from "../platform/log.ts";
import { withoutControlCharacters } from "../platform/text.ts";
import { keyTtlMs, type PaymentsContext } from "./context.ts";
import { appendPaymentEvent } from "./event-log.ts";
import { holdKeyAfterOutcome } from "./idempotency-expiry.ts";
import { type FinalStatus, type LifecycleState, stateOf, type TransitionFields, writeTransition } from "./lifecycle.ts";
import { releaseDailyTotal } from "./limits.ts";
import { findPayment, type PaymentRow, paymentFromRow } from "./payment-row.ts";
import { retryDelayMs } from "./recovery-schedule.ts";

const MAX_BANK_MESSAGE_LENGTH = 200;

/** What recordBankOutcome applies: a bank call's outcome, or the connector giving up on a payment the bank never received. */
export type RecordedOutcome = InquiryOutcome | { kind: "undeliverable"; reason: string };

/** Where an outcome came from; a submission's not_sent restores what was known before it. */
export type OutcomeSource =
  | { operation: "submit"; bankMayHoldBefore: boolean }
  | { operation: "inquiry" }
  | { operation: "store_and_forward" }
  /** A line of the bank's statement, read by reconciliation. */
  | { operation: "statement" };

export function recordBankOutcome(
  ctx: PaymentsContext,
  paymentId: string,
  attempt: number,
  outcome: RecordedOutcome,
  source: OutcomeSource,
  eventDetail: Record<string, unknown> = {},
): void {
  ctx.drills.beforeRecordOutcome?.();
  const now = ctx.clock.now();
  const { sql } = ctx.store;
  ctx.store.transactionSync(() => {
    const row = findPayment(sql, paymentId);
    if (!row) return;
    if (row.status !== "pending") {
      recordContradiction(ctx, row, attempt, outcome, source, now);
      return;
    }
    const inquiries = row.inquiries + (source.operation === "inquiry" ? 1 : 0);
    const retryAt = now + retryDelayMs(row.attempts + inquiries, ctx.config);
    const move = (to: LifecycleState, fields: Omit<TransitionFields, "inquiries">) =>
      writeTransition(sql, row, to, { ...fields, inquiries }, now);
    const event = (toStatus: PaymentStatus, bankStatus: string | null, reasonCode: string | null, detail: Record<string, unknown>) =>
      appendEvent(ctx, row, toStatus, bankStatus, reasonCode, attempt, detail, now);

    switch (outcome.kind) {
      case "accepted": {
        const { transfer } = outcome;
        const status = paymentStatusForBankStatus(transfer.status);
        const failed = status === "failed";
        move(status === "pending" ? "acknowledged" : status, {
          bank_transfer_id: transfer.transfer_id,
          bank_status: transfer.status,
          bank_reason_code: transfer.reason_code ?? null,
          failure_code: failed ? "bank_rejected" : null,
          failure_message: failed
            ? `The bank rejected the transfer${transfer.reason_code ? ` (ISO 20022 reason ${transfer.reason_code})` : ""}.`
            : null,
          next_action_at: status === "pending" ? retryAt : null,
          bank_booked_at: transfer.booked_at === undefined ? null : Date.parse(transfer.booked_at),
        });
        if (status !== "pending") settleBookkeeping(ctx, row, status, now);
        if (status !== row.status || transfer.status !== row.bank_status) {
          event(status, transfer.status, transfer.reason_code ?? null, { transfer_id: transfer.transfer_id, ...eventDetail });
        }
        return;
      }
      case "refused": {
        const message = sanitizeBankMessage(`${outcome.code}: ${outcome.message}`);
        move("failed", {
          failure_code: "bank_refused",
          failure_message: `The bank refused the transfer (HTTP ${outcome.httpStatus}) - ${message}`,
          next_action_at: null,
        });
        settleBookkeeping(ctx, row, "failed", now);
        event("failed", null, outcome.code, { http_status: outcome.httpStatus });
        return;
      }
      case "not_sent": {
        if (source.operation === "submit") {
          // Provably refused at the door: the payment is exactly as it was before this attempt.
          move(source.bankMayHoldBefore ? "unknown" : "queued", {
            bank_may_hold: source.bankMayHoldBefore ? 1 : 0,
            next_action_at: retryAt,
          });
        } else {
          // An inquiry that never reached the bank proves nothing about the payment.
          move(row.bank_phase === "sending" ? "unknown" : stateOf(row), { next_action_at: retryAt });
        }
        event("pending", row.bank_status, null, { outcome: outcome.kind, reason: outcome.reason });
        return;
      }
      case "not_found": {
        if (row.bank_transfer_id !== null || row.bank_phase === "acknowledged") {
          // The bank once confirmed it holds this transfer; a 404 now means the
          // bank is inconsistent, not that sending again is safe. Keep asking.
          logEvent("error", "bank_contradicts_acknowledgement", { payment_id: paymentId, bank_transfer_id: row.bank_transfer_id });
          move(stateOf(row), { next_action_at: retryAt });
          event("pending", row.bank_status, null, {
            outcome: outcome.kind,
            reason: "the bank no longer finds a transfer it acknowledged; not resent",
          });
          return;
        }
        move("queued", { next_action_at: now });
        event("pending", row.bank_status, null, { outcome: outcome.kind, reason: "the bank has no such transfer" });
        return;
      }
      case "undeliverable": {
        move("failed", { failure_code: "bank_unavailable", failure_message: `Not sent: ${outcome.reason}.`, next_action_at: null });
        settleBookkeeping(ctx, row, "failed", now);
        event("failed", null, null, { outcome: outcome.kind, reason: outcome.reason });
        return;
      }
      case "unknown": {
        move(row.bank_phase === "acknowledged" ? "acknowledged" : "unknown", { next_action_at: retryAt });
        event("pending", row.bank_status, null, {
          outcome: "unknown",
          reason: outcome.reason,
          // Kept for operators, but a bank's body may echo account numbers: masked like logs.
          ...(outcome.evidence ? { bank_response: redact(outcome.evidence) } : {}),
        });
        return;
      }
      default:
        return outcome satisfies never;
    }
  });
}

/** What becoming final means beyond the row: a failure gives its amount back to the day, and the key lives a TTL from now. */
function settleBookkeeping(ctx: PaymentsContext, row: PaymentRow, status: FinalStatus, now: number): void {
  if (status === "failed") releaseDailyTotal(ctx.store.sql, row);
  holdKeyAfterOutcome(ctx.store.sql, row.idempotency_key, now, keyTtlMs(ctx.config));
}

/** A bank answer about a payment that is already final: kept in its history when it disagrees, never applied. */
function recordContradiction(
  ctx: PaymentsContext,
  row: PaymentRow,
  attempt: number,
  outcome: RecordedOutcome,
  source: OutcomeSource,
  now: number,
): void {
  // A returned payment's transfer stays settled at the bank (its return is a booking of its own): ACSC agrees with it.
  const settledAs = row.status === "returned" ? "succeeded" : row.status;
  if (outcome.kind !== "accepted" || paymentStatusForBankStatus(outcome.transfer.status) === settledAs) return;
  logEvent("error", "bank_contradicts_final_status", { payment_id: row.id, status: row.status, bank_status: outcome.transfer.status });
  // Visible to the merchant in GET /v1/payments/{id}/events, not only in
  // our logs: "failed" while the bank says ACSC means money may have moved.
  appendPaymentEvent(ctx.store.sql, {
    paymentId: row.id,
    at: now,
    fromStatus: row.status,
    toStatus: row.status,
    bankStatus: outcome.transfer.status,
    reasonCode: outcome.transfer.reason_code ?? null,
    attempt,
    detail: {
      contradiction: `the bank now reports ${outcome.transfer.status} for this ${row.status} payment; status kept, reconcile by hand`,
      transfer_id: outcome.transfer.transfer_id,
      operation: source.operation,
    },
  });
}

/** Appends the event of a change just written, and hands a status change to the webhook outbox (same transaction). */
function appendEvent(
  ctx: PaymentsContext,
  row: PaymentRow,
  toStatus: PaymentStatus,
  bankStatus: string | null,
  reasonCode: string | null,
  attempt: number,
  detail: Record<string, unknown>,
  now: number,
): void {
  appendPaymentEvent(ctx.store.sql, {
    paymentId: row.id,
    at: now,
    fromStatus: row.status,
    toStatus,
    bankStatus,
    reasonCode,
    attempt,
    detail,
  });
  if (toStatus === row.status) return; // the outbox only carries status changes
  const changed = findPayment(ctx.store.sql, row.id);
  if (changed) ctx.onStatusChange(paymentFromRow(changed), row.status);
}

/** Bank text is untrusted: bounded, single-line, and with anything IBAN-like masked. */
function sanitizeBankMessage(message: string): string {
  return redactText(withoutControlCharacters(message)).slice(0, MAX_BANK_MESSAGE_LENGTH);
}
