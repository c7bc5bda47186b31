/**
 * Statement files a merchant imports (POST /v1/statements): camt.053 /
 * camt.054 already read by the Worker (src/bank/statement-file.ts), stored
 * here as their parsed entries, one row each, with the file's SHA-256. A
 * file imported again (same GrpHdr/MsgId and statement or notification ids,
 * or the same bytes) is answered with the first import's body.
 * Reconciliation and return detection read them (imported-statements.ts).
 */
import { type BankReturnEntry, isReturnEntry } from "../../schemas/bank-api.ts";
import type { StatementImport } from "../../schemas/statement-imports.ts";
import type { StatementFile, StatementFileReport } from "../bank/statement-file.ts";
import type { ReturnSource } from "../payments/returns.ts";
import type { Clock, ObjectStore } from "../platform/object-store.ts";
import { pageOf } from "../platform/page.ts";
import { type Refusal, refuse } from "../platform/refusal.ts";
import { ulid } from "../platform/ulid.ts";

export interface StatementUpload {
  /** Hex SHA-256 of the file's bytes. */
  sha256: string;
  file: StatementFile;
}

export type ImportStatementReply = { ok: true; created: boolean; statement: StatementImport } | Refusal;
export type StatementImportPageReply = { ok: true; statements: StatementImport[]; hasMore: boolean } | Refusal;

/** The payments' one return path (src/payments/returns.ts). */
export type ApplyReturn = (entry: BankReturnEntry, source: ReturnSource) => Promise<unknown>;

export class StatementImports {
  constructor(
    private readonly store: ObjectStore,
    private readonly clock: Clock,
    private readonly applyReturn: ApplyReturn,
  ) {}

  /**
   * Stores the file for the merchant whose debtor account is `debtorIban`,
   * then hands each of its returns to the return path (a file imported
   * again answers its first import and applies nothing: the first did).
   */
  async import(debtorIban: string, upload: StatementUpload): Promise<ImportStatementReply> {
    const reply = this.storeFile(debtorIban, upload);
    if (reply.ok && reply.created) {
      for (const report of upload.file.reports) {
        for (const line of report.lines) if (isReturnEntry(line)) await this.applyReturn(line, { foundIn: "statement_import" });
      }
    }
    return reply;
  }

  private storeFile(debtorIban: string, upload: StatementUpload): ImportStatementReply {
    const { file, sha256 } = upload;
    // Only the statement's or notification's own account counts (entries name counterparties' accounts too).
    if (file.reports.some((report) => report.accountIban !== debtorIban)) {
      return refuse(
        "statement-account-mismatch",
        `This ${file.kind === "camt.053" ? "statement" : "notification"} is about another account than the merchant's debtor account.`,
      );
    }
    const reportIds = JSON.stringify(file.reports.map((report) => report.id));
    const { sql } = this.store;
    return this.store.transactionSync((): ImportStatementReply => {
      const earlier = sql
        .exec<{ reply: string }>(
          `SELECT reply FROM statement_imports WHERE sha256 = ? OR (kind = ? AND message_id = ? AND report_ids = ?) LIMIT 1`,
          sha256,
          file.kind,
          file.messageId,
          reportIds,
        )
        .toArray()[0];
      if (earlier) return { ok: true, created: false, statement: JSON.parse(earlier.reply) as StatementImport };

      const now = this.clock.now();
      const id = `stm_${ulid()}`;
      const statement: StatementImport = {
        id,
        kind: file.kind,
        message_id: file.messageId,
        account: debtorIban,
        entries: file.reports.reduce((sum, report) => sum + report.entryCount, 0),
        period: periodOf(file.reports),
        matched_payments: matchedPayments(sql, file.reports),
        returns: file.reports.reduce((sum, report) => sum + report.lines.filter(isReturnEntry).length, 0),
        created_at: new Date(now).toISOString(),
      };
      sql.exec(
        `INSERT INTO statement_imports (id, kind, message_id, report_ids, sha256, reply, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
        id,
        file.kind,
        file.messageId,
        reportIds,
        sha256,
        JSON.stringify(statement),
        now,
      );
      for (const [index, report] of file.reports.entries()) storeReport(sql, id, index, report);
      return { ok: true, created: true, statement };
    });
  }

  /** Newest first; `before`: the last id of the previous page. */
  list(limit: number, before: string | null): StatementImportPageReply {
    const rows = this.store.sql
      .exec<{ reply: string }>(
        `SELECT reply FROM statement_imports WHERE (? IS NULL OR id < ?) ORDER BY id DESC LIMIT ?`,
        before,
        before,
        limit + 1,
      )
      .toArray();
    const { items, hasMore } = pageOf(rows, limit);
    return { ok: true, statements: items.map((row) => JSON.parse(row.reply) as StatementImport), hasMore };
  }
}

function storeReport(sql: SqlStorage, importId: string, index: number, report: StatementFileReport): void {
  sql.exec(
    `INSERT INTO statement_import_reports (import_id, report_index, report_id, page_number, last_page, business_date) VALUES (?, ?, ?, ?, ?, ?)`,
    importId,
    index,
    report.id,
    report.page?.number ?? null,
    report.page === null ? null : report.page.last ? 1 : 0,
    report.businessDate,
  );
  for (const [seq, line] of report.lines.entries()) {
    sql.exec(
      `INSERT INTO statement_import_entries (import_id, report_index, seq, kind, booked_at, entry) VALUES (?, ?, ?, ?, ?, ?)`,
      importId,
      index,
      seq,
      isReturnEntry(line) ? "return" : "entry",
      Date.parse(line.booked_at),
      JSON.stringify(line),
    );
  }
}

function periodOf(reports: readonly StatementFileReport[]): StatementImport["period"] {
  const periods = reports.map((report) => report.period);
  if (periods.length === 0 || periods.some((period) => period === null)) return null;
  const known = periods as Array<{ from: string; to: string }>;
  const from = known.map((period) => period.from).sort()[0];
  const to = known
    .map((period) => period.to)
    .sort()
    .at(-1);
  return from === undefined || to === undefined ? null : { from, to };
}

/** How many of this merchant's payments the file's transfer entries name. */
function matchedPayments(sql: SqlStorage, reports: readonly StatementFileReport[]): number {
  const endToEndIds = new Set(
    reports.flatMap((report) => report.lines.flatMap((line) => (isReturnEntry(line) ? [] : [line.end_to_end_id]))),
  );
  let matched = 0;
  for (const endToEndId of endToEndIds) {
    if (sql.exec(`SELECT 1 FROM payments WHERE end_to_end_id = ?`, endToEndId).toArray().length > 0) matched++;
  }
  return matched;
}
