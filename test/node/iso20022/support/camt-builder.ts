/**
 * Builds camt.053 statements and camt.054 notifications the way a bank
 * writes them, in version .02, .04 or .08, for tests. Elements are written in
 * schema order, so .08 documents validate against the ISO XSDs. Where the
 * versions differ the builder follows each: `Sts` is text in .02/.04 and
 * `Sts/Cd` in .08; `TxDtls/Amt` does not exist in .02 (written as
 * AmtDtls/TxAmt there); the report's own pagination exists from .04 on.
 */
import { element, renderXmlDocument, type XmlElement } from "../../../../src/bank/iso20022/xml-writer.ts";

export type CamtFamily = "camt.053" | "camt.054";
export type CamtVersion = "001.02" | "001.04" | "001.08";

type BankCode = { domain: string; family: string; subFamily: string } | { proprietary: string };

interface TransactionSpec {
  endToEndId?: string;
  accountServicerReference?: string;
  /** TxDtls/Amt (AmtDtls/TxAmt in .02). */
  amount?: string;
  transactionAmount?: string;
  instructedAmount?: string;
  currency?: string;
  direction?: "CRDT" | "DBIT";
  code?: BankCode;
  /** RtrInf; `{}` writes an RtrInf with no reason. */
  returnInformation?: { reasonCode?: string; proprietaryReason?: string };
}

export interface EntrySpec {
  entryReference?: string;
  amount: string;
  currency?: string;
  direction: "CRDT" | "DBIT";
  reversal?: boolean;
  status: string;
  /** .08 only: a proprietary status instead of a code. */
  proprietaryStatus?: boolean;
  bookingDate?: { date: string } | { dateTime: string };
  accountServicerReference?: string;
  code?: BankCode;
  /** Several NtryDtls blocks, each with its TxDtls; a single list is one block. */
  transactions?: TransactionSpec[] | TransactionSpec[][];
}

interface ReportSpec {
  id: string;
  iban?: string;
  otherAccountId?: string;
  currency?: string;
  page?: { number: number; last: boolean };
  period?: { from: string; to: string };
  entries: EntrySpec[];
}

export interface CamtSpec {
  family: CamtFamily;
  version: CamtVersion;
  messageId: string;
  createdAt: string;
  page?: { number: number; last: boolean };
  reports: ReportSpec[];
  prefix?: string;
}

export function buildCamt(spec: CamtSpec): string {
  const p = spec.prefix ? `${spec.prefix}:` : "";
  const v08 = spec.version === "001.08";
  const e = (name: string, content: string | XmlElement[], attributes: Record<string, string> = {}) =>
    element(p + name, content, attributes);
  const when = <T>(value: T | undefined, write: (value: T) => XmlElement[]): XmlElement[] => (value === undefined ? [] : write(value));
  const amount = (value: string, currency = "EUR") => e("Amt", value, { Ccy: currency });
  const pagination = (name: string, page: { number: number; last: boolean }) =>
    e(name, [e("PgNb", String(page.number)), e("LastPgInd", String(page.last))]);
  const code = (value: BankCode) =>
    e(
      "BkTxCd",
      "proprietary" in value
        ? [e("Prtry", [e("Cd", value.proprietary), e("Issr", "BANK")])]
        : [e("Domn", [e("Cd", value.domain), e("Fmly", [e("Cd", value.family), e("SubFmlyCd", value.subFamily)])])],
    );

  const transaction = (tx: TransactionSpec) => {
    const refs = [...when(tx.accountServicerReference, (r) => [e("AcctSvcrRef", r)]), ...when(tx.endToEndId, (r) => [e("EndToEndId", r)])];
    const txAmount = spec.version === "001.02" ? (tx.transactionAmount ?? tx.amount) : tx.transactionAmount;
    const details = [
      ...when(tx.instructedAmount, (value) => [e("InstdAmt", [amount(value, tx.currency)])]),
      ...when(txAmount, (value) => [e("TxAmt", [amount(value, tx.currency)])]),
    ];
    return e("TxDtls", [
      ...(refs.length > 0 ? [e("Refs", refs)] : []),
      ...(spec.version !== "001.02" ? when(tx.amount, (value) => [amount(value, tx.currency)]) : []),
      ...(spec.version !== "001.02" ? when(tx.direction, (value) => [e("CdtDbtInd", value)]) : []),
      ...(details.length > 0 ? [e("AmtDtls", details)] : []),
      ...when(tx.code, (value) => [code(value)]),
      ...when(tx.returnInformation, (info) => [
        e("RtrInf", [
          ...when(info.reasonCode, (value) => [e("Rsn", [e("Cd", value)])]),
          ...when(info.proprietaryReason, (value) => [e("Rsn", [e("Prtry", value)])]),
          ...(info.reasonCode === undefined && info.proprietaryReason === undefined ? [e("AddtlInf", "returned")] : []),
        ]),
      ]),
    ]);
  };

  const entry = (n: EntrySpec) => {
    const blocks =
      n.transactions === undefined
        ? []
        : Array.isArray(n.transactions[0])
          ? (n.transactions as TransactionSpec[][])
          : [n.transactions as TransactionSpec[]];
    const status = v08 ? [e("Sts", [e(n.proprietaryStatus ? "Prtry" : "Cd", n.status)])] : [e("Sts", n.status)];
    return e("Ntry", [
      ...when(n.entryReference, (value) => [e("NtryRef", value)]),
      amount(n.amount, n.currency),
      e("CdtDbtInd", n.direction),
      ...when(n.reversal, (value) => [e("RvslInd", String(value))]),
      ...status,
      ...when(n.bookingDate, (value) => [e("BookgDt", ["date" in value ? e("Dt", value.date) : e("DtTm", value.dateTime)])]),
      ...when(n.accountServicerReference, (value) => [e("AcctSvcrRef", value)]),
      code(n.code ?? { domain: "PMNT", family: "ICDT", subFamily: "ESCT" }),
      ...blocks.map((block) => e("NtryDtls", block.map(transaction))),
    ]);
  };

  const statement = spec.family === "camt.053";
  const report = (r: ReportSpec) =>
    e(statement ? "Stmt" : "Ntfctn", [
      e("Id", r.id),
      ...(spec.version !== "001.02" ? when(r.page, (page) => [pagination(statement ? "StmtPgntn" : "NtfctnPgntn", page)]) : []),
      e("CreDtTm", spec.createdAt),
      ...when(r.period, (period) => [e("FrToDt", [e("FrDtTm", period.from), e("ToDtTm", period.to)])]),
      e("Acct", [
        e("Id", [r.otherAccountId === undefined ? e("IBAN", r.iban ?? "DE02120300000000202051") : e("Othr", [e("Id", r.otherAccountId)])]),
        ...when(r.currency, (value) => [e("Ccy", value)]),
      ]),
      // A statement must carry a balance; a notification has none.
      ...(statement
        ? [
            e("Bal", [
              e("Tp", [e("CdOrPrtry", [e("Cd", "OPBD")])]),
              amount("1000.00"),
              e("CdtDbtInd", "CRDT"),
              e("Dt", [e("Dt", "2026-11-23")]),
            ]),
          ]
        : []),
      ...r.entries.map(entry),
    ]);

  const namespace = `urn:iso:std:iso:20022:tech:xsd:${spec.family}.${spec.version}`;
  return renderXmlDocument(
    e(
      "Document",
      [
        e(statement ? "BkToCstmrStmt" : "BkToCstmrDbtCdtNtfctn", [
          e("GrpHdr", [
            e("MsgId", spec.messageId),
            e("CreDtTm", spec.createdAt),
            ...when(spec.page, (page) => [pagination("MsgPgntn", page)]),
          ]),
          ...spec.reports.map(report),
        ]),
      ],
      spec.prefix ? { [`xmlns:${spec.prefix}`]: namespace } : { xmlns: namespace },
    ),
  );
}
