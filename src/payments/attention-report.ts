/**
 * What the registry knows of this merchant's stuck payments, for operators
 * (GET /admin/v1/payments?attention=true) and GET /health's aggregates.
 *
 * Like the bank health report (src/bank/bank-health-report.ts), and for the
 * same reason (payments live in many objects, operators ask one place), each
 * merchant object reports to the registry object, throttled: at most once per
 * ATTENTION_REPORT_INTERVAL_MS, and only when something the registry shows
 * changed. Unlike it, what changed is stored (attention_report_state, bumped
 * in the transaction of every flag change), so a report owed when the object
 * is evicted is still sent by the next instance. A report is the object's
 * whole flagged set (the oldest MAX_REPORTED_ATTENTION_ENTRIES, and the
 * count), so reports replace each other and a lost one is healed by the next.
 */
import type { AttentionReason, PaymentStatus } from "../../schemas/merchant-api.ts";
import type { PaymentRow } from "./payment-row.ts";

export const ATTENTION_REPORT_INTERVAL_MS = 10_000;
/** A report carries at most this many payments (the oldest); the count covers them all. */
export const MAX_REPORTED_ATTENTION_ENTRIES = 500;

/** A type, not an interface: the registry stores and reads these as SQLite rows. */
export type AttentionEntry = {
  payment_id: string;
  status: PaymentStatus;
  amount: number;
  currency: string;
  created_at: number;
  attempts: number;
  since: number;
  reason: AttentionReason;
};

export interface AttentionReport {
  merchant_id: string;
  /** The object's clock when built; the registry keeps the newest per merchant. */
  reported_at: number;
  /** The object's attention version this report reflects. */
  version: number;
  /** Creation time of the merchant's oldest pending payment, or null when none is pending. */
  oldest_pending_at: number | null;
  attention_count: number;
  entries: AttentionEntry[];
}

type ReportState = {
  version: number;
  reported_version: number | null;
  reported_oldest_pending_at: number | null;
  reported_at: number | null;
};

export class AttentionReporter {
  /** Last attempt to report from this instance (a failing registry is not retried every second). */
  private attemptedAt = 0;

  constructor(private readonly sql: SqlStorage) {}

  /** When the next report is due, or null when the registry already knows what it would say. */
  nextDueAt(): number | null {
    return this.dueAt(this.state(), this.oldestPendingAt());
  }

  /** The report to send now, or undefined when none is due (`force`: an operator's change, sent at once if anything changed). */
  take(merchantId: string, now: number, force = false): AttentionReport | undefined {
    const state = this.state();
    const oldest = this.oldestPendingAt();
    const due = this.dueAt(state, oldest);
    if (due === null || (!force && due > now)) return undefined;
    this.attemptedAt = now;
    const entries = this.sql
      .exec<PaymentRow>(`SELECT * FROM payments WHERE attention_since IS NOT NULL ORDER BY id LIMIT ?`, MAX_REPORTED_ATTENTION_ENTRIES)
      .toArray()
      .map(entryOf);
    const count = this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM payments WHERE attention_since IS NOT NULL`).one().n;
    return {
      merchant_id: merchantId,
      reported_at: now,
      version: state.version,
      oldest_pending_at: oldest,
      attention_count: count,
      entries,
    };
  }

  /** The registry stored `report`. */
  sent(report: AttentionReport): void {
    this.sql.exec(
      `UPDATE attention_report_state SET reported_version = ?, reported_oldest_pending_at = ?, reported_at = ? WHERE singleton = 1`,
      report.version,
      report.oldest_pending_at,
      report.reported_at,
    );
  }

  /** nextDueAt for the state and oldest pending payment already read. */
  private dueAt(state: ReportState, oldest: number | null): number | null {
    if (!this.changed(state, oldest)) return null;
    return Math.max((state.reported_at ?? 0) + ATTENTION_REPORT_INTERVAL_MS, this.attemptedAt + ATTENTION_REPORT_INTERVAL_MS);
  }

  private changed(state: ReportState, oldest: number | null): boolean {
    if (state.version !== state.reported_version) return true;
    const reported = state.reported_oldest_pending_at;
    if (oldest === null || reported === null) return oldest !== reported;
    // The age is shown in seconds and may be an interval stale anyway: small shifts are not worth a write.
    return Math.abs(oldest - reported) >= ATTENTION_REPORT_INTERVAL_MS;
  }

  private state(): ReportState {
    return this.sql
      .exec<ReportState>(`SELECT version, reported_version, reported_oldest_pending_at, reported_at FROM attention_report_state`)
      .one();
  }

  private oldestPendingAt(): number | null {
    return this.sql.exec<{ at: number | null }>(`SELECT MIN(created_at) AS at FROM payments WHERE status = 'pending'`).one().at;
  }
}

function entryOf(row: PaymentRow): AttentionEntry {
  return {
    payment_id: row.id,
    status: row.status,
    amount: row.amount,
    currency: row.currency,
    created_at: row.created_at,
    attempts: row.attempts,
    since: row.attention_since ?? row.updated_at,
    reason: row.attention_reason ?? "attempts_exceeded",
  };
}
