/**
 * The bank's credit-transfer API (ISO 20022 flavoured), as the connector calls
 * it through the BANK binding and as tools/bank-simulator implements it.
 * docs/bank-api.md is the prose version of this file.
 *
 * A bank answer that does not match these schemas is an unknown outcome: the
 * request may have been booked, so the payment stays pending and is resolved
 * by inquiry, never marked failed.
 */
import { z } from "zod";
import { AmountMinorUnits, CurrencyCode, Iban } from "./common.ts";

export const MAX_END_TO_END_ID_LENGTH = 35;

export const BANK_STATUS_CODES = ["RCVD", "PDNG", "ACTC", "ACCP", "ACSP", "ACWC", "ACSC", "ACCC", "RJCT"] as const;
export const BankStatusCode = z.enum(BANK_STATUS_CODES);
export type BankStatusCode = z.infer<typeof BankStatusCode>;

export const EndToEndId = z
  .string()
  .min(1)
  .max(MAX_END_TO_END_ID_LENGTH)
  .regex(/^[A-Za-z0-9\-_.]+$/);

export const BankCreditTransferRequest = z.strictObject({
  end_to_end_id: EndToEndId,
  debtor_iban: Iban,
  creditor: z.strictObject({ name: z.string().min(1).max(70), iban: Iban }),
  amount: z.strictObject({ value: AmountMinorUnits, currency: CurrencyCode }),
  remittance_information: z.string().max(140),
});
export type BankCreditTransferRequest = z.output<typeof BankCreditTransferRequest>;

/**
 * A time the bank sends: RFC 3339 with `Z` or any offset (`+00:00`,
 * `+01:00`...). The same instant can be written many ways, so bank times are
 * only ever compared as instants (Date.parse), never as text.
 */
export const BankDateTime = z.iso.datetime({ offset: true });

export const BankTransfer = z.object({
  transfer_id: z.string().min(1).max(64),
  end_to_end_id: EndToEndId,
  status: BankStatusCode,
  reason_code: z.string().min(1).max(8).optional(),
  status_at: BankDateTime,
  /**
   * When the bank booked the transfer, which decides the statement (UTC day)
   * it appears on. Optional: a bank that does not send it is reconciled by
   * the payment's creation day. Auxiliary, so a malformed value is dropped
   * rather than making the whole answer an unknown outcome.
   */
  booked_at: BankDateTime.optional().catch(undefined),
});
export type BankTransfer = z.infer<typeof BankTransfer>;

/** Body of a bank 4xx. Its absence or malformation does not change what the status code proves. */
export const BankError = z.object({
  code: z.string().max(64),
  message: z.string().max(500),
});
export type BankError = z.infer<typeof BankError>;

export type FinalBankStatus = "ACSC" | "ACCC" | "RJCT";

/** The one place the bank's status vocabulary is mapped onto ours. */
export function paymentStatusForBankStatus(status: BankStatusCode): "pending" | "succeeded" | "failed" {
  switch (status) {
    case "ACSC":
    case "ACCC":
      return "succeeded";
    case "RJCT":
      return "failed";
    case "RCVD":
    case "PDNG":
    case "ACTC":
    case "ACCP":
    case "ACSP":
    case "ACWC":
      return "pending";
    default:
      return status satisfies never;
  }
}

// ------------------------------------------------------------------ statements

/** Longest statement page the connector accepts; the bank's own page size is smaller. */
export const MAX_STATEMENT_PAGE_ENTRIES = 1000;
export const MAX_STATEMENT_CURSOR_LENGTH = 1024;

/**
 * One line of the bank's statement for a debtor account and UTC day: every
 * credit transfer the bank booked that day, with its current status. `type`
 * is absent (or "transfer") on these; a return is a line of its own
 * (BankReturnEntry).
 */
export const BankStatementEntry = z.object({
  type: z.literal("transfer").optional(),
  transfer_id: z.string().min(1).max(64),
  end_to_end_id: EndToEndId,
  amount: z.object({ value: AmountMinorUnits, currency: CurrencyCode }),
  status: BankStatusCode,
  // RFC 3339 with or without an offset, as a transfer's booked_at; compared as instants, never as text.
  booked_at: BankDateTime,
});
export type BankStatementEntry = z.infer<typeof BankStatementEntry>;

/** ISO 20022 external codes are 4 characters; a proprietary one may be up to 35 (Max35Text). */
export const MAX_BANK_REASON_CODE_LENGTH = 35;

/**
 * A return booked on the debtor account (a SEPA R-transaction): the
 * creditor's bank sent a settled transfer's money back, e.g. because the
 * account is closed (AC04). `transfer_id` is the bank's reference of the
 * return itself; `return_of` names the returned transfer by its end-to-end
 * id; `amount` may be lower than the original (charges taken). The same
 * shape comes from statements (a line of the day it was booked) and from
 * notifications; the ISO 20022 adapter maps camt.053/054 credits with RtrInf
 * onto it.
 */
export const BankReturnEntry = z.object({
  type: z.literal("return"),
  transfer_id: z.string().min(1).max(64),
  return_of: EndToEndId,
  reason_code: z.string().min(1).max(MAX_BANK_REASON_CODE_LENGTH),
  amount: z.object({ value: AmountMinorUnits, currency: CurrencyCode }),
  booked_at: BankDateTime,
});
export type BankReturnEntry = z.infer<typeof BankReturnEntry>;

/** A statement line: a transfer (`type` absent or "transfer") or a return. */
export const BankStatementLine = z.union([BankReturnEntry, BankStatementEntry]);
export type BankStatementLine = z.infer<typeof BankStatementLine>;

export function isReturnEntry(line: BankStatementLine): line is BankReturnEntry {
  return line.type === "return";
}

/** GET /v1/statements?debtor_iban=&date=YYYY-MM-DD&cursor= answers one page; next_cursor null on the last. */
export const BankStatementPage = z.object({
  entries: z.array(BankStatementLine).max(MAX_STATEMENT_PAGE_ENTRIES),
  next_cursor: z.string().min(1).max(MAX_STATEMENT_CURSOR_LENGTH).nullable(),
});
export type BankStatementPage = z.infer<typeof BankStatementPage>;

/**
 * GET /v1/notifications?debtor_iban=&since=<RFC 3339 UTC>&cursor= answers one
 * page of the returns booked on the account at or after `since` (inclusive),
 * oldest first; next_cursor null on the last.
 */
export const BankNotificationsPage = z.object({
  entries: z.array(BankReturnEntry).max(MAX_STATEMENT_PAGE_ENTRIES),
  next_cursor: z.string().min(1).max(MAX_STATEMENT_CURSOR_LENGTH).nullable(),
});
export type BankNotificationsPage = z.infer<typeof BankNotificationsPage>;

export function isFinalBankStatus(status: BankStatusCode): status is FinalBankStatus {
  return paymentStatusForBankStatus(status) !== "pending";
}
