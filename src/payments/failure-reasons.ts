/**
 * A failed payment's `failure.reason`: one sentence a merchant can act on.
 * When the bank gave an ISO 20022 reason code, the sentence is that code's
 * (reason-codes.ts; an unknown code is kept and said to be unknown);
 * otherwise it comes from what the connector knows about the failure.
 */
import { describeReasonCode } from "./reason-codes.ts";

/** The failure codes the connector writes (outcomes.ts). */
const FAILURE_REASONS: Readonly<Record<string, string>> = {
  bank_rejected: "The bank rejected the transfer without giving a reason, so no money moved. Ask your bank why before paying again.",
  bank_refused:
    "The bank refused the payment request, so no money moved. Check the payment's details (amount, currency, account numbers) against the bank's message and pay again.",
  bank_unavailable:
    "The bank could not be reached for too long, so the payment was never sent and no money moved. Pay again once the bank is reachable.",
};

/**
 * `failureCode`: the connector's failure code; `bankReasonCode`: the bank's
 * reason code for it, when it gave one.
 */
export function failureReason(failureCode: string, bankReasonCode: string | null): string {
  if (bankReasonCode !== null && bankReasonCode.trim() !== "") return describeReasonCode(bankReasonCode).reason;
  return (
    FAILURE_REASONS[failureCode] ??
    "The payment failed and no money moved. Its history (GET /v1/payments/{id}/events) shows what the bank said."
  );
}
