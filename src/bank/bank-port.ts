/**
 * What the merchant object needs of a bank: submit a credit transfer, ask
 * about one, read a statement page, read the returns booked since a time. Each answer is already classified
 * (src/bank/outcome.ts); nothing outside src/bank/ sees the wire.
 */
import type { BankCreditTransferRequest } from "../../schemas/bank-api.ts";
import type { BankCall, StatementPageOutcome, StatementPageQuery } from "./client.ts";
import type { NotificationsPageOutcome, NotificationsQuery } from "./json-notifications.ts";
import type { BankOutcome, InquiryOutcome } from "./outcome.ts";

export interface BankPort {
  submitCreditTransfer(transfer: BankCreditTransferRequest): Promise<BankCall<BankOutcome>>;
  inquireCreditTransfer(endToEndId: string): Promise<BankCall<InquiryOutcome>>;
  fetchStatementPage(query: StatementPageQuery): Promise<BankCall<StatementPageOutcome>>;
  /** One page of the returns booked on the account at or after `query.since` (inclusive). */
  fetchNotifications(query: NotificationsQuery): Promise<BankCall<NotificationsPageOutcome>>;
}
