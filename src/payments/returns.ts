/**
 * Returns of settled payments (SEPA R-transactions): the one function that
 * applies a return entry from the bank, whichever way it was learned (the
 * notifications poll, a daily statement, an imported statement file).
 *
 * A payment goes succeeded → returned only on the bank's evidence: a booked
 * return entry naming its end-to-end id. What the entry finds decides:
 * - a succeeded payment: returned, with the return's reason, amount (which
 *   may be lower than the payment's: charges taken), booking time and bank
 *   reference; one event, one `payment.returned` webhook;
 * - the same return seen again (same bank reference): nothing changes;
 * - no payment of this merchant: nothing changes; kept and reported
 *   (reconciliation shows it as `unexpected_at_bank`);
 * - a pending payment: a question, not an answer. The transfer is inquired
 *   first; only an inquiry answer ACSC/ACCC settles it (then the return
 *   applies: two events). Otherwise the payment stays pending, its history
 *   says a return is waiting, the return is kept and tried again (the
 *   return watch re-examines it on every poll), and reconciliation reports
 *   `status_mismatch`;
 * - a failed or canceled payment, or a second return of a returned one: the
 *   bank contradicts the connector. Nothing changes; an operator log line and
 *   an event that keeps the status record it for a person;
 * - more money than the payment, or another currency: not applied, recorded
 *   the same way (reconciliation shows `amount_mismatch`).
 *
 * A return does not give its amount back to the daily limit: the limit
 * counts money sent, and this money was sent.
 */
import type { BankReturnEntry } from "../../schemas/bank-api.ts";
import type { InquiryOutcome } from "../bank/outcome.ts";
import { logEvent } from "../platform/log.ts";
import { flagAttention } from "./attention.ts";
import { keyTtlMs, type PaymentsContext } from "./context.ts";
import { appendPaymentEvent } from "./event-log.ts";
import { holdKeyAfterOutcome } from "./idempotency-expiry.ts";
import { writeTransition } from "./lifecycle.ts";
import { recordBankOutcome } from "./outcomes.ts";
import { findPaymentByEndToEndId, type PaymentRow, paymentFromRow } from "./payment-row.ts";

/** Where a return entry was found; written into the payment's history. */
export type ReturnSource =
  | { foundIn: "notifications" }
  /** A daily statement read by reconciliation, for this business date. */
  | { foundIn: "statement"; businessDate: string }
  /** A statement file the merchant or an operator imported. */
  | { foundIn: "statement_import" }
  /** A return kept from an earlier sighting (its payment was pending then), tried again by the return watch. */
  | { foundIn: "earlier_sighting" };

/**
 * What applying one return entry did:
 * - applied: this call returned the payment;
 * - already_applied: the return was applied before (same bank reference);
 * - unknown_payment: it names no payment of this merchant;
 * - unconfirmed: its payment is pending and the bank did not confirm the transfer settled;
 * - contradiction: its payment is failed or canceled, or already returned under another reference;
 * - amount_mismatch: more than the payment's amount, or another currency.
 */
export type ReturnOutcome = "applied" | "already_applied" | "unknown_payment" | "unconfirmed" | "contradiction" | "amount_mismatch";

export interface ReturnApplication {
  outcome: ReturnOutcome;
  paymentId: string | null;
  /** True when this bank reference had been seen before this call. */
  seenBefore: boolean;
}

/** Written into the event detail of a return (`source`); reconciliation tells its own settlements apart by it. */
export const RETURN_EVENT_SOURCE = "bank_return";

/** A stored return entry (migration 12's bank_returns). */
export type BankReturnRow = {
  bank_reference: string;
  return_of: string;
  payment_id: string | null;
  reason_code: string;
  amount: number;
  currency: string;
  booked_at: string;
  outcome: Exclude<ReturnOutcome, "already_applied">;
  found_in: ReturnSource["foundIn"];
  first_seen_at: number;
  decided_at: number;
};

/** How a pending payment's transfer is inquired (BankDispatch.inquire: the concurrency cap and the log line). */
export type InquireTransfer = (row: PaymentRow) => Promise<InquiryOutcome>;

type Decision = { done: ReturnApplication } | { inquire: PaymentRow };

export class PaymentReturns {
  constructor(
    private readonly ctx: PaymentsContext,
    private readonly inquire: InquireTransfer,
  ) {}

  /** Applies one return entry (see the file comment). Safe to call any number of times with the same entry. */
  async apply(entry: BankReturnEntry, source: ReturnSource): Promise<ReturnApplication> {
    const first = this.decide(entry, source, false);
    if ("done" in first) return first.done;
    // A return for a payment still pending is a question: ask the bank about the transfer itself.
    const row = first.inquire;
    const outcome = await this.inquire(row);
    recordBankOutcome(this.ctx, row.id, row.attempts, outcome, { operation: "inquiry" }, { asked_because: "a return names this payment" });
    const second = this.decide(entry, source, true);
    if ("done" in second) return second.done;
    throw new Error("a return was left undecided after its inquiry");
  }

  /** Stored returns still waiting for their payment to settle, oldest first. */
  unconfirmed(limit: number): BankReturnEntry[] {
    return this.ctx.store.sql
      .exec<BankReturnRow>(`SELECT * FROM bank_returns WHERE outcome = 'unconfirmed' ORDER BY first_seen_at LIMIT ?`, limit)
      .toArray()
      .map(entryOfRow);
  }

  hasUnconfirmed(): boolean {
    return this.ctx.store.sql.exec(`SELECT 1 FROM bank_returns WHERE outcome = 'unconfirmed' LIMIT 1`).toArray().length > 0;
  }

  /**
   * One transaction: reads what is stored now and either decides, or says the
   * transfer must be inquired first (a pending payment, on a first sighting).
   */
  private decide(entry: BankReturnEntry, source: ReturnSource, inquired: boolean): Decision {
    const { sql } = this.ctx.store;
    return this.ctx.store.transactionSync((): Decision => {
      const seen = sql.exec<BankReturnRow>(`SELECT * FROM bank_returns WHERE bank_reference = ?`, entry.transfer_id).toArray()[0];
      if (seen && seen.outcome !== "unconfirmed") {
        return done(seen.outcome === "applied" ? "already_applied" : seen.outcome, seen.payment_id, true);
      }
      const row = findPaymentByEndToEndId(sql, entry.return_of);
      const now = this.ctx.clock.now();
      if (!row) {
        logEvent("warn", "return_for_unknown_payment", {
          bank_reference: entry.transfer_id,
          return_of: entry.return_of,
          found_in: source.foundIn,
        });
        this.remember(entry, source, null, "unknown_payment", now);
        return done("unknown_payment", null, seen !== undefined);
      }
      switch (row.status) {
        case "succeeded":
          if (!returnFits(row, entry)) {
            this.noteWithoutApplying(row, entry, source, "amount_mismatch", now, seen);
            return done("amount_mismatch", row.id, seen !== undefined);
          }
          this.applyToSettled(row, entry, source, now);
          return done("applied", row.id, seen !== undefined);
        case "pending":
          // A stored return is not inquired again on every sighting: the payment's own recovery keeps asking the bank.
          if (!inquired && !seen) return { inquire: row };
          this.noteWithoutApplying(row, entry, source, "unconfirmed", now, seen);
          return done("unconfirmed", row.id, seen !== undefined);
        case "returned":
          if (row.return_bank_reference === entry.transfer_id) {
            this.remember(entry, source, row.id, "applied", now);
            return done("already_applied", row.id, true);
          }
          this.noteWithoutApplying(row, entry, source, "contradiction", now, seen);
          return done("contradiction", row.id, seen !== undefined);
        case "failed":
        case "canceled":
          this.noteWithoutApplying(row, entry, source, "contradiction", now, seen);
          return done("contradiction", row.id, seen !== undefined);
        default:
          return row.status satisfies never;
      }
    });
  }

  /** succeeded → returned, with its event and its webhook, in the caller's transaction. */
  private applyToSettled(row: PaymentRow, entry: BankReturnEntry, source: ReturnSource, now: number): void {
    const { sql } = this.ctx.store;
    const bookedAt = Date.parse(entry.booked_at);
    const changed = writeTransition(
      sql,
      row,
      "returned",
      {
        return_reason_code: entry.reason_code,
        return_amount: entry.amount.value,
        return_currency: entry.amount.currency,
        returned_at: bookedAt,
        return_bank_reference: entry.transfer_id,
        next_action_at: null,
      },
      now,
    );
    // The merchant reads a returned payment by retrying its key as long as a settled one.
    holdKeyAfterOutcome(sql, row.idempotency_key, now, keyTtlMs(this.ctx.config));
    appendPaymentEvent(sql, {
      paymentId: row.id,
      at: now,
      fromStatus: row.status,
      toStatus: "returned",
      bankStatus: null,
      reasonCode: entry.reason_code,
      attempt: row.attempts,
      detail: { source: RETURN_EVENT_SOURCE, ...eventDetail(entry, source) },
    });
    this.remember(entry, source, row.id, "applied", now);
    logEvent("info", "payment_returned", {
      payment_id: row.id,
      bank_reference: entry.transfer_id,
      reason_code: entry.reason_code,
      amount: entry.amount.value,
      original_amount: row.amount,
      found_in: source.foundIn,
    });
    this.ctx.onStatusChange(paymentFromRow(changed), row.status);
  }

  /**
   * A return the connector cannot apply: kept (so it is recognized next time),
   * and, when this is news (a first sighting, or an unconfirmed return whose
   * payment has since ended otherwise), logged for an operator and written
   * into the payment's history with the status unchanged.
   */
  private noteWithoutApplying(
    row: PaymentRow,
    entry: BankReturnEntry,
    source: ReturnSource,
    outcome: "unconfirmed" | "contradiction" | "amount_mismatch",
    now: number,
    previous: BankReturnRow | undefined,
  ): void {
    this.remember(entry, source, row.id, outcome, now);
    if (previous?.outcome === outcome) return;
    // A person must look: a return the bank's own answers do not confirm yet is a status mismatch; one for a payment
    // that failed, was canceled or was already returned otherwise, or for more than was paid, is the bank contradicting itself.
    flagAttention(
      this.ctx.store.sql,
      row,
      outcome === "unconfirmed" ? "status_mismatch" : "bank_contradiction",
      now,
      this.ctx.merchant().id,
    );
    const problem = NOT_APPLIED[outcome](row, entry);
    logEvent("error", outcome === "contradiction" ? "bank_contradicts_final_status" : "return_not_applied", {
      payment_id: row.id,
      status: row.status,
      bank_reference: entry.transfer_id,
      reason_code: entry.reason_code,
      outcome,
      found_in: source.foundIn,
    });
    appendPaymentEvent(this.ctx.store.sql, {
      paymentId: row.id,
      at: now,
      fromStatus: row.status,
      toStatus: row.status,
      bankStatus: row.bank_status,
      reasonCode: entry.reason_code,
      attempt: row.attempts,
      detail: {
        [outcome === "contradiction" ? "contradiction" : "attention"]: problem,
        return_outcome: outcome,
        ...eventDetail(entry, source),
      },
    });
  }

  private remember(
    entry: BankReturnEntry,
    source: ReturnSource,
    paymentId: string | null,
    outcome: BankReturnRow["outcome"],
    now: number,
  ): void {
    this.ctx.store.sql.exec(
      `INSERT INTO bank_returns (bank_reference, return_of, payment_id, reason_code, amount, currency, booked_at, outcome, found_in, first_seen_at, decided_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (bank_reference) DO UPDATE SET outcome = excluded.outcome, payment_id = excluded.payment_id, decided_at = excluded.decided_at`,
      entry.transfer_id,
      entry.return_of,
      paymentId,
      entry.reason_code,
      entry.amount.value,
      entry.amount.currency,
      entry.booked_at,
      outcome,
      source.foundIn,
      now,
      now,
    );
  }
}

const NOT_APPLIED: Record<"unconfirmed" | "contradiction" | "amount_mismatch", (row: PaymentRow, entry: BankReturnEntry) => string> = {
  unconfirmed: () =>
    "the bank booked a return of this payment, but does not confirm the transfer settled; kept pending, the return applies once it does",
  contradiction: (row, entry) =>
    row.status === "returned"
      ? `the bank booked a second return (${entry.transfer_id}) of a payment already returned; status kept, reconcile by hand`
      : `the bank booked a return of this ${row.status} payment; status kept, reconcile by hand`,
  amount_mismatch: (row, entry) =>
    `the bank booked a return of ${entry.amount.value} ${entry.amount.currency} for this payment of ${row.amount} ${row.currency}; not applied, reconcile by hand`,
};

/** A return carries the payment's currency and at most its amount (less when charges were taken). */
function returnFits(row: PaymentRow, entry: BankReturnEntry): boolean {
  return entry.amount.currency === row.currency && entry.amount.value <= row.amount;
}

function eventDetail(entry: BankReturnEntry, source: ReturnSource): Record<string, unknown> {
  return {
    found_in: source.foundIn,
    ...(source.foundIn === "statement" ? { business_date: source.businessDate } : {}),
    bank_reference: entry.transfer_id,
    amount: entry.amount.value,
    currency: entry.amount.currency,
    booked_at: entry.booked_at,
  };
}

function done(outcome: ReturnOutcome, paymentId: string | null, seenBefore: boolean): Decision {
  return { done: { outcome, paymentId, seenBefore } };
}

function entryOfRow(row: BankReturnRow): BankReturnEntry {
  return {
    type: "return",
    transfer_id: row.bank_reference,
    return_of: row.return_of,
    reason_code: row.reason_code,
    amount: { value: row.amount, currency: row.currency },
    booked_at: row.booked_at,
  };
}
