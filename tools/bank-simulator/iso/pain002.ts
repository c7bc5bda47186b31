/**
 * pain.002 customer payment status reports, in the versions banks send:
 * 001.03 (2009, still the most common), 001.10 (2019) and 001.11. The
 * elements used here have the same names and order in all three; only the
 * namespace differs, and 001.03's closed list of transaction statuses has
 * no RCVD or ACCC (reported as PDNG and ACSC).
 */
import { el, renderDocument, type XmlChild } from "./xml.ts";

export const PAIN002_VERSIONS = ["001.03", "001.10", "001.11"] as const;
export type Pain002Version = (typeof PAIN002_VERSIONS)[number];

/** The message the reports answer. */
const ORIGINAL_MESSAGE_NAME = "pain.001.001.09";

export interface StatusReport {
  version: Pain002Version;
  /** The report's own MsgId. */
  msgId: string;
  createdAt: string;
  originalMsgId: string;
  /** Group status: only a refused message (RJCT) carries one. */
  group?: { status: "RJCT"; reasonCode: string; info?: string };
  /** The transaction, when the message was understood well enough to name it. */
  transaction?: {
    pmtInfId: string;
    endToEndId: string;
    /** A status code; anything goes (a misbehaving bank's report is built here too). */
    status: string;
    reasonCode?: string;
    acceptedAt?: string;
    accountServicerRef?: string;
  };
}

function pain002Namespace(version: Pain002Version): string {
  return `urn:iso:std:iso:20022:tech:xsd:pain.002.${version}`;
}

export function renderStatusReport(report: StatusReport): string {
  const { group, transaction } = report;
  return renderDocument(
    pain002Namespace(report.version),
    el("CstmrPmtStsRpt", [
      el("GrpHdr", [el("MsgId", report.msgId), el("CreDtTm", report.createdAt)]),
      el("OrgnlGrpInfAndSts", [
        el("OrgnlMsgId", report.originalMsgId),
        el("OrgnlMsgNmId", ORIGINAL_MESSAGE_NAME),
        group && el("GrpSts", group.status),
        group && reason(group.reasonCode, group.info),
      ]),
      transaction &&
        el("OrgnlPmtInfAndSts", [
          el("OrgnlPmtInfId", transaction.pmtInfId),
          el("TxInfAndSts", [
            el("OrgnlEndToEndId", transaction.endToEndId),
            el("TxSts", statusInVersion(transaction.status, report.version)),
            transaction.reasonCode !== undefined && reason(transaction.reasonCode),
            transaction.acceptedAt !== undefined && el("AccptncDtTm", transaction.acceptedAt),
            transaction.accountServicerRef !== undefined && el("AcctSvcrRef", transaction.accountServicerRef),
          ]),
        ]),
    ]),
  );
}

/** Max105Text. */
const MAX_ADDITIONAL_INFO_LENGTH = 105;

function reason(code: string, info?: string): XmlChild {
  return el("StsRsnInf", [
    el("Rsn", [el("Cd", code)]),
    info !== undefined && info !== "" && el("AddtlInf", info.slice(0, MAX_ADDITIONAL_INFO_LENGTH)),
  ]);
}

/** pain.002.001.03's TransactionIndividualStatus3Code is a closed list without RCVD and ACCC. */
function statusInVersion(status: string, version: Pain002Version): string {
  if (version !== "001.03") return status;
  if (status === "RCVD") return "PDNG";
  if (status === "ACCC") return "ACSC";
  return status;
}
