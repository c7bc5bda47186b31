/**
 * Daily reconciliation of one merchant's payments against the bank's
 * statement for a UTC business day, inside the merchant's Durable Object.
 *
 * Three phases, in this order:
 * 1. read every statement page (awaits; nothing is written yet, so a bank
 *    failure half-way leaves no partial report);
 * 2. settle each payment still pending at the connector that the statement
 *    shows final, through the object's own bank-outcome path (same state
 *    machine, same event log), one transaction per payment. A statement
 *    that disagrees with the connector is a question, not an answer: the
 *    transfer is inquired first, and only the inquiry's final answer, when
 *    it agrees with the statement, is applied. An inquiry that fails or
 *    disagrees leaves the payment as it is (pending: the report says
 *    status_mismatch) and flags it for a person. The same question is asked
 *    when the statement shows settled a payment the connector failed (a
 *    confirmed answer is the bank contradicting itself: src/payments/contradiction.ts);
 * 3. classify and store the report, with its `reconciliation.completed`
 *    webhook event, in one transaction.
 * Phase 2 changes what phase 3 sees, never what a rerun sees: a payment
 * settled here keeps its "reconciliation" event, which is what marks it
 * `resolved` in every later run of the same day. So a rerun gives the same
 * report unless the bank's statement or the payments themselves changed.
 */
import {
  type BankReturnEntry,
  type BankStatementEntry,
  type BankTransfer,
  isFinalBankStatus,
  isReturnEntry,
  paymentStatusForBankStatus,
} from "../../schemas/bank-api.ts";
import type {
  ReconciliationClass,
  ReconciliationItem,
  ReconciliationReport,
  ReconciliationSource,
  ReconciliationSummary,
} from "../../schemas/reconciliation.ts";
import type { StatementPageOutcome } from "../bank/bank-port.ts";
import type { InquiryOutcome } from "../bank/outcome.ts";
import { paymentIdFloor } from "../payments/payment-listing.ts";
import { findPaymentByEndToEndId, type PaymentRow } from "../payments/payment-row.ts";
import { groupBy } from "../platform/group-by.ts";
import { returnItem } from "./return-items.ts";

/** A statement longer than this many pages is treated as a bank fault rather than walked forever. */
export const MAX_STATEMENT_PAGES = 10_000;
const DAY_MS = 86_400_000;

/** Written into the event detail of a payment settled from a statement. */
export const RECONCILIATION_EVENT_SOURCE = "reconciliation";

export interface ReconciliationPorts {
  sql: SqlStorage;
  /** Where fetchStatementPage reads from (the bank's API or imported files); the report says so. */
  source: ReconciliationSource;
  transactionSync<T>(work: () => T): T;
  fetchStatementPage(cursor: string | null): Promise<StatementPageOutcome>;
  /** Asks the bank about a payment's transfer (the inquiry recovery makes); its answer is not applied. */
  inquire(row: PaymentRow): Promise<InquiryOutcome>;
  /** Applies the bank's final answer, confirmed by the statement, via the object's bank-outcome path. */
  settle(row: PaymentRow, transfer: BankTransfer): void;
  /** The statement and the bank's answer disagree: the payment stays as it is, flagged for a person (if still `status`). */
  flagMismatch(row: PaymentRow): void;
  /** Applies a return entry through the payments' one return path (src/payments/returns.ts); may inquire first. */
  applyReturn(entry: BankReturnEntry): Promise<unknown>;
  /** Called inside the transaction that stores the report (the webhook outbox write). */
  reportStored(report: ReconciliationReport): void;
}

export type ReconciliationResult = { ok: true; report: ReconciliationReport } | { ok: false; reason: string };

export async function reconcileBusinessDay(ports: ReconciliationPorts, merchantId: string, date: string): Promise<ReconciliationResult> {
  const statement = await readWholeStatement(ports);
  if (!statement.ok) return statement;

  const questions: Array<Promise<void>> = [];
  for (const [endToEndId, group] of groupBy(statement.entries, (entry) => entry.end_to_end_id)) {
    const row = findPaymentByEndToEndId(ports.sql, endToEndId);
    if (!row) continue;
    const final = group.filter((entry) => isFinalBankStatus(entry.status) && amountsAgree(row, entry));
    const outcomes = new Set(final.map((entry) => paymentStatusForBankStatus(entry.status)));
    // Settled only when the statement is unambiguous: two bookings that
    // disagree (RJCT and ACSC) leave the payment pending for inquiry and a
    // person, rather than deciding by the order the bank listed them in.
    const [statementSays] = outcomes;
    if (outcomes.size !== 1 || statementSays === undefined || statementSays === "pending") continue;
    const settledAfterFailure = row.status === "failed" && statementSays === "succeeded" && row.discrepancy === null;
    if (row.status === "pending" || settledAfterFailure) questions.push(askTheBank(ports, row, statementSays));
  }
  // In parallel; the object's bank-call cap bounds them.
  await Promise.all(questions);
  // After the settlements: a return whose transfer this statement just settled applies without an inquiry.
  for (const entry of statement.returns) await ports.applyReturn(entry);

  return ports.transactionSync(() => {
    // Dated when it is stored, after phase 2: the report (and its webhook
    // event) never predates the settlements it counts as resolved.
    const report = buildReport(ports.sql, merchantId, date, ports.source, statement, Date.now());
    storeReport(ports.sql, report);
    ports.reportStored(report);
    return { ok: true, report };
  });
}

/** The statement says `statementSays`: applied only when the bank's answer to an inquiry is final and says the same. */
async function askTheBank(ports: ReconciliationPorts, row: PaymentRow, statementSays: "succeeded" | "failed"): Promise<void> {
  const answer = await ports.inquire(row);
  const agrees =
    answer.kind === "accepted" &&
    isFinalBankStatus(answer.transfer.status) &&
    paymentStatusForBankStatus(answer.transfer.status) === statementSays;
  if (answer.kind === "accepted" && agrees) ports.settle(row, answer.transfer);
  else ports.flagMismatch(row);
}

async function readWholeStatement(
  ports: ReconciliationPorts,
): Promise<
  | { ok: true; entries: BankStatementEntry[]; returns: BankReturnEntry[]; pages: number; listsRejected: boolean }
  | { ok: false; reason: string }
> {
  const entries: BankStatementEntry[] = [];
  const returns: BankReturnEntry[] = [];
  const cursorsSeen = new Set<string>();
  let cursor: string | null = null;
  let listsRejected = true;
  for (let pages = 1; ; pages++) {
    const outcome = await ports.fetchStatementPage(cursor);
    if (outcome.kind === "failed") return { ok: false, reason: `statement page ${pages}: ${outcome.reason}` };
    for (const line of outcome.page.entries) {
      if (isReturnEntry(line)) returns.push(line);
      else entries.push(line);
    }
    listsRejected &&= outcome.page.lists_rejected;
    cursor = outcome.page.next_cursor;
    if (cursor === null) return { ok: true, entries, returns, pages, listsRejected };
    if (cursorsSeen.has(cursor)) return { ok: false, reason: `statement page ${pages} repeats an earlier cursor` };
    if (pages >= MAX_STATEMENT_PAGES) return { ok: false, reason: `statement has more than ${MAX_STATEMENT_PAGES} pages` };
    cursorsSeen.add(cursor);
  }
}

function buildReport(
  sql: SqlStorage,
  merchantId: string,
  date: string,
  source: ReconciliationSource,
  statement: { entries: BankStatementEntry[]; returns: BankReturnEntry[]; pages: number; listsRejected: boolean },
  now: number,
): ReconciliationReport {
  const { entries, returns, pages: statementPages } = statement;
  const items: ReconciliationItem[] = [];
  const accounted = new Set<string>();

  for (const [endToEndId, group] of groupBy(entries, (entry) => entry.end_to_end_id)) {
    const row = findPaymentByEndToEndId(sql, endToEndId);
    if (!row) {
      for (const entry of group) items.push(item("unexpected_at_bank", endToEndId, null, entry, false));
      continue;
    }
    accounted.add(row.id);
    const paired = pairFor(row, group);
    items.push(item(classifyPair(row, paired), endToEndId, row, paired, wasSettledByReconciliation(sql, row.id, date)));
    // Any further booking of one payment is money the connector never sent.
    for (const entry of group) if (entry !== paired) items.push(item("unexpected_at_bank", endToEndId, row, entry, false));
  }

  for (const entry of returns) items.push(returnItem(sql, date, entry));

  let connectorPayments = 0;
  for (const row of paymentsExpectedOn(sql, date)) {
    // A statement of bookings only (camt.053) rightly leaves out a transfer the bank rejected.
    if (refusedBeforeBooking(row) || row.status === "canceled" || (!statement.listsRejected && row.status === "failed")) continue;
    connectorPayments++;
    if (!accounted.has(row.id)) items.push(item("missing_at_bank", row.end_to_end_id, row, null, false));
  }

  // A payment's transfer entry before its return, then by bank reference.
  items.sort(
    (a, b) =>
      compareText(a.end_to_end_id, b.end_to_end_id) ||
      Number(a.return !== null) - Number(b.return !== null) ||
      compareText(entryReference(a), entryReference(b)),
  );
  return {
    date,
    merchant_id: merchantId,
    generated_at: new Date(now).toISOString(),
    source,
    statement_pages: statementPages,
    summary: summarize(items, connectorPayments, entries.length + returns.length),
    items,
  };
}

/**
 * Which of a payment's statement entries is its booking when the bank shows
 * several (a double booking): the one that agrees with the payment (the one
 * that settled it, if reconciliation did), then one with the same amount,
 * then the lowest transfer id. Not the statement's order, which is the
 * bank's choice and would make the report depend on it.
 */
function pairFor(row: PaymentRow, group: BankStatementEntry[]): BankStatementEntry {
  const rank = (entry: BankStatementEntry): number => {
    const cls = classifyPair(row, entry);
    return cls === "matched" ? 0 : cls === "status_mismatch" ? 1 : 2;
  };
  return [...group].sort((a, b) => rank(a) - rank(b) || compareText(a.transfer_id, b.transfer_id))[0] as BankStatementEntry;
}

/**
 * An amount difference outranks a status difference: the money itself
 * disagrees. A returned payment's transfer stays settled at the bank (its
 * return is an entry of its own), so it matches ACSC/ACCC.
 */
export function classifyPair(row: PaymentRow, entry: BankStatementEntry): ReconciliationClass {
  if (!amountsAgree(row, entry)) return "amount_mismatch";
  const connectorStatus = row.status === "returned" ? "succeeded" : row.status;
  return paymentStatusForBankStatus(entry.status) === connectorStatus ? "matched" : "status_mismatch";
}

function amountsAgree(row: PaymentRow, entry: BankStatementEntry): boolean {
  return row.amount === entry.amount.value && row.currency === entry.amount.currency;
}

/** The bank answered 4xx to the submission: it never booked the transfer, so its absence is expected. */
function refusedBeforeBooking(row: PaymentRow): boolean {
  return row.status === "failed" && row.bank_transfer_id === null;
}

function item(
  cls: ReconciliationClass,
  endToEndId: string,
  row: PaymentRow | null,
  entry: BankStatementEntry | null,
  resolved: boolean,
): ReconciliationItem {
  return {
    class: cls,
    end_to_end_id: endToEndId,
    payment_id: row?.id ?? null,
    connector: row ? { status: row.status, amount: row.amount, currency: row.currency } : null,
    bank: entry
      ? {
          transfer_id: entry.transfer_id,
          status: entry.status,
          amount: entry.amount.value,
          currency: entry.amount.currency,
          booked_at: entry.booked_at,
        }
      : null,
    return: null,
    resolved,
  };
}

function summarize(items: ReconciliationItem[], connectorPayments: number, statementEntries: number): ReconciliationSummary {
  const summary: ReconciliationSummary = {
    matched: 0,
    missing_at_bank: 0,
    unexpected_at_bank: 0,
    amount_mismatch: 0,
    status_mismatch: 0,
    returned: 0,
    resolved: 0,
    connector_payments: connectorPayments,
    statement_entries: statementEntries,
  };
  for (const entry of items) {
    summary[entry.class]++;
    if (entry.resolved) summary.resolved++;
  }
  return summary;
}

/**
 * The payments the day's statement should show: those the bank said it
 * booked that UTC day, and those created that day whose booking time the
 * bank never gave. So a payment created at 23:59:59 and booked at 00:00:01
 * is expected on the next day's statement, not reported missing from this
 * one. Creation is an id range on the primary key (see payment-listing.ts);
 * booking has its own index.
 */
function paymentsExpectedOn(sql: SqlStorage, date: string): PaymentRow[] {
  const start = Date.parse(`${date}T00:00:00.000Z`);
  const end = start + DAY_MS;
  const createdThatDay = sql
    .exec<PaymentRow>(
      `SELECT * FROM payments WHERE id >= ? AND id < ? AND (bank_booked_at IS NULL OR (bank_booked_at >= ? AND bank_booked_at < ?))`,
      paymentIdFloor(start),
      paymentIdFloor(end),
      start,
      end,
    )
    .toArray();
  const bookedThatDayCreatedOtherwise = sql
    .exec<PaymentRow>(
      `SELECT * FROM payments WHERE bank_booked_at >= ? AND bank_booked_at < ? AND NOT (id >= ? AND id < ?)`,
      start,
      end,
      paymentIdFloor(start),
      paymentIdFloor(end),
    )
    .toArray();
  return [...createdThatDay, ...bookedThatDayCreatedOtherwise];
}

function wasSettledByReconciliation(sql: SqlStorage, paymentId: string, date: string): boolean {
  return (
    sql
      .exec(
        `SELECT 1 FROM payment_events WHERE payment_id = ?
           AND json_extract(detail, '$.source') = ? AND json_extract(detail, '$.business_date') = ? LIMIT 1`,
        paymentId,
        RECONCILIATION_EVENT_SOURCE,
        date,
      )
      .toArray().length > 0
  );
}

/** Replaces the day's stored report; must run inside a transaction. */
function storeReport(sql: SqlStorage, report: ReconciliationReport): void {
  sql.exec(`DELETE FROM reconciliation_items WHERE business_date = ?`, report.date);
  report.items.forEach((entry, index) => {
    sql.exec(
      `INSERT INTO reconciliation_items (business_date, seq, class, end_to_end_id, payment_id, item) VALUES (?, ?, ?, ?, ?, ?)`,
      report.date,
      index,
      entry.class,
      entry.end_to_end_id,
      entry.payment_id,
      JSON.stringify(entry),
    );
  });
  sql.exec(
    `INSERT INTO reconciliation_reports (business_date, generated_at, statement_pages, summary, source, runs) VALUES (?, ?, ?, ?, ?, 1)
     ON CONFLICT (business_date) DO UPDATE SET generated_at = excluded.generated_at, statement_pages = excluded.statement_pages,
       summary = excluded.summary, source = excluded.source, runs = runs + 1`,
    report.date,
    Date.parse(report.generated_at),
    report.statement_pages,
    JSON.stringify(report.summary),
    JSON.stringify(report.source),
  );
}

export function readStoredReport(sql: SqlStorage, merchantId: string, date: string): ReconciliationReport | undefined {
  const header = sql
    .exec<{ generated_at: number; statement_pages: number; summary: string; source: string | null }>(
      `SELECT generated_at, statement_pages, summary, source FROM reconciliation_reports WHERE business_date = ?`,
      date,
    )
    .toArray()[0];
  if (!header) return undefined;
  const items = sql
    .exec<{ item: string }>(`SELECT item FROM reconciliation_items WHERE business_date = ? ORDER BY seq`, date)
    .toArray()
    // Items and summaries stored before returns existed have no `return` / `returned`.
    .map((row) => ({ return: null, ...(JSON.parse(row.item) as Partial<ReconciliationItem>) }) as ReconciliationItem);
  return {
    date,
    merchant_id: merchantId,
    generated_at: new Date(header.generated_at).toISOString(),
    // Reports stored before imports existed came from the bank's API.
    source: header.source === null ? { kind: "bank_api", statement_ids: [] } : (JSON.parse(header.source) as ReconciliationSource),
    statement_pages: header.statement_pages,
    summary: { returned: 0, ...(JSON.parse(header.summary) as Partial<ReconciliationSummary>) } as ReconciliationSummary,
    items,
  };
}

/** A statement entry's bank reference: the transfer's, or the return's. */
function entryReference(item: ReconciliationItem): string {
  return item.bank?.transfer_id ?? item.return?.bank_reference ?? "";
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
