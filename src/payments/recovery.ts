/**
 * Resumes pending payments whose next action is due: the alarm's payment
 * work (Kill Bill's janitor: an unknown outcome is never guessed, the bank
 * is asked by reference). Safe to run any number of times, since alarm
 * delivery is at least once: each step starts from what storage says, and a
 * resubmission reuses the end-to-end id, which the bank de-duplicates.
 */
import { earliest } from "../platform/earliest.ts";
import { logEvent } from "../platform/log.ts";
import { execInSlices } from "../platform/sql-slices.ts";
import { inFlightDeadline, type PaymentsContext } from "./context.ts";
import type { BankDispatch } from "./dispatch.ts";
import type { InFlightWork } from "./in-flight.ts";
import { recordBankOutcome } from "./outcomes.ts";
import type { PaymentRow } from "./payment-row.ts";

/** How many due payments one alarm run works on; the rest wait for the next run. */
export const RECOVERY_BATCH_SIZE = 200;

export class PaymentRecovery {
  constructor(
    private readonly ctx: PaymentsContext,
    private readonly dispatch: BankDispatch,
    private readonly inflight: InFlightWork,
  ) {}

  /** Works on the pending payments due by `asOf`; returns how many it started. */
  async recoverDue(asOf: number): Promise<number> {
    const { sql } = this.ctx.store;
    const candidates = sql
      .exec<PaymentRow>(
        `SELECT * FROM payments WHERE next_action_at IS NOT NULL AND next_action_at <= ? AND status = 'pending'
         ORDER BY next_action_at LIMIT ?`,
        asOf,
        // Rows in flight in this instance are skipped below; fetch past them.
        RECOVERY_BATCH_SIZE + this.inflight.size,
      )
      .toArray();
    // Work still running here (e.g. queued behind MAX_CONCURRENT_BANK_CALLS
    // longer than its lease) keeps its lease: renewed, so the alarm does not
    // wake every second for it; if this instance dies, the lease lapses.
    for (const row of candidates) {
      if (this.inflight.has(row.id)) this.lease(row.id);
    }
    const due = candidates.filter((row) => !this.inflight.has(row.id)).slice(0, RECOVERY_BATCH_SIZE);
    // Their steps start: no longer waiting on a healing spread (healing-wake.ts).
    execInSlices(
      sql,
      due.filter((row) => row.woken_from_at !== null).map((row) => row.id),
      (marks) => `UPDATE payments SET woken_from_at = NULL WHERE id IN (${marks})`,
    );
    // The bank is believed down and nothing due will call it: the circuit's probe asks about one payment.
    const probe = due.length === 0 ? this.probeCandidate(asOf) : undefined;
    if (probe) {
      await this.inflight.track(probe.id, () =>
        this.dispatch.probe(probe, asOf).catch((error: unknown) => {
          logEvent("error", "bank_probe_failed", { payment_id: probe.id, error: String(error) });
        }),
      );
      return 1;
    }
    await Promise.all(
      due.map((row) =>
        this.inflight.track(row.id, () =>
          this.recoverPayment(row).catch((error: unknown) => {
            logEvent("error", "recovery_step_failed", { payment_id: row.id, error: String(error) });
          }),
        ),
      ),
    );
    return due.length;
  }

  /** The earliest next action of a pending payment (or the circuit's next probe while one is pending), or null when none is pending. */
  nextDueAt(): number | null {
    const at = this.ctx.store.sql
      .exec<{ at: number | null }>(`SELECT MIN(next_action_at) AS at FROM payments WHERE status = 'pending' AND next_action_at IS NOT NULL`)
      .one().at;
    return at === null ? null : earliest(at, this.dispatch.nextProbeAt());
  }

  /**
   * While the bank is believed down, the object still asks it once per
   * BANK_CIRCUIT_COOLDOWN_MS, so it learns the bank is back within a
   * cool-down however far out the payments' own backoffs are: a status
   * inquiry about the payment due first (dispatch.probe). Not one confirming
   * a 404 (its spacing is the proof).
   */
  private probeCandidate(asOf: number): PaymentRow | undefined {
    const probeAt = this.dispatch.nextProbeAt();
    if (probeAt === null || probeAt > asOf) return undefined;
    return this.ctx.store.sql
      .exec<PaymentRow>(
        `SELECT * FROM payments WHERE status = 'pending' AND next_action_at IS NOT NULL AND first_not_found_at IS NULL
         ORDER BY next_action_at LIMIT ?`,
        this.inflight.size + 1,
      )
      .toArray()
      .find((row) => !this.inflight.has(row.id));
  }

  private async recoverPayment(row: PaymentRow): Promise<void> {
    switch (row.bank_phase) {
      case "queued":
        await this.dispatch.submit(row.id);
        return;
      case "sending":
      case "unknown":
      case "acknowledged": {
        // Leased like a submission: while the inquiry runs (or if recording its
        // answer fails) the alarm does not come back for it every second.
        this.lease(row.id);
        const outcome = await this.dispatch.inquire(row);
        recordBankOutcome(this.ctx, row.id, row.attempts, outcome, { operation: "inquiry" });
        if (outcome.kind === "not_found") await this.dispatch.submit(row.id);
        return;
      }
      case "final":
        this.ctx.store.sql.exec(`UPDATE payments SET next_action_at = NULL WHERE id = ?`, row.id);
        return;
      default:
        return row.bank_phase satisfies never;
    }
  }

  private lease(paymentId: string): void {
    this.ctx.store.sql.exec(
      `UPDATE payments SET next_action_at = ? WHERE id = ?`,
      inFlightDeadline(this.ctx.config, this.ctx.clock.now()),
      paymentId,
    );
  }
}
