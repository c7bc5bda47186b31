/**
 * The reconciliation report as CSV (RFC 4180) for finance teams' spreadsheets.
 *
 * Some cells carry bank-supplied text (transfer ids, statuses). A spreadsheet
 * runs a cell that starts with = + - @ (or a tab or carriage return) as a
 * formula, so such cells get a leading apostrophe (OWASP's advice against
 * CSV injection). No column here is numeric-with-sign, so nothing legitimate
 * is altered.
 */
import type { ReconciliationItem, ReconciliationReport } from "../../schemas/reconciliation.ts";

const COLUMNS = [
  "class",
  "end_to_end_id",
  "payment_id",
  "connector_status",
  "connector_amount",
  "connector_currency",
  "bank_transfer_id",
  "bank_status",
  "bank_amount",
  "bank_currency",
  "bank_booked_at",
  "resolved",
  // Appended, so spreadsheets reading the earlier columns by position keep working.
  "return_bank_reference",
  "return_reason_code",
  "return_reason",
  "return_amount",
  "return_currency",
  "return_booked_at",
] as const;

const FORMULA_TRIGGER = /^[=+\-@\t\r]/;

export function reportToCsv(report: ReconciliationReport): string {
  const lines = [COLUMNS.join(",")];
  for (const item of report.items) lines.push(rowOf(item).map(csvCell).join(","));
  return `${lines.join("\r\n")}\r\n`;
}

function rowOf(item: ReconciliationItem): Array<string | number | boolean | null> {
  return [
    item.class,
    item.end_to_end_id,
    item.payment_id,
    item.connector?.status ?? null,
    item.connector?.amount ?? null,
    item.connector?.currency ?? null,
    item.bank?.transfer_id ?? null,
    item.bank?.status ?? null,
    item.bank?.amount ?? null,
    item.bank?.currency ?? null,
    item.bank?.booked_at ?? null,
    item.resolved,
    item.return?.bank_reference ?? null,
    item.return?.reason_code ?? null,
    item.return?.reason ?? null,
    item.return?.amount ?? null,
    item.return?.currency ?? null,
    item.return?.booked_at ?? null,
  ];
}

export function csvCell(value: string | number | boolean | null): string {
  if (value === null) return "";
  let text = String(value);
  if (typeof value === "string" && FORMULA_TRIGGER.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
