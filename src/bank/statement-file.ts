/**
 * A statement file a merchant uploads (POST /v1/statements), for banks that
 * deliver camt.053 statements or camt.054 notifications out of band: read
 * safely by the codec (no DTD, no entities, capped size and depth; Zod on the
 * parsed tree) into the statement model the bank's API feeds too
 * (camt-mapping.ts). The raw file is not kept; its SHA-256 is.
 */
import type { BankStatementLine } from "../../schemas/bank-api.ts";
import { mapCamtItems } from "./camt-mapping.ts";
import { type CamtReport, readCamt } from "./iso20022/camt.ts";
import { DEFAULT_MAX_XML_BYTES, type XmlRefusalReason } from "./iso20022/xml-safety.ts";

/** The largest statement file accepted, in bytes (the codec's own cap). */
export const MAX_STATEMENT_FILE_BYTES = DEFAULT_MAX_XML_BYTES;
/** A statement period at most this long (a day in any UTC offset, and some slack) serves one business day. */
const MAX_DAY_STATEMENT_PERIOD_MS = 26 * 3_600_000;

export type StatementFileKind = "camt.053" | "camt.054";

export interface StatementFileReport {
  /** Stmt/Id or Ntfctn/Id. */
  id: string;
  /** Acct/Id/IBAN; null when the account is identified otherwise. */
  accountIban: string | null;
  /** MsgPgntn (or the report's own pagination), when given. */
  page: { number: number; last: boolean } | null;
  period: { from: string; to: string } | null;
  /** The UTC business day a camt.053 serves in reconciliation (camt-mapping's entries), or null (a notification, or no single day). */
  businessDate: string | null;
  /** How many Ntry the report holds (INFO ones included). */
  entryCount: number;
  /** Its entries as statement lines (transfers, returns, unattributable entries; camt-mapping.ts), one per transaction. */
  lines: BankStatementLine[];
}

export interface StatementFile {
  kind: StatementFileKind;
  /** GrpHdr/MsgId. */
  messageId: string;
  reports: StatementFileReport[];
}

export type StatementFileReading =
  | { ok: true; file: StatementFile }
  /** Why the file is refused: the codec's refusal reason (dtd, entity, too-deep, not-a-camt-document…) or "invalid". */
  | { ok: false; reason: XmlRefusalReason | "invalid"; detail: string };

export function readStatementFile(bytes: Uint8Array): StatementFileReading {
  const reading = readCamt(bytes, { maxBytes: MAX_STATEMENT_FILE_BYTES });
  switch (reading.kind) {
    case "refused":
      return { ok: false, reason: reading.refusal.reason, detail: reading.refusal.detail };
    case "invalid":
      return { ok: false, reason: "invalid", detail: reading.reason };
    case "camt":
      break;
    default:
      return reading satisfies never;
  }
  const { document } = reading;
  const kind: StatementFileKind = document.kind === "statement" ? "camt.053" : "camt.054";
  const reports = document.reports.map((report): StatementFileReport => {
    const businessDate = kind === "camt.053" ? statementDay(report) : null;
    // An entry with no booking date at all (pending) is dated by the statement's day, else by the file's creation.
    const lines = mapCamtItems(report.items, businessDate ?? document.createdAt.slice(0, 10));
    return {
      id: report.id,
      accountIban: report.accountIban,
      page: document.page ?? report.page,
      period: report.period,
      businessDate,
      entryCount: report.entryCount,
      lines,
    };
  });
  return { ok: true, file: { kind, messageId: document.messageId, reports } };
}

/**
 * The UTC day a statement is the bank's statement of: the day holding the
 * middle of its period (FrToDt), when that period is about a day long, so a
 * bank's local day (00:00+01:00 to 23:59:59+01:00) is its own date; without a
 * period, the one booking date all its entries share. Otherwise none: the
 * file is kept (its returns count) but reconciles no day.
 */
function statementDay(report: CamtReport): string | null {
  if (report.period !== null) {
    const from = Date.parse(report.period.from);
    const to = Date.parse(report.period.to);
    if (to < from || to - from > MAX_DAY_STATEMENT_PERIOD_MS) return null;
    return new Date(from + Math.floor((to - from) / 2)).toISOString().slice(0, 10);
  }
  const days = new Set(report.items.map((item) => item.bookingDate));
  const [only] = days;
  return days.size === 1 && only !== undefined ? only : null;
}
