/**
 * camt.053 statements and camt.054 debit/credit notifications in the
 * versions banks send: 001.02 (2009, the most common), 001.04 and 001.08.
 * Differences that matter here:
 * - entry status: plain text (<Sts>BOOK</Sts>) in .02/.04, a choice
 *   (<Sts><Cd>BOOK</Cd></Sts>) in .08;
 * - a transaction's own amount: TxDtls/AmtDtls/TxAmt/Amt in .02 (TxDtls has
 *   no Amt there), TxDtls/Amt + CdtDbtInd in .04 (mandatory) and .08.
 * The elements written have the same names and order in all three.
 */
import { minorToDecimal } from "./amounts.ts";
import type { CamtVersion } from "./settings.ts";
import { el, renderDocument, type XmlElement } from "./xml.ts";

type CreditDebit = "DBIT" | "CRDT";

export interface CamtTransaction {
  endToEndId: string;
  accountServicerRef: string;
  amountMinor: number;
  currency: string;
  direction: CreditDebit;
  /** Present on a return: its ISO 20022 return reason. */
  returnReason?: string;
}

export interface CamtEntry {
  status: "BOOK" | "PDNG" | "INFO";
  direction: CreditDebit;
  amountMinor: number;
  currency: string;
  /** BookgDt as a date (Dt) or a date-time (DtTm, already written with its offset). */
  bookingDate: { kind: "Dt" | "DtTm"; value: string };
  accountServicerRef: string;
  /** PMNT/ICDT/ESCT for a SEPA credit transfer, PMNT/ICDT/RRTN for its return. */
  subFamily: "ESCT" | "RRTN";
  /** One, or several for a batch entry (Btch + one TxDtls each). */
  transactions: CamtTransaction[];
}

interface CamtAccount {
  iban: string;
  currency: string;
}

export interface StatementDocument {
  version: CamtVersion;
  msgId: string;
  createdAt: string;
  page: { number: number; last: boolean };
  statementId: string;
  account: CamtAccount;
  date: string;
  /** Opening and closing booked balances in minor units (negative: debit balance). */
  balances: { opening: number; closing: number };
  entries: CamtEntry[];
}

export interface NotificationDocument {
  version: CamtVersion;
  msgId: string;
  createdAt: string;
  notificationId: string;
  account: CamtAccount;
  entries: CamtEntry[];
}

function camtNamespace(message: "camt.053" | "camt.054", version: CamtVersion): string {
  return `urn:iso:std:iso:20022:tech:xsd:${message}.${version}`;
}

export function renderStatement(statement: StatementDocument): string {
  const { version, account } = statement;
  return renderDocument(
    camtNamespace("camt.053", version),
    el("BkToCstmrStmt", [
      groupHeader(statement.msgId, statement.createdAt, statement.page),
      el("Stmt", [
        el("Id", statement.statementId),
        el("CreDtTm", statement.createdAt),
        accountElement(account),
        balance("OPBD", statement.balances.opening, account.currency, statement.date),
        balance("CLBD", statement.balances.closing, account.currency, statement.date),
        ...statement.entries.map((entry) => entryElement(entry, version)),
      ]),
    ]),
  );
}

export function renderNotification(notification: NotificationDocument): string {
  const { version } = notification;
  return renderDocument(
    camtNamespace("camt.054", version),
    el("BkToCstmrDbtCdtNtfctn", [
      groupHeader(notification.msgId, notification.createdAt, { number: 1, last: true }),
      el("Ntfctn", [
        el("Id", notification.notificationId),
        el("CreDtTm", notification.createdAt),
        accountElement(notification.account),
        ...notification.entries.map((entry) => entryElement(entry, version)),
      ]),
    ]),
  );
}

function groupHeader(msgId: string, createdAt: string, page: { number: number; last: boolean }): XmlElement {
  return el("GrpHdr", [
    el("MsgId", msgId),
    el("CreDtTm", createdAt),
    el("MsgPgntn", [el("PgNb", String(page.number)), el("LastPgInd", String(page.last))]),
  ]);
}

function accountElement(account: CamtAccount): XmlElement {
  return el("Acct", [el("Id", [el("IBAN", account.iban)]), el("Ccy", account.currency)]);
}

function amount(name: string, minor: number, currency: string): XmlElement {
  return el(name, minorToDecimal(Math.abs(minor)), { Ccy: currency });
}

function balance(type: "OPBD" | "CLBD", minor: number, currency: string, date: string): XmlElement {
  return el("Bal", [
    el("Tp", [el("CdOrPrtry", [el("Cd", type)])]),
    amount("Amt", minor, currency),
    el("CdtDbtInd", minor < 0 ? "DBIT" : "CRDT"),
    el("Dt", [el("Dt", date)]),
  ]);
}

function bankTransactionCode(subFamily: CamtEntry["subFamily"]): XmlElement {
  return el("BkTxCd", [el("Domn", [el("Cd", "PMNT"), el("Fmly", [el("Cd", "ICDT"), el("SubFmlyCd", subFamily)])])]);
}

function entryElement(entry: CamtEntry, version: CamtVersion): XmlElement {
  const batch = entry.transactions.length > 1;
  return el("Ntry", [
    amount("Amt", entry.amountMinor, entry.currency),
    el("CdtDbtInd", entry.direction),
    version === "001.08" ? el("Sts", [el("Cd", entry.status)]) : el("Sts", entry.status),
    el("BookgDt", [el(entry.bookingDate.kind, entry.bookingDate.value)]),
    el("AcctSvcrRef", entry.accountServicerRef),
    bankTransactionCode(entry.subFamily),
    el("NtryDtls", [
      batch &&
        el("Btch", [
          el("NbOfTxs", String(entry.transactions.length)),
          amount("TtlAmt", entry.amountMinor, entry.currency),
          el("CdtDbtInd", entry.direction),
        ]),
      ...entry.transactions.map((transaction) => transactionElement(transaction, entry.subFamily, version)),
    ]),
  ]);
}

function transactionElement(transaction: CamtTransaction, subFamily: CamtEntry["subFamily"], version: CamtVersion): XmlElement {
  const ownAmount =
    version === "001.02"
      ? [el("AmtDtls", [el("TxAmt", [amount("Amt", transaction.amountMinor, transaction.currency)])])]
      : [amount("Amt", transaction.amountMinor, transaction.currency), el("CdtDbtInd", transaction.direction)];
  return el("TxDtls", [
    el("Refs", [el("AcctSvcrRef", transaction.accountServicerRef), el("EndToEndId", transaction.endToEndId)]),
    ...ownAmount,
    bankTransactionCode(subFamily),
    transaction.returnReason !== undefined && el("RtrInf", [el("Rsn", [el("Cd", transaction.returnReason)])]),
  ]);
}
