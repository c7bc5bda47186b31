/**
 * Reading imported statement files (statement-imports.ts) the way the bank's
 * API is read: a day's statement for reconciliation, returns for return
 * detection. Functions of the object's SQL only, so any capability of the
 * merchant object can call them.
 */
import type { BankReturnEntry, BankStatementLine } from "../../schemas/bank-api.ts";
import type { StatementPage } from "../bank/bank-port.ts";
import { groupBy } from "../platform/group-by.ts";

/** A day's statement assembled from imported files: its pages in order, and the imports they came from. */
export interface ImportedDayStatement {
  importIds: string[];
  pages: StatementPage[];
}

type ReportRow = {
  import_id: string;
  report_index: number;
  report_id: string;
  page_number: number | null;
  last_page: number | null;
  created_at: number;
};

/**
 * The imported camt.053 that serves `date` (a UTC day, as its business date
 * is computed in src/bank/statement-file.ts), or null when none does. A
 * statement split over several files counts only once every page from 1 to
 * the one marked last is imported; of several complete statements for the
 * day, the most recently imported wins (a bank's corrected statement).
 */
export function importedStatementFor(sql: SqlStorage, date: string): ImportedDayStatement | null {
  const rows = sql
    .exec<ReportRow>(
      `SELECT r.import_id, r.report_index, r.report_id, r.page_number, r.last_page, i.created_at
         FROM statement_import_reports r JOIN statement_imports i ON i.id = r.import_id
        WHERE r.business_date = ? AND i.kind = 'camt.053'
        ORDER BY i.created_at DESC, r.import_id DESC, r.report_index`,
      date,
    )
    .toArray();
  const byStatement = groupBy(rows, (row) => row.report_id);
  let best: { pages: ReportRow[]; newest: number } | null = null;
  for (const group of byStatement.values()) {
    const pages = completePages(group);
    if (pages === null) continue;
    const newest = Math.max(...pages.map((page) => page.created_at));
    if (best === null || newest > best.newest) best = { pages, newest };
  }
  if (best === null) return null;
  return {
    importIds: [...new Set(best.pages.map((page) => page.import_id))],
    pages: best.pages.map((page, index) => ({
      entries: readReportLines(sql, page),
      lists_rejected: false,
      // The engine walks pages by cursor; here the cursor is just the next page's position.
      next_cursor: index + 1 < (best?.pages.length ?? 0) ? String(index + 1) : null,
    })),
  };
}

/**
 * The pages of one statement, 1..N in order with N the last, taking the
 * newest import of a page imported twice (rows come newest first); null while
 * a page is missing. A report without pagination is a whole statement.
 */
function completePages(group: ReportRow[]): ReportRow[] | null {
  const whole = group.find((row) => row.page_number === null);
  if (whole) return [whole];
  const byNumber = new Map<number, ReportRow>();
  for (const row of group) if (row.page_number !== null && !byNumber.has(row.page_number)) byNumber.set(row.page_number, row);
  const last = [...byNumber.values()].find((row) => row.last_page === 1);
  if (!last || last.page_number === null) return null;
  const pages: ReportRow[] = [];
  for (let number = 1; number <= last.page_number; number++) {
    const page = byNumber.get(number);
    if (!page) return null;
    pages.push(page);
  }
  return pages;
}

function readReportLines(sql: SqlStorage, report: ReportRow): BankStatementLine[] {
  return sql
    .exec<{ entry: string }>(
      `SELECT entry FROM statement_import_entries WHERE import_id = ? AND report_index = ? ORDER BY seq`,
      report.import_id,
      report.report_index,
    )
    .toArray()
    .map((row) => JSON.parse(row.entry) as BankStatementLine);
}

/**
 * Returns in imported files (camt.053 and camt.054 alike) booked at or after
 * `sinceMs` (inclusive), oldest first. A return imported twice (in a
 * notification and again in the day's statement) is listed once.
 */
export function importedReturnsSince(sql: SqlStorage, sinceMs: number): BankReturnEntry[] {
  const seen = new Set<string>();
  const returns: BankReturnEntry[] = [];
  for (const row of sql.exec<{ entry: string }>(
    `SELECT entry FROM statement_import_entries WHERE kind = 'return' AND booked_at >= ? ORDER BY booked_at, import_id, report_index, seq`,
    sinceMs,
  )) {
    const returned = JSON.parse(row.entry) as BankReturnEntry;
    // The bank's reference of the return identifies it (src/payments/returns.ts keys on it too).
    const key = JSON.stringify([returned.transfer_id, returned.return_of]);
    if (seen.has(key)) continue;
    seen.add(key);
    returns.push(returned);
  }
  return returns;
}
