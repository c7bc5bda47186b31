/**
 * The payment capability of a merchant object: admission, the answer to the
 * merchant, reads, and the alarm's payment work. The object authorizes each
 * call and delegates here. Phases (Brandur Leach's atomic phases): admit →
 * mark sending → call the bank → record the outcome; each phase is a
 * transaction, and a crash between two is resumed by recovery from what the
 * last phase stored.
 */

import type { BankReturnEntry } from "../../schemas/bank-api.ts";
import type { PaymentStatus } from "../../schemas/merchant-api.ts";
import type { BankNews } from "../bank/bank-circuit.ts";
import type { InquiryOutcome } from "../bank/outcome.ts";
import { earliest } from "../platform/earliest.ts";
import { logEvent } from "../platform/log.ts";
import { refuse } from "../platform/refusal.ts";
import { admitPayment, type CreatePaymentCommand } from "./admission.ts";
import { clearAttentionByOperator, flagAttention, flagLongPending, nextLongPendingAt } from "./attention.ts";
import { type CancelReply, cancelPayment } from "./cancellation.ts";
import { inFlightDeadline, keyTtlMs, type PayingMerchant, type PaymentsContext } from "./context.ts";
import { BankDispatch } from "./dispatch.ts";
import { readPaymentEvents, verifyPaymentHistory } from "./event-log.ts";
import { KeyPurge, keyExpiresAt } from "./idempotency-expiry.ts";
import { InFlightWork } from "./in-flight.ts";
import { type OutcomeSource, type RecordedOutcome, recordBankOutcome } from "./outcomes.ts";
import { PaymentIdMint } from "./payment-ids.ts";
import { type PaymentListQuery, readPaymentPage } from "./payment-listing.ts";
import { findPayment, type PaymentRow, paymentFromRow } from "./payment-row.ts";
import { PaymentRecovery } from "./recovery.ts";
import type { GetPaymentReply, PaymentEventsReply, PaymentPageReply, PaymentReply } from "./replies.ts";
import { PaymentReturns, type ReturnApplication, type ReturnSource } from "./returns.ts";

export class Payments {
  readonly inflight = new InFlightWork();
  private readonly ids = new PaymentIdMint();
  private readonly dispatch: BankDispatch;
  private readonly recovery: PaymentRecovery;
  private readonly keys: KeyPurge;
  /** Returns of settled payments (returns.ts); the return watch and reconciliation apply theirs through `applyReturn`. */
  readonly returns: PaymentReturns;

  constructor(private readonly ctx: PaymentsContext) {
    this.dispatch = new BankDispatch(ctx);
    this.recovery = new PaymentRecovery(ctx, this.dispatch, this.inflight);
    this.keys = new KeyPurge(ctx.store.sql, keyTtlMs(ctx.config));
    this.returns = new PaymentReturns(ctx, (row) => this.dispatch.inquire(row));
  }

  /** `requestId`: the merchant request, for the bank call's log line. */
  async create(merchant: PayingMerchant, command: CreatePaymentCommand, requestId: string): Promise<PaymentReply> {
    const admission = admitPayment(this.ctx, this.ids, merchant, command, this.ctx.clock.now());
    switch (admission.kind) {
      case "reuse":
        return refuse(
          "idempotency-key-reuse",
          "This Idempotency-Key was already used with a different request body. Use a new key for a new payment.",
        );
      case "refused":
      case "replay-refusal":
        return {
          ...admission.refusal,
          replayed: admission.kind === "replay-refusal",
          idempotencyExpiresAt: new Date(admission.expiresAt).toISOString(),
        };
      case "replay": {
        // Coalesce onto the first request's bank call instead of answering "in progress".
        const running = this.inflight.get(admission.paymentId);
        const final = admission.payment?.status === "pending" ? undefined : admission.payment;
        // A final payment read by this turn's admission transaction, with no await since, is current: no second read.
        if (!running && final) return this.replyFromRow(final, true, admission.expiresAt);
        if (running) await running;
        else await this.ensureRecoveryArmed(admission.payment);
        return this.paymentReply(admission.paymentId, true, admission.expiresAt);
      }
      case "admitted": {
        // Registered as in flight before the first await, so a concurrent
        // replay always coalesces onto this call.
        let after: PaymentRow | undefined;
        await this.inflight.track(admission.paymentId, async () => {
          // A failure to arm the alarm must not strand the payment unsent:
          // submit re-arms it once the bank has answered.
          await this.ctx.ensureAlarmBy(inFlightDeadline(this.ctx.config, this.ctx.clock.now())).catch((error: unknown) => {
            logEvent("error", "alarm_arm_failed", { payment_id: admission.paymentId, error: String(error) });
          });
          after = await this.dispatch.submit(admission.paymentId, requestId);
        });
        // A final payment is answered as the outcome left it, the state it reached during this request (a later
        // return shows on the next read, as if it had landed a moment after); a pending one is read again.
        if (after && after.status !== "pending") return this.replyFromRow(after, false, admission.expiresAt);
        return this.paymentReply(admission.paymentId, false, admission.expiresAt);
      }
      default:
        return admission satisfies never;
    }
  }

  get(paymentId: string): GetPaymentReply {
    const row = findPayment(this.ctx.store.sql, paymentId);
    return row ? { ok: true, payment: paymentFromRow(row) } : paymentNotFound();
  }

  events(paymentId: string): PaymentEventsReply {
    const row = findPayment(this.ctx.store.sql, paymentId);
    if (!row) return paymentNotFound();
    const events = readPaymentEvents(this.ctx.store.sql, paymentId);
    return { ok: true, events, verification: verifyPaymentHistory(events, row.status) };
  }

  /** One page in id order (payment-listing.ts); the Worker owns the cursor. */
  list(query: PaymentListQuery): PaymentPageReply {
    const page = readPaymentPage(this.ctx.store.sql, query);
    return { ok: true, payments: page.rows.map(paymentFromRow), hasMore: page.hasMore };
  }

  /** The alarm's payment work: expired idempotency keys, payments pending too long flagged, then the payments due by `asOf`. */
  async runDue(asOf: number): Promise<number> {
    const now = this.ctx.clock.now();
    this.keys.run(now);
    this.ctx.drills.beforeRecovery?.();
    this.ctx.store.transactionSync(() => flagLongPending(this.ctx.store.sql, now, this.ctx.config, this.ctx.merchant().id));
    return this.recovery.recoverDue(asOf);
  }

  /** When the alarm must come back for payment work (a due payment, an expiring key, a payment about to be pending too long). */
  nextDueAt(): number | null {
    return earliest(
      this.recovery.nextDueAt(),
      this.keys.nextDueAt(this.ctx.clock.now()),
      nextLongPendingAt(this.ctx.store.sql, this.ctx.config),
    );
  }

  /** News of the bank from other merchant objects (dispatch.ts): re-arms the alarm when it moved the circuit, and says when. */
  async hearBankNews(news: BankNews): Promise<number | null> {
    const heardAt = this.dispatch.hearBankNews(news);
    if (heardAt !== null) await this.ctx.rescheduleAlarm();
    return heardAt;
  }

  /** Operator: clears a payment's attention flag (attention.ts); the object then tells the registry. */
  clearAttention(paymentId: string): GetPaymentReply {
    const { sql } = this.ctx.store;
    const row = this.ctx.store.transactionSync(() => {
      const found = findPayment(sql, paymentId);
      // The row as the clear left it (no read-back); unchanged when it was not flagged.
      return found && (clearAttentionByOperator(sql, found, this.ctx.clock.now()) ?? found);
    });
    return row ? { ok: true, payment: paymentFromRow(row) } : paymentNotFound();
  }

  /**
   * Reconciliation's question to the bank before it settles a payment from
   * the statement: the same inquiry recovery makes (concurrency cap,
   * circuit, log line); its answer is the caller's to apply.
   */
  inquire(row: PaymentRow): Promise<InquiryOutcome> {
    return this.dispatch.inquire(row);
  }

  /**
   * The statement and the bank's answer disagree about a payment: a person
   * should look. Only if it is still in `status` (an answer that resolved it
   * meanwhile settled the question).
   */
  flagStatusMismatch(paymentId: string, status: PaymentStatus): void {
    const { sql } = this.ctx.store;
    this.ctx.store.transactionSync(() => {
      const row = findPayment(sql, paymentId);
      if (row?.status === status) flagAttention(sql, row, "status_mismatch", this.ctx.clock.now(), this.ctx.merchant().id);
    });
  }

  /**
   * Applies what the bank said about a payment outside a call this
   * capability made: a statement line (reconciliation), or, in tests, an
   * answer racing another path.
   */
  recordOutcome(
    paymentId: string,
    attempt: number,
    outcome: RecordedOutcome,
    source: OutcomeSource,
    eventDetail?: Record<string, unknown>,
  ): void {
    recordBankOutcome(this.ctx, paymentId, attempt, outcome, source, eventDetail);
  }

  /**
   * Applies a return entry from the bank, whichever way it was learned (the
   * notifications poll, a daily statement, an imported statement file): the
   * one path for all three (returns.ts).
   */
  applyReturn(entry: BankReturnEntry, source: ReturnSource): Promise<ReturnApplication> {
    return this.returns.apply(entry, source);
  }

  /** Cancels a payment that was provably never sent (cancellation.ts). `requestId`: the merchant request, for its history. */
  cancel(paymentId: string, requestId: string | null): CancelReply {
    return cancelPayment(this.ctx, paymentId, requestId);
  }

  /**
   * A replay of a pending payment that nothing in this instance is working
   * on: make sure the alarm will come back for it, so a merchant's retry
   * can never find a payment stranded without one (e.g. an arm that failed
   * after admission committed).
   */
  private async ensureRecoveryArmed(row: PaymentRow | undefined): Promise<void> {
    if (row?.status !== "pending") return;
    await this.ctx.ensureAlarmBy(row.next_action_at ?? this.ctx.clock.now()).catch((error: unknown) => {
      logEvent("error", "alarm_arm_failed", { payment_id: row.id, error: String(error) });
    });
  }

  private paymentReply(paymentId: string, replayed: boolean, storedExpiresAt: number): PaymentReply {
    return this.replyFromRow(findPayment(this.ctx.store.sql, paymentId) as PaymentRow, replayed, storedExpiresAt);
  }

  private replyFromRow(row: PaymentRow, replayed: boolean, storedExpiresAt: number): PaymentReply {
    const now = this.ctx.clock.now();
    return {
      ok: true,
      payment: paymentFromRow(row),
      replayed,
      idempotencyExpiresAt: new Date(keyExpiresAt(storedExpiresAt, row, now, keyTtlMs(this.ctx.config))).toISOString(),
    };
  }
}

function paymentNotFound() {
  return refuse("not-found", "No payment with this id exists for this merchant.");
}
