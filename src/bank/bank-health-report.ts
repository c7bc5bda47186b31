/**
 * "Did the bank answer its last call?" for GET /health.
 *
 * Bank calls happen in merchant objects, spread over many isolates and
 * machines, while /health runs in whichever Worker isolate gets the request,
 * so per-isolate memory cannot answer. Each merchant object reports to the
 * registry object instead, but only when the answer flips (answered ↔ not)
 * or at most once per BANK_HEALTH_REPORT_INTERVAL_MS, so the registry sees a
 * handful of writes per minute however busy the connector is. The registry
 * keeps the newest report. The price: a report can be up to that interval
 * stale while nothing changes, and the record is the newest *reported* call,
 * not strictly the last one made.
 *
 * The same report carries the reporting object's circuit (whether it counts
 * the bank as failing), sent at once when that flips: the registry shares a
 * bank found down or back with the other merchant objects
 * (src/registry/bank-news.ts).
 */
import type { InquiryOutcome } from "./outcome.ts";

export const BANK_HEALTH_REPORT_INTERVAL_MS = 60_000;

export interface BankCallReport {
  /** Epoch ms when the call finished. */
  at: number;
  answered: boolean;
  http_status: number | null;
  outcome: InquiryOutcome["kind"];
  /** The reporting merchant object's circuit after this call (absent: a report that says nothing of it). */
  circuit?: CircuitReport;
}

export interface CircuitReport {
  merchant_id: string;
  /** Whether the object's circuit counts the bank as failing (src/bank/bank-circuit.ts), for its own calls or by news. */
  failing: boolean;
  /** Whether its own calls failed (only these count towards the registry's "down" news). */
  by_own_calls: boolean;
}

export function bankCallReport(httpStatus: number | null, outcome: InquiryOutcome, at: number, circuit?: CircuitReport): BankCallReport {
  return { at, answered: httpStatus !== null, http_status: httpStatus, outcome: outcome.kind, ...(circuit ? { circuit } : {}) };
}

/** One per merchant-object instance: decides which reports are worth a registry write. */
export class BankHealthReporter {
  private lastSent: BankCallReport | undefined;

  constructor(private readonly intervalMs: number = BANK_HEALTH_REPORT_INTERVAL_MS) {}

  /**
   * Returns the report to send now, or undefined when the registry already
   * knows as much. `circuitFlipped`: this call made the object's circuit
   * start or stop counting the bank as failing, news that goes at once.
   */
  take(report: BankCallReport, circuitFlipped = false): BankCallReport | undefined {
    const last = this.lastSent;
    if (!circuitFlipped && last && last.answered === report.answered && report.at - last.at < this.intervalMs) return undefined;
    this.lastSent = report;
    return report;
  }

  /** A report that failed to arrive must not suppress the next one. */
  forget(report: BankCallReport): void {
    if (this.lastSent === report) this.lastSent = undefined;
  }
}
