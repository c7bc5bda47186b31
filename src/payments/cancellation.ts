/**
 * Canceling a payment the connector has provably never sent: one queued
 * behind the concurrency cap, or held by store and forward during a bank
 * outage. Nothing else can be canceled here: once a credit transfer may have
 * reached the bank, only the bank could recall it.
 *
 * "Provably never sent" is the lifecycle's `queued` phase with
 * bank_may_hold = 0: no submission was ever attempted, or every one was
 * refused at the bank's door (401/403/429), so no attempt's outcome is
 * unknown. The decision and the change are one synchronous transaction of
 * the merchant object. A submission (dispatch.ts) reads the payment and
 * moves it to `sending` with no await in between, so a cancel and a send
 * of the same payment are ordered: the cancel finds it queued and the send
 * then finds it canceled, or the cancel finds it sending and refuses. Never
 * both (test/cancel-race.property.test.ts).
 *
 * A cancellation gives the payment's amount back to its day's limit (no
 * money moved); canceling a canceled payment answers it unchanged.
 */
import type { Payment } from "../../schemas/merchant-api.ts";
import { type Refusal, refuse } from "../platform/refusal.ts";
import { keyTtlMs, type PaymentsContext } from "./context.ts";
import { appendPaymentEvent } from "./event-log.ts";
import { holdKeyAfterOutcome } from "./idempotency-expiry.ts";
import { writeTransition } from "./lifecycle.ts";
import { releaseDailyTotal } from "./limits.ts";
import { findPayment, type PaymentRow, paymentFromRow } from "./payment-row.ts";

export type CancelReply = { ok: true; payment: Payment; canceledNow: boolean } | Refusal;

/** `requestId`: the merchant request that asked, kept in the payment's history. */
export function cancelPayment(ctx: PaymentsContext, paymentId: string, requestId: string | null): CancelReply {
  const { sql } = ctx.store;
  return ctx.store.transactionSync((): CancelReply => {
    const row = findPayment(sql, paymentId);
    if (!row) return refuse("not-found", "No payment with this id exists for this merchant.");
    if (row.status === "canceled") return { ok: true, payment: paymentFromRow(row), canceledNow: false };
    const refusal = whyNotCancelable(row);
    if (refusal !== null) return refuse("payment-not-cancelable", refusal);
    const now = ctx.clock.now();
    const canceled = writeTransition(sql, row, "canceled", { next_action_at: null }, now);
    releaseDailyTotal(sql, row);
    holdKeyAfterOutcome(sql, row.idempotency_key, now, keyTtlMs(ctx.config));
    appendPaymentEvent(sql, {
      paymentId: row.id,
      at: now,
      fromStatus: row.status,
      toStatus: "canceled",
      bankStatus: null,
      reasonCode: null,
      attempt: row.attempts,
      detail: { reason: "canceled by the merchant before it was ever sent", request_id: requestId },
    });
    const payment = paymentFromRow(canceled);
    ctx.onStatusChange(payment, row.status);
    return { ok: true, payment, canceledNow: true };
  });
}

/** Why this payment cannot be canceled, in a sentence for the merchant; null when it can. */
function whyNotCancelable(row: PaymentRow): string | null {
  const sentAt = row.first_sent_at === null ? null : new Date(row.first_sent_at).toISOString();
  const cannotRecall = "a sent credit transfer cannot be recalled here.";
  switch (row.status) {
    case "pending":
      if (row.bank_phase === "queued" && row.bank_may_hold === 0) return null;
      if (row.bank_phase === "sending") return `Being sent to the bank since ${sentAt ?? "just now"}; ${cannotRecall}`;
      return sentAt === null ? `The bank may already hold this payment; ${cannotRecall}` : `Sent to the bank at ${sentAt}; ${cannotRecall}`;
    case "succeeded":
      return `Sent to the bank at ${sentAt ?? "its creation"} and settled; ${cannotRecall}`;
    case "returned":
      return "The bank settled this payment and it was then returned; the money came back, there is nothing to cancel.";
    case "failed":
      return "This payment already failed and no money moved; there is nothing to cancel.";
    case "canceled":
      return null;
    default:
      return row.status satisfies never;
  }
}
