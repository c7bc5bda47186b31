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
import { clearAttentionOnResolution, flagAttention, unresolvedSteps } from "./attention.ts";
import { keyTtlMs, type PaymentsContext } from "./context.ts";
import { recordContradiction } from "./contradiction.ts";
import { appendPaymentEvent } from "./event-log.ts";
import { holdKeyAfterOutcome } from "./idempotency-expiry.ts";
import { type FinalStatus, type LifecycleState, stateOf, type TransitionFields, writeTransition } from "./lifecycle.ts";
import { releaseDailyTotal } from "./limits.ts";
import { judgeNotFound } from "./not-found-confirmation.ts";
import { findPayment, type PaymentRow, paymentFromRow } from "./payment-row.ts";
import { retryDelayMs } from "./recovery-schedule.ts";
import { type HeldRefusal, parseHeldRefusal, type ResendAnswer, readResendAnswer } from "./resend-refusal.ts";

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

/** Returns the payment as the outcome left it, so callers need not read it back (undefined: read it again). */
export function recordBankOutcome(
  ctx: PaymentsContext,
  paymentId: string,
  attempt: number,
  outcome: RecordedOutcome,
  source: OutcomeSource,
  eventDetail: Record<string, unknown> = {},
): PaymentRow | undefined {
  ctx.drills.beforeRecordOutcome?.();
  const now = ctx.clock.now();
  const { sql } = ctx.store;
  let written: PaymentRow | undefined;
  ctx.store.transactionSync(() => {
    const row = findPayment(sql, paymentId);
    if (!row) return;
    if (row.status !== "pending") {
      // A final status is never changed; a contradiction may mark and flag the row, returned as it left it.
      written = recordContradiction(ctx, row, attempt, outcome, source, now);
      return;
    }
    const inquiries = row.inquiries + (source.operation === "inquiry" ? 1 : 0);
    // Stuck: flagged for a person, and asked at the slowest pace from then on (the bank is not hammered).
    const stuck = row.attention_since !== null || unresolvedSteps({ ...row, inquiries }) >= ctx.config.ATTENTION_AFTER_ATTEMPTS;
    const retryAt = now + (stuck ? ctx.config.RECOVERY_MAX_DELAY_MS : retryDelayMs(row.attempts + inquiries, ctx.config));
    const step: OutcomeStep = {
      ctx,
      row,
      now,
      retryAt,
      move: (to, fields) => {
        written = writeTransition(sql, row, to, { ...fields, inquiries }, now);
      },
      event: (toStatus, bankStatus, reasonCode, detail) =>
        appendEvent(ctx, row, written ?? row, toStatus, bankStatus, reasonCode, attempt, detail, now),
    };
    applyOutcome(step, outcome, source, eventDetail);

    // The row as written (no read-back), and as the attention flag changes it after the transition.
    const after = written ?? row;
    if (after.status === "pending") {
      if (stuck) written = flagAttention(sql, after, "attempts_exceeded", now, ctx.merchant().id) ?? written;
    } else if (after.attention_reason !== null) {
      written = clearAttentionOnResolution(sql, after) ?? after;
    }
  });
  return written;
}

/** One outcome being applied to one pending payment, inside its transaction. */
interface OutcomeStep {
  ctx: PaymentsContext;
  row: PaymentRow;
  now: number;
  /** The next action's time on the payment's backoff. */
  retryAt: number;
  move(to: LifecycleState, fields: Omit<TransitionFields, "inquiries">): void;
  event(toStatus: PaymentStatus, bankStatus: string | null, reasonCode: string | null, detail: Record<string, unknown>): void;
}

function applyOutcome(step: OutcomeStep, outcome: RecordedOutcome, source: OutcomeSource, eventDetail: Record<string, unknown>): void {
  const { ctx, row, now, retryAt, move, event } = step;
  // A resend of a payment the bank may hold: a refusal is not final on its own (resend-refusal.ts).
  if (source.operation === "submit" && source.bankMayHoldBefore) {
    const resend = readResendAnswer(outcome);
    if (resend.kind !== "answer") {
      holdResendRefusal(step, resend);
      return;
    }
  }
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
        first_not_found_at: null,
        resend_refusal: null,
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
    case "not_found":
      applyNotFound(step);
      return;
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
      outcome satisfies never;
  }
}

/** A 404 to an inquiry: "never received" only when the payment was never sent, or once confirmed (not-found-confirmation.ts). */
function applyNotFound(step: OutcomeStep): void {
  const { ctx, row, now, retryAt, move, event } = step;
  if (row.bank_transfer_id !== null || row.bank_phase === "acknowledged") {
    // The bank once confirmed it holds this transfer; a 404 now means the
    // bank is inconsistent, not that sending again is safe. Keep asking.
    logEvent("error", "bank_contradicts_acknowledgement", { payment_id: row.id, bank_transfer_id: row.bank_transfer_id });
    move(stateOf(row), { next_action_at: retryAt });
    event("pending", row.bank_status, null, {
      outcome: "not_found",
      reason: "the bank no longer finds a transfer it acknowledged; not resent",
    });
    return;
  }
  // Queued (never sent, or already proven absent): it is sent next, whatever this 404 adds.
  if (row.bank_phase === "queued") return;
  const verdict = judgeNotFound(row, now, ctx.config);
  const waiting = "unknown";
  switch (verdict.kind) {
    case "too_early":
      move(waiting, { next_action_at: verdict.askAgainAt });
      event("pending", row.bank_status, null, {
        outcome: "not_found",
        reason: "not counted: the last submission could still reach the bank (within BANK_TIMEOUT_MS)",
      });
      return;
    case "first":
      move(waiting, { first_not_found_at: now, next_action_at: verdict.askAgainAt });
      event("pending", row.bank_status, null, {
        outcome: "not_found",
        reason: `first 404: asked again after ${ctx.config.INQUIRY_CONFIRM_DELAY_MS} ms before it counts (a lagging bank replica answers 404 too)`,
      });
      return;
    case "unconfirmed":
      move(waiting, { next_action_at: verdict.askAgainAt });
      return;
    case "confirmed": {
      const held = parseHeldRefusal(row.resend_refusal);
      if (held) {
        failOnHeldRefusal(step, held);
        return;
      }
      move("queued", { first_not_found_at: null, next_action_at: now });
      event("pending", row.bank_status, null, { outcome: "not_found", reason: "the bank has no such transfer (404 confirmed)" });
      return;
    }
    default:
      verdict satisfies never;
  }
}

/** The bank refused a resend: held (or, for a duplicate, the bank's word that it holds the payment) until an inquiry decides. */
function holdResendRefusal(step: OutcomeStep, resend: Exclude<ResendAnswer, { kind: "answer" }>): void {
  const { row, retryAt, move, event } = step;
  if (resend.kind === "duplicate") {
    move("acknowledged", { resend_refusal: null, next_action_at: retryAt });
    event("pending", row.bank_status, resend.code, {
      outcome: "duplicate",
      reason: "the bank refused the resend as a duplicate: it holds the first attempt; asking for its status, never failed on this answer",
    });
    return;
  }
  move("unknown", { resend_refusal: JSON.stringify(resend.refusal), next_action_at: retryAt });
  event("pending", row.bank_status, resend.refusal.code || null, {
    outcome: "resend_refused",
    reason:
      "the bank refused a resend of a payment it may hold; an inquiry decides (a refusal is final only once the bank proves it holds nothing)",
    ...(resend.refusal.http_status === null ? {} : { http_status: resend.refusal.http_status }),
  });
}

/** A held refusal, and the bank has twice said it holds nothing: the refusal stands. */
function failOnHeldRefusal(step: OutcomeStep, held: HeldRefusal): void {
  const { ctx, row, now, move, event } = step;
  const message = sanitizeBankMessage(`${held.code || "unspecified"}: ${held.message}`);
  const rejected = held.kind === "rejected";
  move("failed", {
    failure_code: rejected ? "bank_rejected" : "bank_refused",
    failure_message: rejected
      ? `The bank rejected the transfer${held.code ? ` (ISO 20022 reason ${held.code})` : ""} and holds no transfer with its end-to-end id.`
      : `The bank refused the transfer (HTTP ${held.http_status}) - ${message}; it holds no transfer with its end-to-end id.`,
    next_action_at: null,
  });
  settleBookkeeping(ctx, row, "failed", now);
  event("failed", null, held.code || null, { outcome: "not_found", reason: "404 confirmed after a refused resend: the refusal stands" });
}

/** What becoming final means beyond the row: a failure gives its amount back to the day, and the key lives a TTL from now. */
function settleBookkeeping(ctx: PaymentsContext, row: PaymentRow, status: FinalStatus, now: number): void {
  if (status === "failed") releaseDailyTotal(ctx.store.sql, row);
  holdKeyAfterOutcome(ctx.store.sql, row.idempotency_key, now, keyTtlMs(ctx.config));
}

/**
 * Appends the event of a change just written, and hands a status change to
 * the webhook outbox (same transaction): `row` as it was, `changed` as the
 * transition left it.
 */
function appendEvent(
  ctx: PaymentsContext,
  row: PaymentRow,
  changed: PaymentRow,
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
  ctx.onStatusChange(paymentFromRow(changed), row.status);
}

/** Bank text is untrusted: bounded, single-line, and with anything IBAN-like masked. */
function sanitizeBankMessage(message: string): string {
  return redactText(withoutControlCharacters(message)).slice(0, MAX_BANK_MESSAGE_LENGTH);
}
