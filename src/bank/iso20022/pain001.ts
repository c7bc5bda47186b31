/**
 * The pain.001.001.09 customer credit transfer initiation the connector sends
 * for one payment, valid against the EPC SEPA Credit Transfer C2PSP schema
 * (EPC132-08 2023 v1.0): one PmtInf with one CdtTrfTxInf, and the payment's
 * end-to-end id as MsgId, PmtInfId and EndToEndId, so a status report for any
 * of the three levels names our payment.
 */
import {
  ISO20022_CURRENCY,
  ISO20022_CURRENCY_FRACTION_DIGITS,
  type Iso20022AdmissionProblem,
  iso20022AdmissionProblem,
} from "./admission.ts";
import { minorUnitsToDecimalText } from "./decimal-amount.ts";
import { isoDateDay } from "./iso-datetime.ts";
import { sepaName, sepaReference } from "./sepa-text.ts";
import { element, renderXmlDocument, type XmlElement } from "./xml-writer.ts";

export const PAIN001_NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09";
/** DbtrAgt is mandatory; the debtor's bank identifies itself by the IBAN, so no BIC is sent. */
export const DEBTOR_AGENT_NOT_PROVIDED = "NOTPROVIDED";

/**
 * EndToEndId, MsgId and PmtInfId are Max35Text; the SEPA rules restrict
 * identifiers to the SEPA set without spaces, not starting or ending with `/`
 * and without `//`. The connector's ULIDs are far inside this.
 */
const SEPA_IDENTIFIER = /^(?!\/)(?!.*\/\/)(?!.*\/$)[A-Za-z0-9/\-?:().,'+]{1,35}$/;
/** IBAN2007Identifier. The caller has already checked the IBAN itself (check digits, country length). */
const IBAN = /^[A-Z]{2}[0-9]{2}[A-Za-z0-9]{1,30}$/;
/** CreDtTm must be a real instant: from 1970 to the year 9999. */
const MAX_EPOCH_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

export interface Pain001Input {
  /** The payment's end-to-end id (the connector's ULID); also MsgId and PmtInfId. */
  endToEndId: string;
  /** When the transfer was first sent to the bank, epoch ms; CreDtTm in UTC (a resend repeats it). */
  firstSentAt: number;
  /** The payment's creation day, UTC, YYYY-MM-DD: ReqdExctnDt/Dt. */
  creationDay: string;
  /** The merchant's name: InitgPty/Nm and Dbtr/Nm (transliterated, at most 70 characters). */
  merchantName: string;
  /** The merchant's IBAN, electronic format. */
  debtorIban: string;
  creditorName: string;
  creditorIban: string;
  /** Remittance information (Ustrd), transliterated, at most 140 characters; omitted when empty. */
  reference: string;
  amountMinor: number;
  currency: string;
}

export type Pain001Problem =
  | Iso20022AdmissionProblem
  | "invalid-end-to-end-id"
  | "invalid-first-sent-at"
  | "invalid-creation-day"
  | "invalid-debtor-iban"
  | "invalid-creditor-iban";

export type Pain001Build = { ok: true; xml: string } | { ok: false; problem: Pain001Problem };

/** Builds the document, or says which input it cannot carry (no input value is echoed). */
export function buildPain001(input: Pain001Input): Pain001Build {
  const problem = pain001InputProblem(input);
  if (problem !== null) return { ok: false, problem };
  // Both checked by pain001InputProblem: a safe integer in range, so the text exists.
  const amount = minorUnitsToDecimalText(input.amountMinor, ISO20022_CURRENCY_FRACTION_DIGITS) ?? "";
  const merchantName = sepaName(input.merchantName);
  const reference = sepaReference(input.reference);
  const transaction: XmlElement[] = [
    element("PmtId", [element("EndToEndId", input.endToEndId)]),
    element("Amt", [element("InstdAmt", amount, { Ccy: ISO20022_CURRENCY })]),
    // CdtrAgt is optional in the C2PSP schema (the IBAN identifies the creditor's bank): omitted.
    element("Cdtr", [element("Nm", sepaName(input.creditorName))]),
    element("CdtrAcct", [element("Id", [element("IBAN", input.creditorIban)])]),
  ];
  if (reference !== null) transaction.push(element("RmtInf", [element("Ustrd", reference)]));
  const document = element(
    "Document",
    [
      element("CstmrCdtTrfInitn", [
        element("GrpHdr", [
          element("MsgId", input.endToEndId),
          element("CreDtTm", new Date(input.firstSentAt).toISOString()),
          element("NbOfTxs", "1"),
          element("CtrlSum", amount),
          element("InitgPty", [element("Nm", merchantName)]),
        ]),
        element("PmtInf", [
          element("PmtInfId", input.endToEndId),
          element("PmtMtd", "TRF"),
          element("NbOfTxs", "1"),
          element("CtrlSum", amount),
          element("PmtTpInf", [element("SvcLvl", [element("Cd", "SEPA")])]),
          element("ReqdExctnDt", [element("Dt", input.creationDay)]),
          element("Dbtr", [element("Nm", merchantName)]),
          element("DbtrAcct", [element("Id", [element("IBAN", input.debtorIban)])]),
          element("DbtrAgt", [element("FinInstnId", [element("Othr", [element("Id", DEBTOR_AGENT_NOT_PROVIDED)])])]),
          element("ChrgBr", "SLEV"),
          element("CdtTrfTxInf", transaction),
        ]),
      ]),
    ],
    { xmlns: PAIN001_NAMESPACE },
  );
  return { ok: true, xml: renderXmlDocument(document) };
}

function pain001InputProblem(input: Pain001Input): Pain001Problem | null {
  const admission = iso20022AdmissionProblem(input.amountMinor, input.currency);
  if (admission !== null) return admission;
  if (!SEPA_IDENTIFIER.test(input.endToEndId)) return "invalid-end-to-end-id";
  if (!Number.isSafeInteger(input.firstSentAt) || input.firstSentAt < 0 || input.firstSentAt > MAX_EPOCH_MS) return "invalid-first-sent-at";
  if (!/^\d{4}-\d{2}-\d{2}$/.test(input.creationDay) || isoDateDay(input.creationDay) === null) return "invalid-creation-day";
  if (!IBAN.test(input.debtorIban)) return "invalid-debtor-iban";
  if (!IBAN.test(input.creditorIban)) return "invalid-creditor-iban";
  return null;
}
