/**
 * Sending payments to the bank and asking it about them, with the object's
 * two guards: at most MAX_CONCURRENT_BANK_CALLS calls in flight (a slow bank
 * does not cap a merchant at 1/latency, nor take every socket), and store
 * and forward (a payment the bank provably does not hold stays unsent while
 * the bank is believed unreachable).
 *
 * The bank call is NOT serialized: while the object awaits fetch() its input
 * gate is open and other requests run. Correctness rests on the transactions
 * before and after the call, never on the call being exclusive.
 */

import { storedTransfer } from "../bank/bank-adapters.ts";
import type { BankCall } from "../bank/bank-call.ts";
import { BankCircuit, type BankNews, type CircuitChange } from "../bank/bank-circuit.ts";
import type { PreparedTransfer, TransferInstruction } from "../bank/bank-port.ts";
import type { InquiryOutcome } from "../bank/outcome.ts";
import { logEvent, maskIban } from "../platform/log.ts";
import { Semaphore } from "../platform/semaphore.ts";
import { inFlightDeadline, type PaymentsContext } from "./context.ts";
import { returnToBackoff, wakePendingPayments } from "./healing-wake.ts";
import { writeTransition } from "./lifecycle.ts";
import { recordBankOutcome } from "./outcomes.ts";
import { findPayment, type PaymentRow } from "./payment-row.ts";
import { retryDelayMs } from "./recovery-schedule.ts";

export type BankOperation = "submit" | "inquiry" | "probe";

export class BankDispatch {
  private readonly slots: Semaphore;
  private readonly circuit: BankCircuit;
  /** Until when payments pulled forward by the bank's healing are being worked through (healing-wake.ts). */
  private spreadUntil = 0;
  /** Whether the stored failing flag was read into the circuit (once per instance, on first use: schema needed). */
  private restored = false;
  /** When news that the bank is back last made the probe due (hearBankNews). */
  private probedOnNewsAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly ctx: PaymentsContext) {
    this.slots = new Semaphore(ctx.config.MAX_CONCURRENT_BANK_CALLS);
    this.circuit = new BankCircuit(ctx.config.BANK_CIRCUIT_COOLDOWN_MS);
  }

  /**
   * Sends a queued payment (and records the answer). `requestId`: the
   * merchant request that triggered the call, for the log line (none when
   * the alarm resumes it).
   */
  async submit(paymentId: string, requestId?: string): Promise<PaymentRow | undefined> {
    const { sql } = this.ctx.store;
    /** The payment as this call last wrote it; undefined: read it again. */
    let after: PaymentRow | undefined;
    /** The bank answered with a status (ACSP, PDNG, ...): nothing but this payment's own next time changed. */
    let answered = false;
    await this.slots.acquire();
    try {
      const held = findPayment(sql, paymentId);
      if (held?.status !== "pending") return held;
      const ready = this.readyToSend(held);
      if (!(typeof ready === "boolean" ? ready : await ready)) return undefined;
      // A probe awaited: read again what the payment is now (without one, nothing ran in between).
      // Only a queued payment (never sent, or proven absent at the bank) is sent.
      const row = typeof ready === "boolean" ? held : findPayment(sql, paymentId);
      if (row?.status !== "pending" || row.bank_phase !== "queued") return row;
      const attempt = row.attempts + 1;
      const now = this.ctx.clock.now();
      const preparation = this.prepare(row, now);
      if (preparation === null) return undefined;
      const { prepared, firstBuilt } = preparation;
      // The recovery point, stored before the call: if this object dies
      // mid-call, recovery sees "sending" and asks the bank before it ever
      // sends again, and the payment counts as one the bank may hold.
      writeTransition(
        sql,
        row,
        "sending",
        {
          bank_may_hold: 1,
          attempts: attempt,
          next_action_at: inFlightDeadline(this.ctx.config, now),
          // A new attempt: 404s must come after its timeout, and an earlier held refusal no longer decides.
          last_sent_at: now,
          first_not_found_at: null,
          resend_refusal: null,
          // Built for the first time: stored with the marker, so a resend sends these same bytes.
          ...(firstBuilt ? { bank_request_format: prepared.format, bank_request: prepared.body } : {}),
        },
        now,
      );
      const call = await this.ctx.bank().submitCreditTransfer(prepared);
      this.observe("submit", row, attempt, call, now, requestId);
      answered = call.outcome.kind === "accepted";
      after = recordBankOutcome(this.ctx, paymentId, attempt, call.outcome, {
        operation: "submit",
        bankMayHoldBefore: row.bank_may_hold === 1,
      });
      return after;
    } finally {
      this.slots.release();
      // Still pending: make sure the alarm comes back for it at its retry time. After a status answer that keeps
      // it pending (a bank's usual ACSP), only its own next time changed: no webhook, nothing settled, the circuit
      // closed. So that alone is armed, without asking every capability when it is due. Anything else (a failure
      // that moves the circuit's probe, a flag that owes the registry a report) sets the alarm from everything.
      const pending = after ?? findPayment(sql, paymentId);
      if (pending?.status === "pending") {
        if (answered && after !== undefined && pending.attention_since === null && pending.next_action_at !== null) {
          await this.ctx.ensureAlarmForDue(pending.next_action_at);
        } else {
          await this.ctx.rescheduleAlarm();
        }
      }
    }
  }

  /** A status inquiry for a payment the bank may hold (its answer is the caller's to record). */
  async inquire(row: PaymentRow): Promise<InquiryOutcome> {
    await this.slots.acquire();
    try {
      // While the bank is believed down, an inquiry is the circuit's probe: never-sent payments wait for its answer.
      this.circuit.claimProbe(this.ctx.clock.now());
      const startedAt = this.ctx.clock.now();
      const call = await this.ctx.bank().inquireCreditTransfer(row.end_to_end_id);
      this.observe("inquiry", row, row.attempts, call, startedAt);
      return call.outcome;
    } finally {
      this.slots.release();
    }
  }

  /**
   * The circuit's probe while the bank is believed down (due by `asOf`): a
   * status inquiry about `row`, at most one at a time. Only the bank's word about the
   * payment is applied (an answer with a status); a 404 or a failure tells
   * the circuit about the bank, and nothing about this payment's schedule.
   */
  async probe(row: PaymentRow, asOf: number): Promise<void> {
    await this.slots.acquire();
    try {
      this.restoreCircuit();
      // As of the alarm's time (a test may run it ahead of the clock, as it may for due payments).
      if (!this.circuit.claimProbe(Math.max(asOf, this.ctx.clock.now()))) return;
      await this.probeInquiry(row);
    } finally {
      this.slots.release();
    }
  }

  /**
   * Store and forward, for a payment the bank provably does not hold: fails
   * it once it is older than the window, holds it (unsent, so still provably
   * undelivered) while the bank is believed unreachable, and probes the bank
   * with a status inquiry before sending after an outage. True: send it now.
   */
  private readyToSend(row: PaymentRow): boolean | Promise<boolean> {
    if (row.bank_may_hold === 1) return true; // resending is safe (end-to-end id de-duplicates), giving up is not
    const { config, clock } = this.ctx;
    const now = clock.now();
    if (now - row.created_at >= config.STORE_AND_FORWARD_WINDOW_MS) {
      const minutes = Math.round(config.STORE_AND_FORWARD_WINDOW_MS / 60_000);
      recordBankOutcome(
        this.ctx,
        row.id,
        row.attempts,
        { kind: "undeliverable", reason: `the bank could not be reached within ${minutes} minutes; it never received this payment` },
        { operation: "store_and_forward" },
      );
      return false;
    }
    this.restoreCircuit();
    const state = this.circuit.state(now);
    switch (state) {
      case "closed":
        return true;
      case "open":
        this.hold(row.id, this.circuit.probeAt(), now);
        return false;
      case "suspect":
        // One probe per cool-down: the others wait for its answer (a healed bank pulls them forward).
        if (!this.circuit.claimProbe(now)) {
          this.hold(row.id, now + config.BANK_CIRCUIT_COOLDOWN_MS, now);
          return false;
        }
        return this.probeBeforeSend(row);
      default:
        return state satisfies never;
    }
  }

  /** After an outage, a status inquiry before the payment is sent; true: the bank does not hold it, send it now. */
  private async probeBeforeSend(row: PaymentRow): Promise<boolean> {
    const { config, clock } = this.ctx;
    const outcome = await this.probeInquiry(row);
    if (outcome.kind === "not_found") return true;
    if (outcome.kind === "accepted") return false;
    // Counted as an inquiry, so a long outage spaces this payment's probes out on the usual backoff.
    this.ctx.store.sql.exec(`UPDATE payments SET inquiries = inquiries + 1 WHERE id = ? AND status = 'pending'`, row.id);
    const later = clock.now();
    this.hold(row.id, Math.max(this.circuit.probeAt(), later + retryDelayMs(row.attempts + row.inquiries + 1, config)), later);
    return false;
  }

  /**
   * The circuit's probe inquiry about `row`: the call is observed as a probe,
   * and an answer with a status (the bank's word about the payment) is
   * recorded. The outcome is returned for the caller's other handling.
   */
  private async probeInquiry(row: PaymentRow): Promise<InquiryOutcome> {
    const startedAt = this.ctx.clock.now();
    const call = await this.ctx.bank().inquireCreditTransfer(row.end_to_end_id);
    this.observe("probe", row, row.attempts, call, startedAt);
    if (call.outcome.kind === "accepted") recordBankOutcome(this.ctx, row.id, row.attempts, call.outcome, { operation: "inquiry" });
    return call.outcome;
  }

  /**
   * Keeps a never-sent payment queued until `until`; no event, since nothing
   * about it changed. Only while pending: the merchant may have canceled it
   * during the probe's await.
   */
  private hold(paymentId: string, until: number, now: number): void {
    this.ctx.store.sql.exec(
      `UPDATE payments SET next_action_at = ?, updated_at = ? WHERE id = ? AND status = 'pending'`,
      until,
      now,
      paymentId,
    );
  }

  /** A new instance (eviction, deploy) picks up a bank that was failing: it keeps probing, and its healing still wakes payments. */
  private restoreCircuit(): void {
    if (this.restored) return;
    this.restored = true;
    const stored = this.ctx.store.sql
      .exec<{ failing_since: number | null }>(`SELECT failing_since FROM bank_circuit WHERE singleton = 1`)
      .toArray()[0];
    if (stored?.failing_since != null) this.circuit.restoreFailing(stored.failing_since);
  }

  private storeFailing(since: number | null): void {
    this.ctx.store.sql.exec(`UPDATE bank_circuit SET failing_since = ? WHERE singleton = 1`, since);
  }

  /** The bank is back: pull every pending payment forward (healing-wake.ts). It failed again mid-spread: back to their backoff. */
  private onHealthChange(change: CircuitChange, now: number): void {
    const { sql } = this.ctx.store;
    const spreadMs = this.ctx.config.HEALED_SPREAD_MS;
    if (change === "healed") {
      const woken = wakePendingPayments(sql, now, spreadMs);
      if (woken === 0) return;
      this.spreadUntil = now + spreadMs;
      logEvent("info", "bank_healed", { merchant_id: this.ctx.merchant().id, payments_woken: woken, spread_ms: spreadMs });
      // Moved earlier, never later (ensureBy); the pulled-forward work then runs at the alarm's pace.
      void this.ctx.ensureAlarmBy(now).catch((error: unknown) => {
        logEvent("error", "alarm_arm_failed", { merchant_id: this.ctx.merchant().id, error: String(error) });
      });
    } else if (change === "failed" && now < this.spreadUntil) {
      this.spreadUntil = 0;
      const returned = returnToBackoff(sql, now);
      logEvent("warn", "bank_failed_during_spread", { merchant_id: this.ctx.merchant().id, payments_returned: returned });
    }
  }

  /**
   * The request as the bank adapter builds it, once: stored with the payment
   * at the first send (in the same synchronous step as the "sending" mark),
   * and what every resend sends again. Null when it cannot be built (the
   * profile changed since admission and cannot carry the payment): failed if
   * the bank never had it, held for an operator otherwise.
   */
  private prepare(row: PaymentRow, now: number): { prepared: PreparedTransfer; firstBuilt: boolean } | null {
    const merchant = this.ctx.merchant();
    const stored = storedTransfer(row.end_to_end_id, row.bank_request_format, row.bank_request);
    const instruction: TransferInstruction = {
      endToEndId: row.end_to_end_id,
      debtor: { name: merchant.name, iban: merchant.debtor_iban },
      creditor: { name: row.creditor_name, iban: row.creditor_iban },
      amountMinor: row.amount,
      currency: row.currency,
      reference: row.reference,
      createdAt: row.created_at,
      sentAt: now,
    };
    const preparation = this.ctx.bank().prepareTransfer(instruction, stored);
    if (!preparation.ok) {
      logEvent("error", "bank_request_unbuildable", { payment_id: row.id, reason: preparation.reason });
      if (row.bank_may_hold === 0) {
        recordBankOutcome(
          this.ctx,
          row.id,
          row.attempts,
          { kind: "undeliverable", reason: preparation.reason },
          { operation: "store_and_forward" },
        );
      } else {
        this.hold(row.id, now + retryDelayMs(row.attempts + row.inquiries + 1, this.ctx.config), now);
      }
      return null;
    }
    // Not what was stored: the caller stores it with the sending marker (same turn, same commit).
    return { prepared: preparation.prepared, firstBuilt: preparation.prepared !== stored };
  }

  /**
   * News of the bank from other merchant objects, through the registry
   * (src/registry/bank-news.ts). It moves only this object's circuit, never a
   * payment: "down" opens it as if a call had failed, so never-sent payments
   * are held instead of each meeting the outage (every one that does may be
   * at the bank, and needs an inquiry, a 404 confirmed later, and a resend);
   * "back" makes the probe due now instead of at the end of the cool-down.
   * Either way the object's own probe decides, and a healed probe pulls its
   * payments forward as any healing call does. Returns when the circuit
   * moved (the caller then re-arms the alarm for the probe), null if not.
   */
  hearBankNews(news: BankNews): number | null {
    this.restoreCircuit();
    const now = this.ctx.clock.now();
    const cooldownMs = this.ctx.config.BANK_CIRCUIT_COOLDOWN_MS;
    if (news === "down") {
      // Staggered: each object's first probe falls somewhere in the next cool-down, so the objects' probes
      // spread over it and the first to find the bank back tells the rest, instead of all probing in step.
      if (!this.circuit.hearFailing(now - Math.floor(Math.random() * cooldownMs), now)) return null;
      this.storeFailing(now);
      return now;
    }
    // At most one probe per cool-down on news: a flapping bank's news does not become a probe storm.
    if (now - this.probedOnNewsAt < cooldownMs || !this.circuit.probeNow(now)) return null;
    this.probedOnNewsAt = now;
    return now;
  }

  /**
   * When the circuit lets the next probe through while the bank is believed
   * down (null when it is not, or a probe is out): the object's one call per
   * BANK_CIRCUIT_COOLDOWN_MS that learns when the bank is back.
   */
  nextProbeAt(): number | null {
    this.restoreCircuit();
    return this.circuit.nextProbeAt();
  }

  /** Every call feeds the circuit (and what its health means for pending payments), the object's health report and one log line. */
  private observe(
    operation: BankOperation,
    row: PaymentRow,
    attempt: number,
    call: BankCall<InquiryOutcome>,
    startedAt: number,
    requestId?: string,
  ): void {
    const now = this.ctx.clock.now();
    this.restoreCircuit();
    const wasFailing = this.circuit.isFailing;
    const wasFailingByOwnCalls = this.circuit.failingByOwnCalls;
    const change = this.circuit.observe(call.httpStatus, now, startedAt);
    const flipped = this.circuit.isFailing !== wasFailing;
    if (flipped) this.storeFailing(this.circuit.isFailing ? now : null);
    this.onHealthChange(change, now);
    const circuit = { failing: this.circuit.isFailing, byOwnCalls: this.circuit.failingByOwnCalls };
    this.ctx.observeBankCall(call, { ...circuit, flipped: flipped || circuit.byOwnCalls !== wasFailingByOwnCalls });
    const outcome = call.outcome;
    logEvent(outcome.kind === "accepted" || outcome.kind === "not_found" ? "info" : "warn", "bank_call", {
      request_id: requestId,
      merchant_id: this.ctx.merchant().id,
      payment_id: row.id,
      operation,
      attempt,
      http_status: call.httpStatus,
      latency_ms: call.latencyMs,
      outcome: outcome.kind,
      bank_status: outcome.kind === "accepted" ? outcome.transfer.status : undefined,
      reason: "reason" in outcome ? outcome.reason : undefined,
      creditor_iban: maskIban(row.creditor_iban),
    });
  }
}
