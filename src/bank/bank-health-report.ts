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
 */
import type { InquiryOutcome } from "./outcome.ts";

export const BANK_HEALTH_REPORT_INTERVAL_MS = 60_000;

export interface BankCallReport {
  /** Epoch ms when the call finished. */
  at: number;
  answered: boolean;
  http_status: number | null;
  outcome: InquiryOutcome["kind"];
}

export function bankCallReport(httpStatus: number | null, outcome: InquiryOutcome, at: number): BankCallReport {
  return { at, answered: httpStatus !== null, http_status: httpStatus, outcome: outcome.kind };
}

/** One per merchant-object instance: decides which reports are worth a registry write. */
export class BankHealthReporter {
  private lastSent: BankCallReport | undefined;

  constructor(private readonly intervalMs: number = BANK_HEALTH_REPORT_INTERVAL_MS) {}

  /** Returns the report to send now, or undefined when the registry already knows as much. */
  take(report: BankCallReport): BankCallReport | undefined {
    const last = this.lastSent;
    if (last && last.answered === report.answered && report.at - last.at < this.intervalMs) return undefined;
    this.lastSent = report;
    return report;
  }

  /** A report that failed to arrive must not suppress the next one. */
  forget(report: BankCallReport): void {
    if (this.lastSent === report) this.lastSent = undefined;
  }
}
