/**
 * The ISO 20022 profile (BANK_PROFILE=iso20022), docs/bank-api.md:
 *
 *   POST /iso20022/payments                           pain.001.001.09 → pain.002
 *   GET  /iso20022/payments/{EndToEndId}              → pain.002, or 404
 *   GET  /iso20022/statements?account=&date=&page=N   → camt.053, pages from 1
 *   GET  /iso20022/notifications?account=&since=      → camt.054
 *
 * Answers are read by the codec (iso20022/: safe scan, parse, Zod on the
 * parsed tree) and classified into the same outcome classes as the JSON
 * profile; whatever the codec cannot read or trust is an unknown outcome.
 */
import type { BankTransfer } from "../../schemas/bank-api.ts";
import {
  type BankCall,
  type BankTransport,
  classifyLostBody,
  classifyOtherStatus,
  classifyTransportError,
  evidenceOf,
  exchange,
  readFailureReason,
  timed,
} from "./bank-call.ts";
import type {
  BankAdmissionProblem,
  BankPort,
  NotificationsPageOutcome,
  NotificationsQuery,
  PreparedTransfer,
  StatementPageOutcome,
  StatementPageQuery,
  TransferInstruction,
  TransferPreparation,
} from "./bank-port.ts";
import { returnsOf } from "./camt-mapping.ts";
import { currencyProblem } from "./currencies.ts";
import { ISO20022_MAX_AMOUNT_MINOR, iso20022AdmissionProblem } from "./iso20022/admission.ts";
import { readCamt } from "./iso20022/camt.ts";
import { minorUnitsToDecimalText } from "./iso20022/decimal-amount.ts";
import { utcDayOf } from "./iso20022/iso-datetime.ts";
import { buildPain001 } from "./iso20022/pain001.ts";
import { type Pain002Status, readPain002 } from "./iso20022/pain002.ts";
import { readStatementPage, statementPosition } from "./iso20022-statement-page.ts";
import type { BankOutcome, InquiryOutcome } from "./outcome.ts";

export const ISO20022_CONTENT_TYPE = "application/xml; charset=utf-8";

export interface Iso20022BankOptions extends BankTransport {
  /** BANK_CURRENCIES: what the bank accepts (a pain.001 carries EUR only, whatever this says). */
  currencies: readonly string[];
}

export class Iso20022BankAdapter implements BankPort {
  constructor(private readonly options: Iso20022BankOptions) {}

  admissionProblem(amountMinor: number, currency: string): BankAdmissionProblem | null {
    const configured = currencyProblem(currency, this.options.currencies);
    if (configured) return configured;
    switch (iso20022AdmissionProblem(amountMinor, currency)) {
      case null:
        return null;
      case "currency-not-supported":
        return { code: "currency-not-supported", detail: `The bank's ISO 20022 (SEPA) contract carries EUR only, not ${currency}.` };
      case "amount-out-of-range": {
        const max = minorUnitsToDecimalText(ISO20022_MAX_AMOUNT_MINOR, 2);
        return { code: "amount-out-of-range", detail: `The bank's ISO 20022 (SEPA) contract carries at most ${max} EUR per payment.` };
      }
    }
  }

  prepareTransfer(instruction: TransferInstruction, stored: PreparedTransfer | null): TransferPreparation {
    if (stored?.format === "iso20022" && stored.endToEndId === instruction.endToEndId) return { ok: true, prepared: stored };
    const built = buildPain001({
      endToEndId: instruction.endToEndId,
      firstSentAt: instruction.sentAt,
      creationDay: utcDayOf(instruction.createdAt),
      merchantName: instruction.debtor.name,
      debtorIban: instruction.debtor.iban,
      creditorName: instruction.creditor.name,
      creditorIban: instruction.creditor.iban,
      reference: instruction.reference,
      amountMinor: instruction.amountMinor,
      currency: instruction.currency,
    });
    if (!built.ok) return { ok: false, reason: `a pain.001 cannot carry this payment (${built.problem})` };
    return { ok: true, prepared: { endToEndId: instruction.endToEndId, format: "iso20022", body: built.xml } };
  }

  submitCreditTransfer(prepared: PreparedTransfer): Promise<BankCall<BankOutcome>> {
    // Only an inquiry can yield not_found, so a submission's outcome is a BankOutcome.
    return this.transferCall(
      "/iso20022/payments",
      { method: "POST", headers: { "content-type": ISO20022_CONTENT_TYPE }, body: prepared.body },
      prepared.endToEndId,
      false,
    ) as Promise<BankCall<BankOutcome>>;
  }

  inquireCreditTransfer(endToEndId: string): Promise<BankCall<InquiryOutcome>> {
    return this.transferCall(`/iso20022/payments/${encodeURIComponent(endToEndId)}`, { method: "GET" }, endToEndId, true);
  }

  fetchStatementPage(query: StatementPageQuery): Promise<BankCall<StatementPageOutcome>> {
    return timed<StatementPageOutcome>(async () => {
      const position = statementPosition(query.cursor);
      if (position === null)
        return { outcome: { kind: "failed", reason: "statement cursor is not one this adapter wrote" }, httpStatus: null };
      const params = new URLSearchParams({ account: query.debtorIban, date: query.date, page: String(position.page) });
      const answer = await exchange(this.options, `/iso20022/statements?${params.toString()}`, { method: "GET" });
      if (answer.kind !== "answered") {
        const status = answer.kind === "body-lost" ? answer.response.status : null;
        return { outcome: { kind: "failed", reason: readFailureReason("statement", answer.error) }, httpStatus: status };
      }
      return { outcome: readStatementPage(answer.response, answer.bodyText, query, position), httpStatus: answer.response.status };
    });
  }

  fetchNotifications(query: NotificationsQuery): Promise<BankCall<NotificationsPageOutcome>> {
    return timed<NotificationsPageOutcome>(async () => {
      const params = new URLSearchParams({ account: query.debtorIban, since: query.since });
      const answer = await exchange(this.options, `/iso20022/notifications?${params.toString()}`, { method: "GET" });
      if (answer.kind !== "answered") {
        const status = answer.kind === "body-lost" ? answer.response.status : null;
        return { outcome: { kind: "failed", reason: readFailureReason("notifications", answer.error) }, httpStatus: status };
      }
      const { response, bodyText } = answer;
      const failed = (reason: string): NotificationsPageOutcome => ({ kind: "failed", reason, evidence: evidenceOf(response, bodyText) });
      if (response.status !== 200) return { outcome: failed(`bank answered ${response.status}`), httpStatus: response.status };
      const reading = readCamt(bodyText);
      if (reading.kind === "refused") return { outcome: failed(`notification refused: ${reading.refusal.reason}`), httpStatus: 200 };
      if (reading.kind === "invalid") return { outcome: failed(`notification invalid: ${reading.reason}`), httpStatus: 200 };
      const { document } = reading;
      if (document.kind !== "notification") return { outcome: failed("not a camt.054 notification"), httpStatus: 200 };
      if (document.reports.some((report) => report.accountIban !== query.debtorIban)) {
        return { outcome: failed("notification for another account"), httpStatus: 200 };
      }
      // One document, no paging in this contract.
      const entries = document.reports.flatMap((report) => returnsOf(report.items, query.since.slice(0, 10)));
      return { outcome: { kind: "page", page: { entries, next_cursor: null } }, httpStatus: 200 };
    });
  }

  private transferCall(path: string, init: RequestInit, endToEndId: string, isInquiry: boolean): Promise<BankCall<InquiryOutcome>> {
    return timed<InquiryOutcome>(async () => {
      const answer = await exchange(this.options, path, init);
      if (answer.kind === "failed") return { outcome: classifyTransportError(answer.error), httpStatus: null };
      if (answer.kind === "body-lost") return { outcome: classifyLostBody(answer.error), httpStatus: answer.response.status };
      const { response, bodyText } = answer;
      return { outcome: classifyStatusReport(response, bodyText, endToEndId, isInquiry), httpStatus: response.status };
    });
  }
}

/** A submission's or an inquiry's answer, into the JSON profile's outcome classes. */
function classifyStatusReport(response: Response, bodyText: string, endToEndId: string, isInquiry: boolean): InquiryOutcome {
  if (response.status === 200 || response.status === 201) {
    const reading = readPain002(bodyText, endToEndId);
    switch (reading.kind) {
      case "status":
        return { kind: "accepted", transfer: transferOf(reading) };
      case "mismatch":
        return { kind: "unknown", reason: "bank answered for another end_to_end_id", evidence: evidenceOf(response, bodyText) };
      case "invalid":
      case "refused":
        return { kind: "unknown", reason: "bank response failed validation", evidence: evidenceOf(response, bodyText) };
      default:
        return reading satisfies never;
    }
  }
  if (isInquiry && response.status === 404) return { kind: "not_found" };
  if (!isInquiry && (response.status === 400 || response.status === 422)) {
    const reading = readPain002(bodyText, endToEndId);
    if (reading.kind === "status" && reading.status !== "RJCT") {
      // A refusal status that reports the transfer as anything but rejected contradicts itself: trust neither half.
      return {
        kind: "unknown",
        reason: `bank answered ${response.status} with status ${reading.status}`,
        evidence: evidenceOf(response, bodyText),
      };
    }
    // As in the JSON profile, the status alone proves the refusal; a report we cannot read only costs its reason.
    const code = reading.kind === "status" ? (reading.reasonCode ?? "unspecified") : "unspecified";
    return { kind: "refused", httpStatus: response.status, code, message: "the bank rejected the pain.001 (status report RJCT)" };
  }
  return classifyOtherStatus(response, bodyText);
}

function transferOf(report: Pain002Status): BankTransfer {
  return {
    // The bank's reference; a bank that gives none identifies the transfer by its end-to-end id.
    transfer_id: report.accountServicerReference ?? report.endToEndId,
    end_to_end_id: report.endToEndId,
    status: report.status,
    ...(report.reasonCode === null ? {} : { reason_code: report.reasonCode }),
    status_at: report.reportCreatedAt,
    ...(report.acceptedAt === null ? {} : { booked_at: report.acceptedAt }),
  };
}
