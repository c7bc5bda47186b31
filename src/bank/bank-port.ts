/**
 * The bank adapter boundary: what the merchant object needs of a bank,
 * whichever contract it speaks (BANK_PROFILE: the JSON API or ISO 20022
 * XML; bank-adapters.ts picks one). Every answer comes back already
 * validated and classified into the same outcome classes (outcome.ts), so
 * nothing outside src/bank/ knows which profile runs or sees the wire.
 */
import type { BankNotificationsPage, BankStatementLine } from "../../schemas/bank-api.ts";
import type { BankProfile } from "../../schemas/config.ts";
import type { BankCall, BankTransport } from "./bank-call.ts";
import type { BankOutcome, BankResponseEvidence, InquiryOutcome } from "./outcome.ts";

export interface BankPort {
  /** Null when the bank's contract can carry a payment of this amount and currency; otherwise why not (asked at admission). */
  admissionProblem(amountMinor: number, currency: string): BankAdmissionProblem | null;
  /**
   * The request body for a transfer, built once: `stored` (what an earlier
   * attempt sent) is returned as it is when it is this adapter's own, so a
   * resend sends the same bytes. The caller stores what it gets.
   */
  prepareTransfer(instruction: TransferInstruction, stored: PreparedTransfer | null): TransferPreparation;
  submitCreditTransfer(prepared: PreparedTransfer): Promise<BankCall<BankOutcome>>;
  inquireCreditTransfer(endToEndId: string): Promise<BankCall<InquiryOutcome>>;
  fetchStatementPage(query: StatementPageQuery): Promise<BankCall<StatementPageOutcome>>;
  /** Returns booked on the account at or after `query.since` (inclusive), a page at a time. */
  fetchNotifications(query: NotificationsQuery): Promise<BankCall<NotificationsPageOutcome>>;
}

/** What either adapter is built with (bank-adapters.ts): the bank's door, and BANK_CURRENCIES, what the bank accepts. */
export interface BankAdapterOptions extends BankTransport {
  /** The ISO 20022 profile carries EUR only, whatever this says (its admissionProblem). */
  currencies: readonly string[];
}

export type BankAdmissionProblemCode = "currency-not-supported" | "amount-out-of-range";

export interface BankAdmissionProblem {
  code: BankAdmissionProblemCode;
  /** A sentence for the merchant. */
  detail: string;
}

/** One credit transfer as the merchant object knows it; each adapter writes its own wire form of it. */
export interface TransferInstruction {
  endToEndId: string;
  debtor: { name: string; iban: string };
  creditor: { name: string; iban: string };
  amountMinor: number;
  currency: string;
  /** Remittance information, as the merchant wrote it (an adapter may transliterate what it sends; the payment keeps this). */
  reference: string;
  /** When the payment was created, epoch ms (ISO 20022: the requested execution day). */
  createdAt: number;
  /** When it is first sent, epoch ms (ISO 20022: CreDtTm, repeated by every resend). */
  sentAt: number;
}

/** A request body as built for the bank. `format` is the profile that built it; stored opaquely by payments. */
export interface PreparedTransfer {
  endToEndId: string;
  format: BankProfile;
  body: string;
}

export type TransferPreparation = { ok: true; prepared: PreparedTransfer } | { ok: false; reason: string };

export interface StatementPageQuery {
  debtorIban: string;
  /** UTC business day, YYYY-MM-DD. */
  date: string;
  /** Null for the first page, then the previous page's next_cursor. */
  cursor: string | null;
}

/**
 * A statement page, or why there is none. A statement read changes nothing at
 * the bank, so any failure is simply retried later; there is no "unknown".
 */
export type StatementPageOutcome =
  | { kind: "page"; page: StatementPage }
  | { kind: "failed"; reason: string; evidence?: BankResponseEvidence };

export interface StatementPage {
  /**
   * The day's statement lines as the bank shows them: transfers (settled,
   * pending, and in the JSON profile rejected), returns, and every entry the
   * connector cannot attribute (a transfer line with end_to_end_id
   * NOTPROVIDED when the bank gave none): never dropped, so reconciliation
   * reports them.
   */
  entries: BankStatementLine[];
  /**
   * Whether the statement lists transfers the bank rejected (the JSON
   * statement does, with RJCT). A camt.053 lists bookings only, so a
   * rejected transfer is rightly absent from it.
   */
  lists_rejected: boolean;
  next_cursor: string | null;
}

/** The end-to-end id reported for a statement entry that names none (ISO 20022's own word for it). */
export const END_TO_END_ID_NOT_PROVIDED = "NOTPROVIDED";

/** `since`: RFC 3339 in UTC with `Z` (both contracts refuse an offset); `cursor`: the previous page's next_cursor. */
export interface NotificationsQuery {
  debtorIban: string;
  since: string;
  cursor: string | null;
}

/** A page of returns (BankReturnEntry, the same shape in both profiles), or why there is none (retried later). */
export type NotificationsPageOutcome =
  | { kind: "page"; page: BankNotificationsPage }
  | { kind: "failed"; reason: string; evidence?: BankResponseEvidence };
