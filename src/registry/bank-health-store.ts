/** The registry's single "last reported bank call" row (registry migration 3); see src/bank/bank-health-report.ts. */
import type { BankCallReport } from "../bank/bank-health-report.ts";

/** Keeps the newest report: reports from different objects may arrive out of order. */
export function recordBankCall(sql: SqlStorage, report: BankCallReport): void {
  sql.exec(
    `INSERT INTO bank_health (singleton, at, answered, http_status, outcome) VALUES (1, ?, ?, ?, ?)
     ON CONFLICT (singleton) DO UPDATE SET at = excluded.at, answered = excluded.answered,
       http_status = excluded.http_status, outcome = excluded.outcome
     WHERE excluded.at >= bank_health.at`,
    report.at,
    report.answered ? 1 : 0,
    report.http_status,
    report.outcome,
  );
}

export function lastBankCall(sql: SqlStorage): BankCallReport | null {
  const row = sql
    .exec<{ at: number; answered: number; http_status: number | null; outcome: BankCallReport["outcome"] }>(
      `SELECT at, answered, http_status, outcome FROM bank_health WHERE singleton = 1`,
    )
    .toArray()[0];
  return row ? { at: row.at, answered: row.answered === 1, http_status: row.http_status, outcome: row.outcome } : null;
}
