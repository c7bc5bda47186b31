/**
 * Reads a pain.001.001.09 credit transfer initiation that libxml2 has
 * already validated against the EPC SEPA Credit Transfer C2PSP schema, and
 * applies the checks a schema cannot: one transaction per message, control
 * sums, real IBANs. Refusals carry the ISO 20022 status reason a bank uses.
 */
import type { BankCreditTransferRequest } from "../../../schemas/bank-api.ts";
import { Iban } from "../../../schemas/common.ts";
import type { SubmissionIds } from "../answers.ts";
import { decimalToMinor } from "./amounts.ts";
import { allAt, parseXml, textAt, type XmlValue } from "./xml.ts";

export type Pain001Reading =
  | { ok: true; request: BankCreditTransferRequest; ids: Required<SubmissionIds> }
  | { ok: false; status: 400 | 422; reason: string; message: string; ids: SubmissionIds | undefined };

/** What can be told of a document, valid or not, for logs and for naming a refusal's subject. */
export interface PeekedIdentifiers {
  msgId?: string;
  pmtInfId?: string;
  endToEndId?: string;
  debtorIban?: string;
}

export function peekIdentifiers(xml: string): PeekedIdentifiers {
  const initiation = at0(parseXml(xml));
  const payment = allAt(initiation, "PmtInf")[0];
  const transaction = allAt(payment, "CdtTrfTxInf")[0];
  const found: PeekedIdentifiers = {};
  const msgId = textAt(initiation, "GrpHdr", "MsgId");
  const pmtInfId = textAt(payment, "PmtInfId");
  const endToEndId = textAt(transaction, "PmtId", "EndToEndId");
  const debtorIban = textAt(payment, "DbtrAcct", "Id", "IBAN");
  if (msgId) found.msgId = msgId;
  if (pmtInfId) found.pmtInfId = pmtInfId;
  if (endToEndId) found.endToEndId = endToEndId;
  if (debtorIban) found.debtorIban = debtorIban;
  return found;
}

function at0(tree: XmlValue | undefined): XmlValue | undefined {
  const document = tree && typeof tree === "object" && !Array.isArray(tree) ? tree.Document : undefined;
  return document && typeof document === "object" && !Array.isArray(document) ? document.CstmrCdtTrfInitn : undefined;
}

/** A schema-valid document → the transfer it asks for, or the refusal. */
export function readPain001(xml: string): Pain001Reading {
  const initiation = at0(parseXml(xml));
  const payments = allAt(initiation, "PmtInf");
  const transactions = payments.flatMap((payment) => allAt(payment, "CdtTrfTxInf"));
  const payment = payments[0];
  const transaction = transactions[0];
  const msgId = textAt(initiation, "GrpHdr", "MsgId");
  const pmtInfId = textAt(payment, "PmtInfId");
  const endToEndId = textAt(transaction, "PmtId", "EndToEndId");
  if (!msgId || !pmtInfId || !endToEndId) {
    return { ok: false, status: 400, reason: "FF01", message: "Identifiers missing.", ids: undefined };
  }
  const ids = { msgId, pmtInfId, endToEndId };
  const refuse = (reason: string, message: string): Pain001Reading => ({ ok: false, status: 422, reason, message, ids });

  if (payments.length !== 1 || transactions.length !== 1) return refuse("AM18", "This bank takes one transaction per message.");
  const amountText = textAt(transaction, "Amt", "InstdAmt") ?? "";
  const currency = attributeAt(transaction, "Ccy") ?? "";
  const minor = decimalToMinor(amountText);
  if (minor === undefined || minor <= 0) return refuse("AM12", "Invalid amount.");
  for (const [count, sum, level] of [
    [textAt(initiation, "GrpHdr", "NbOfTxs"), textAt(initiation, "GrpHdr", "CtrlSum"), "group"],
    [textAt(payment, "NbOfTxs"), textAt(payment, "CtrlSum"), "payment information"],
  ] as const) {
    if (count === undefined || Number(count) !== 1) return refuse("AM18", `NbOfTxs of the ${level} does not match the transactions.`);
    if (sum === undefined || decimalToMinor(sum) !== minor) return refuse("AM10", `CtrlSum of the ${level} does not match the amounts.`);
  }
  const debtorIban = Iban.safeParse(textAt(payment, "DbtrAcct", "Id", "IBAN"));
  if (!debtorIban.success) return refuse("AC02", "Invalid debtor account number.");
  const creditorIban = Iban.safeParse(textAt(transaction, "CdtrAcct", "Id", "IBAN"));
  if (!creditorIban.success) return refuse("AC03", "Invalid creditor account number.");
  return {
    ok: true,
    ids,
    request: {
      end_to_end_id: endToEndId,
      debtor_iban: debtorIban.data,
      creditor: { name: textAt(transaction, "Cdtr", "Nm") ?? "", iban: creditorIban.data },
      amount: { value: minor, currency },
      remittance_information: textAt(transaction, "RmtInf", "Ustrd") ?? "",
    },
  };
}

function attributeAt(transaction: XmlValue | undefined, name: string): string | undefined {
  const amount = allAt(transaction, "Amt", "InstdAmt")[0];
  if (!amount || typeof amount !== "object" || Array.isArray(amount)) return undefined;
  const value = amount[`@${name}`];
  return typeof value === "string" ? value : undefined;
}
