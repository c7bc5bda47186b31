/**
 * Reads camt.053 statements and camt.054 debit/credit notifications
 * (versions .02, .04 and .08, by the element names they share) into a
 * neutral model: the message (id, creation time, page), and per statement or
 * notification its id, account, period and items (camt-entries.ts).
 */
import { Camt053Document, Camt054Document, type CamtEntry, type CamtPagination } from "../../../schemas/bank-iso20022.ts";
import { type CamtItem, readEntry } from "./camt-entries.ts";
import { isoDateTimeToUtc } from "./iso-datetime.ts";
import { firstIssuePath } from "./issue-path.ts";
import { type Iso20022MessageType, parseIso20022Document, type XmlReadOptions } from "./xml-document.ts";
import type { XmlRefusal } from "./xml-safety.ts";

export type CamtMessageType = Extract<Iso20022MessageType, { family: "camt.053" | "camt.054" }>;

export interface CamtPage {
  /** PgNb. */
  number: number;
  /** LastPgInd. */
  last: boolean;
}

/** One Stmt (camt.053) or Ntfctn (camt.054). */
export interface CamtReport {
  /** Stmt/Id or Ntfctn/Id. */
  id: string;
  /** Acct/Id/IBAN; null when the account is identified otherwise (Othr). */
  accountIban: string | null;
  accountCurrency: string | null;
  /** StmtPgntn / NtfctnPgntn, when given. */
  page: CamtPage | null;
  /** FrToDt in UTC, when given. */
  period: { from: string; to: string } | null;
  /** How many Ntry the report holds, ignored ones included. */
  entryCount: number;
  /** INFO entries: counted, not itemised. */
  ignoredEntryCount: number;
  items: CamtItem[];
}

export interface CamtDocument {
  kind: "statement" | "notification";
  messageType: CamtMessageType;
  /** GrpHdr/MsgId. */
  messageId: string;
  /** GrpHdr/CreDtTm in UTC. */
  createdAt: string;
  /** GrpHdr/MsgPgntn, when given. */
  page: CamtPage | null;
  reports: CamtReport[];
}

export type CamtReading =
  | { kind: "camt"; document: CamtDocument }
  /** Parsed, but failed validation or cannot be mapped (unknown entry status, amount not in minor units...). */
  | { kind: "invalid"; reason: string }
  /** Unsafe, malformed, not a camt.053/054, or a version the connector does not read. */
  | { kind: "refused"; refusal: XmlRefusal };

interface RawReport {
  Id: string;
  FrToDt?: { FrDtTm: string; ToDtTm: string } | undefined;
  Acct: { Id: { IBAN?: string | undefined }; Ccy?: string | undefined };
  Ntry?: CamtEntry[] | undefined;
  page?: CamtPagination | undefined;
}

export function readCamt(input: string | Uint8Array, options: XmlReadOptions = {}): CamtReading {
  const parsed = parseIso20022Document(input, options);
  if (!parsed.ok) {
    // For an importer of statement files, an XML document of any other kind is simply not a camt document.
    const { reason, detail } = parsed.refusal;
    return { kind: "refused", refusal: { reason: reason === "unsupported-document" ? "not-a-camt-document" : reason, detail } };
  }
  const messageType = parsed.messageType;
  switch (messageType.family) {
    case "camt.053": {
      const validated = Camt053Document.safeParse(parsed.document);
      if (!validated.success) return { kind: "invalid", reason: `statement failed validation at ${firstIssuePath(validated.error)}` };
      const { GrpHdr, Stmt } = validated.data.BkToCstmrStmt;
      const reports = Stmt.map(({ StmtPgntn, ...report }) => ({ ...report, page: StmtPgntn }));
      return readDocument("statement", messageType, GrpHdr, reports);
    }
    case "camt.054": {
      const validated = Camt054Document.safeParse(parsed.document);
      if (!validated.success) return { kind: "invalid", reason: `notification failed validation at ${firstIssuePath(validated.error)}` };
      const { GrpHdr, Ntfctn } = validated.data.BkToCstmrDbtCdtNtfctn;
      const reports = Ntfctn.map(({ NtfctnPgntn, ...report }) => ({ ...report, page: NtfctnPgntn }));
      return readDocument("notification", messageType, GrpHdr, reports);
    }
    case "pain.001":
    case "pain.002":
      return { kind: "refused", refusal: { reason: "not-a-camt-document", detail: `a ${messageType.family} document` } };
    default:
      return messageType satisfies never;
  }
}

function readDocument(
  kind: CamtDocument["kind"],
  messageType: CamtMessageType,
  header: { MsgId: string; CreDtTm: string; MsgPgntn?: CamtPagination | undefined },
  rawReports: RawReport[],
): CamtReading {
  const createdAt = isoDateTimeToUtc(header.CreDtTm);
  if (createdAt === null) return { kind: "invalid", reason: "GrpHdr/CreDtTm is not a valid date-time" };
  const reports: CamtReport[] = [];
  for (const [reportIndex, raw] of rawReports.entries()) {
    const report = readReport(raw);
    if ("invalid" in report) return { kind: "invalid", reason: `report ${reportIndex}, ${report.invalid}` };
    reports.push(report);
  }
  return { kind: "camt", document: { kind, messageType, messageId: header.MsgId, createdAt, page: readPage(header.MsgPgntn), reports } };
}

function readReport(raw: RawReport): CamtReport | { invalid: string } {
  let period: CamtReport["period"] = null;
  if (raw.FrToDt !== undefined) {
    const from = isoDateTimeToUtc(raw.FrToDt.FrDtTm);
    const to = isoDateTimeToUtc(raw.FrToDt.ToDtTm);
    if (from === null || to === null) return { invalid: "FrToDt is not a valid period" };
    period = { from, to };
  }
  const entries = raw.Ntry ?? [];
  const items: CamtItem[] = [];
  let ignoredEntryCount = 0;
  for (const [entryIndex, entry] of entries.entries()) {
    const reading = readEntry(entry, entryIndex);
    switch (reading.kind) {
      case "items":
        // One by one: a batch entry may hold more items than a spread may pass as arguments.
        for (const item of reading.items) items.push(item);
        break;
      case "ignored":
        ignoredEntryCount++;
        break;
      case "invalid":
        return { invalid: reading.reason };
      default:
        return reading satisfies never;
    }
  }
  return {
    id: raw.Id,
    accountIban: raw.Acct.Id.IBAN ?? null,
    accountCurrency: raw.Acct.Ccy ?? null,
    page: readPage(raw.page),
    period,
    entryCount: entries.length,
    ignoredEntryCount,
    items,
  };
}

function readPage(pagination: CamtPagination | undefined): CamtPage | null {
  if (pagination === undefined) return null;
  return { number: Number(pagination.PgNb), last: pagination.LastPgInd === "true" || pagination.LastPgInd === "1" };
}
