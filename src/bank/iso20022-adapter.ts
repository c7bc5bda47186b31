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
import { type BankCall, classifyOtherStatus, evidenceOf, readCall, timed, transferCall } from "./bank-call.ts";
import type {
  BankAdapterOptions,
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

export class Iso20022BankAdapter implements BankPort {
  constructor(private readonly options: BankAdapterOptions) {}

  admissionProblem(amountMinor: number, currency: string): BankAdmissionProblem | null {
    // BANK_CURRENCIES first; a pain.001 carries EUR only, whatever it says.
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
    return transferCall(
      this.options,
      "/iso20022/payments",
      { method: "POST", headers: { "content-type": ISO20022_CONTENT_TYPE }, body: prepared.body },
      (response, bodyText) => classifyStatusReport(response, bodyText, prepared.endToEndId, false),
    ) as Promise<BankCall<BankOutcome>>;
  }

  inquireCreditTransfer(endToEndId: string): Promise<BankCall<InquiryOutcome>> {
    return transferCall(this.options, `/iso20022/payments/${encodeURIComponent(endToEndId)}`, { method: "GET" }, (response, bodyText) =>
      classifyStatusReport(response, bodyText, endToEndId, true),
    );
  }

  fetchStatementPage(query: StatementPageQuery): Promise<BankCall<StatementPageOutcome>> {
    const position = statementPosition(query.cursor);
    if (position === null) {
      // Nothing is asked of the bank.
      return timed<StatementPageOutcome>(async () => ({
        outcome: { kind: "failed", reason: "statement cursor is not one this adapter wrote" },
        httpStatus: null,
      }));
    }
    const params = new URLSearchParams({ account: query.debtorIban, date: query.date, page: String(position.page) });
    return readCall(this.options, `/iso20022/statements?${params.toString()}`, "statement", (response, bodyText) =>
      readStatementPage(response, bodyText, query, position),
    );
  }

  fetchNotifications(query: NotificationsQuery): Promise<BankCall<NotificationsPageOutcome>> {
    const params = new URLSearchParams({ account: query.debtorIban, since: query.since });
    return readCall(this.options, `/iso20022/notifications?${params.toString()}`, "notifications", (response, bodyText) => {
      const failed = (reason: string): NotificationsPageOutcome => ({ kind: "failed", reason, evidence: evidenceOf(response, bodyText) });
      const reading = readCamt(bodyText);
      if (reading.kind === "refused") return failed(`notification refused: ${reading.refusal.reason}`);
      if (reading.kind === "invalid") return failed(`notification invalid: ${reading.reason}`);
      const { document } = reading;
      if (document.kind !== "notification") return failed("not a camt.054 notification");
      if (document.reports.some((report) => report.accountIban !== query.debtorIban)) return failed("notification for another account");
      // One document, no paging in this contract.
      const entries = document.reports.flatMap((report) => returnsOf(report.items, query.since.slice(0, 10)));
      return { kind: "page", page: { entries, next_cursor: null } };
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
