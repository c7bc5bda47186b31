/**
 * Reads a pain.002 customer payment status report (versions .03, .10, .11,
 * by the element names they share) for the one transfer we sent in a
 * pain.001, whose MsgId, PmtInfId and EndToEndId are all its end-to-end id.
 *
 * The status that applies is the transaction's TxSts, else its payment
 * information's PmtInfSts, else the group's GrpSts (a whole-message verdict
 * such as RJCT FF01, a schema failure). A report about another message, or
 * naming other transactions and not ours with no group verdict, is a
 * mismatch: the caller cannot learn our transfer's fate from it.
 */
import { BANK_STATUS_CODES, type BankStatusCode } from "../../../schemas/bank-api.ts";
import { Pain002Document, type Pain002PaymentInformationStatus, type Pain002TransactionStatus } from "../../../schemas/bank-iso20022.ts";
import { isoDateTimeToUtc } from "./iso-datetime.ts";
import { firstIssuePath } from "./issue-path.ts";
import { parseIso20022Document, type XmlReadOptions } from "./xml-document.ts";
import type { XmlRefusal } from "./xml-safety.ts";

export type Pain002StatusSource = "transaction" | "payment-information" | "group";

export interface Pain002Status {
  kind: "status";
  status: BankStatusCode;
  /** ISO external status reason code (e.g. AC04, FF01), from the status's level or, for RJCT, the levels above. */
  reasonCode: string | null;
  endToEndId: string;
  source: Pain002StatusSource;
  version: "001.03" | "001.10" | "001.11";
  /** The report's own GrpHdr/MsgId and CreDtTm (UTC). */
  reportMessageId: string;
  reportCreatedAt: string;
  /** TxInfAndSts/AccptncDtTm in UTC, when the report names our transaction and carries it. */
  acceptedAt: string | null;
  /** TxInfAndSts/AcctSvcrRef: the bank's reference for the transfer, when given. */
  accountServicerReference: string | null;
}

export type Pain002Reading =
  | Pain002Status
  /** About another message or other transactions: an unknown outcome for ours. */
  | { kind: "mismatch"; reason: string }
  /** Parsed, but not a report the connector can trust (failed the schema, unknown or conflicting status). */
  | { kind: "invalid"; reason: string }
  /** Unsafe, malformed, or not a pain.002 of an accepted version. */
  | { kind: "refused"; refusal: XmlRefusal };

export function readPain002(input: string | Uint8Array, endToEndId: string, options: XmlReadOptions = {}): Pain002Reading {
  const parsed = parseIso20022Document(input, options);
  if (!parsed.ok) {
    const { reason, detail } = parsed.refusal;
    return { kind: "refused", refusal: { reason: reason === "unsupported-document" ? "not-a-status-report" : reason, detail } };
  }
  if (parsed.messageType.family !== "pain.002") {
    return { kind: "refused", refusal: { reason: "not-a-status-report", detail: `a ${parsed.messageType.family} document` } };
  }
  const validated = Pain002Document.safeParse(parsed.document);
  if (!validated.success) return { kind: "invalid", reason: `status report failed validation at ${firstIssuePath(validated.error)}` };
  const report = validated.data.CstmrPmtStsRpt;
  const group = report.OrgnlGrpInfAndSts;
  // Our MsgId is our end-to-end id: a report for another message says nothing about ours.
  if (group.OrgnlMsgId !== endToEndId) return { kind: "mismatch", reason: "the report is about another message" };

  const verdict = applicableStatus(report.OrgnlPmtInfAndSts ?? [], group, endToEndId);
  if ("kind" in verdict) return verdict;
  if (!isBankStatusCode(verdict.code)) return { kind: "invalid", reason: `status ${verdict.code} is not one the connector knows` };
  const reportCreatedAt = isoDateTimeToUtc(report.GrpHdr.CreDtTm);
  if (reportCreatedAt === null) return { kind: "invalid", reason: "GrpHdr/CreDtTm is not a valid date-time" };
  const acceptedText = verdict.transaction?.AccptncDtTm;
  const acceptedAt = acceptedText === undefined ? null : isoDateTimeToUtc(acceptedText);
  if (acceptedText !== undefined && acceptedAt === null) return { kind: "invalid", reason: "AccptncDtTm is not a valid date-time" };
  const reasonLevels = verdict.code === "RJCT" ? verdict.reasonLevels : verdict.reasonLevels.slice(0, 1);
  return {
    kind: "status",
    status: verdict.code,
    reasonCode: firstReasonCode(reasonLevels),
    endToEndId,
    source: verdict.source,
    version: parsed.messageType.version,
    reportMessageId: report.GrpHdr.MsgId,
    reportCreatedAt,
    acceptedAt,
    accountServicerReference: verdict.transaction?.AcctSvcrRef ?? null,
  };
}

type Group = Pain002Document["CstmrPmtStsRpt"]["OrgnlGrpInfAndSts"];
type StatusReasons = Pain002TransactionStatus["StsRsnInf"];

interface Verdict {
  code: string;
  source: Pain002StatusSource;
  transaction: Pain002TransactionStatus | null;
  /** Reason lists from the status's own level upward. */
  reasonLevels: StatusReasons[];
}

function applicableStatus(
  blocks: Pain002PaymentInformationStatus[],
  group: Group,
  endToEndId: string,
): Verdict | Exclude<Pain002Reading, Pain002Status> {
  const groupVerdict: Verdict | null =
    group.GrpSts === undefined ? null : { code: group.GrpSts, source: "group", transaction: null, reasonLevels: [group.StsRsnInf] };

  const ours: Verdict[] = [];
  let namesOthers = false;
  for (const block of blocks) {
    for (const transaction of block.TxInfAndSts ?? []) {
      if (transaction.OrgnlEndToEndId === undefined) continue;
      if (transaction.OrgnlEndToEndId !== endToEndId) {
        namesOthers = true;
        continue;
      }
      const verdict = transactionVerdict(transaction, block, group);
      if (verdict === null) return { kind: "invalid", reason: "no status applies to the transaction" };
      ours.push(verdict);
    }
  }
  if (ours.length > 0) return agreeing(ours);

  const ourBlocks = blocks.filter((block) => block.OrgnlPmtInfId === endToEndId);
  const otherBlocks = blocks.length > ourBlocks.length;
  if (namesOthers || (otherBlocks && ourBlocks.length === 0)) {
    return groupVerdict ?? { kind: "mismatch", reason: "the report names other transactions, not ours" };
  }
  const blockVerdicts = ourBlocks.flatMap((block): Verdict[] =>
    block.PmtInfSts === undefined
      ? []
      : [{ code: block.PmtInfSts, source: "payment-information", transaction: null, reasonLevels: [block.StsRsnInf, group.StsRsnInf] }],
  );
  if (blockVerdicts.length > 0) return agreeing(blockVerdicts);
  return groupVerdict ?? { kind: "invalid", reason: "no status applies to the transfer" };
}

function transactionVerdict(transaction: Pain002TransactionStatus, block: Pain002PaymentInformationStatus, group: Group): Verdict | null {
  if (transaction.TxSts !== undefined) {
    return {
      code: transaction.TxSts,
      source: "transaction",
      transaction,
      reasonLevels: [transaction.StsRsnInf, block.StsRsnInf, group.StsRsnInf],
    };
  }
  if (block.PmtInfSts !== undefined) {
    return { code: block.PmtInfSts, source: "payment-information", transaction, reasonLevels: [block.StsRsnInf, group.StsRsnInf] };
  }
  if (group.GrpSts !== undefined) return { code: group.GrpSts, source: "group", transaction, reasonLevels: [group.StsRsnInf] };
  return null;
}

/** Several statements about our transfer must say the same thing; a report that contradicts itself is not trusted. */
function agreeing(verdicts: Verdict[]): Verdict | { kind: "invalid"; reason: string } {
  const [first, ...rest] = verdicts;
  if (first === undefined) return { kind: "invalid", reason: "no status applies to the transfer" };
  if (rest.some((verdict) => verdict.code !== first.code))
    return { kind: "invalid", reason: "the report gives the transfer conflicting statuses" };
  return first;
}

function firstReasonCode(levels: StatusReasons[]): string | null {
  for (const reasons of levels) {
    for (const reason of reasons ?? []) {
      if (reason.Rsn?.Cd !== undefined) return reason.Rsn.Cd;
    }
  }
  return null;
}

function isBankStatusCode(code: string): code is BankStatusCode {
  return (BANK_STATUS_CODES as readonly string[]).includes(code);
}
