/**
 * The JSON profile (BANK_PROFILE=json, the default): the bank's
 * /v1/credit-transfers API (docs/bank-api.md). Builds the wire requests,
 * calls BANK (the mTLS Fetcher), validates every answer with Zod
 * (schemas/bank-api.ts) and classifies it. It knows nothing of merchants,
 * storage or routes.
 */
import {
  type BankCreditTransferRequest,
  BankError,
  BankNotificationsPage,
  BankStatementPage,
  BankTransfer,
} from "../../schemas/bank-api.ts";
import { type BankCall, classifyOtherStatus, evidenceOf, type ReadFailure, readCall, transferCall } from "./bank-call.ts";
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
import { currencyProblem } from "./currencies.ts";
import type { BankOutcome, InquiryOutcome } from "./outcome.ts";

export class JsonBankAdapter implements BankPort {
  constructor(private readonly options: BankAdapterOptions) {}

  admissionProblem(_amountMinor: number, currency: string): BankAdmissionProblem | null {
    return currencyProblem(currency, this.options.currencies);
  }

  prepareTransfer(instruction: TransferInstruction, stored: PreparedTransfer | null): TransferPreparation {
    if (stored?.format === "json" && stored.endToEndId === instruction.endToEndId) return { ok: true, prepared: stored };
    const request: BankCreditTransferRequest = {
      end_to_end_id: instruction.endToEndId,
      debtor_iban: instruction.debtor.iban,
      creditor: { name: instruction.creditor.name, iban: instruction.creditor.iban },
      amount: { value: instruction.amountMinor, currency: instruction.currency },
      remittance_information: instruction.reference,
    };
    return { ok: true, prepared: { endToEndId: instruction.endToEndId, format: "json", body: JSON.stringify(request) } };
  }

  submitCreditTransfer(prepared: PreparedTransfer): Promise<BankCall<BankOutcome>> {
    // Only an inquiry can yield not_found, so a submission's outcome is a BankOutcome.
    return transferCall(
      this.options,
      "/v1/credit-transfers",
      { method: "POST", headers: { "content-type": "application/json" }, body: prepared.body },
      (response, bodyText) => classifyTransferAnswer(response, bodyText, prepared.endToEndId, false),
    ) as Promise<BankCall<BankOutcome>>;
  }

  inquireCreditTransfer(endToEndId: string): Promise<BankCall<InquiryOutcome>> {
    return transferCall(this.options, `/v1/credit-transfers/${encodeURIComponent(endToEndId)}`, { method: "GET" }, (response, bodyText) =>
      classifyTransferAnswer(response, bodyText, endToEndId, true),
    );
  }

  fetchStatementPage(query: StatementPageQuery): Promise<BankCall<StatementPageOutcome>> {
    const params = new URLSearchParams({ debtor_iban: query.debtorIban, date: query.date });
    if (query.cursor !== null) params.set("cursor", query.cursor);
    return this.read<StatementPageOutcome>(`/v1/statements?${params.toString()}`, "statement", (body): StatementPageOutcome => {
      const parsed = BankStatementPage.safeParse(body);
      if (!parsed.success) return { kind: "failed", reason: "statement page failed validation" };
      return { kind: "page", page: { entries: parsed.data.entries, lists_rejected: true, next_cursor: parsed.data.next_cursor } };
    });
  }

  /** Returns booked on the account since a time (docs/bank-api.md, "Returns and notifications"). */
  fetchNotifications(query: NotificationsQuery): Promise<BankCall<NotificationsPageOutcome>> {
    const params = new URLSearchParams({ debtor_iban: query.debtorIban, since: query.since });
    if (query.cursor !== null) params.set("cursor", query.cursor);
    return this.read<NotificationsPageOutcome>(
      `/v1/notifications?${params.toString()}`,
      "notifications",
      (body): NotificationsPageOutcome => {
        const parsed = BankNotificationsPage.safeParse(body);
        if (!parsed.success) return { kind: "failed", reason: "notifications page failed validation" };
        return { kind: "page", page: parsed.data };
      },
    );
  }

  /** A read changes nothing at the bank: anything but a valid 200 is "failed", retried later (readCall). */
  private read<O extends StatementPageOutcome | NotificationsPageOutcome>(
    path: string,
    what: string,
    interpret: (body: unknown) => O | ReadFailure,
  ): Promise<BankCall<O | ReadFailure>> {
    return readCall(this.options, path, what, (response, bodyText): O | ReadFailure => {
      const outcome = interpret(safeJson(bodyText));
      return outcome.kind === "failed" ? { ...outcome, evidence: evidenceOf(response, bodyText) } : outcome;
    });
  }
}

function classifyTransferAnswer(response: Response, bodyText: string, endToEndId: string, isInquiry: boolean): InquiryOutcome {
  if (response.status === 200 || response.status === 201) {
    const parsed = BankTransfer.safeParse(safeJson(bodyText));
    if (!parsed.success) return { kind: "unknown", reason: "bank response failed validation", evidence: evidenceOf(response, bodyText) };
    if (parsed.data.end_to_end_id !== endToEndId) {
      return { kind: "unknown", reason: "bank answered for another end_to_end_id", evidence: evidenceOf(response, bodyText) };
    }
    return { kind: "accepted", transfer: parsed.data };
  }
  if (isInquiry && response.status === 404) return { kind: "not_found" };
  if (!isInquiry && (response.status === 400 || response.status === 422)) {
    // The status alone proves the bank refused the request; a body that
    // fails validation only costs us the bank's explanation.
    const parsed = BankError.safeParse(safeJson(bodyText));
    return {
      kind: "refused",
      httpStatus: response.status,
      code: parsed.success ? parsed.data.code : "unspecified",
      message: parsed.success ? parsed.data.message : "the bank refused the request",
    };
  }
  return classifyOtherStatus(response, bodyText);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
