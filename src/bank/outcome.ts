import type { BankTransfer } from "../../schemas/bank-api.ts";

/**
 * What a bank call proved. The distinction that matters is whether the bank
 * may have booked the transfer:
 * - accepted / refused: the bank answered in a way we can trust.
 * - not_sent: the request provably never reached the bank; sending again is safe.
 * - unknown: it may have arrived. Only a status inquiry may resolve it; a
 *   blind resubmission is what pays twice.
 */
export type BankOutcome =
  | { kind: "accepted"; transfer: BankTransfer }
  | { kind: "refused"; httpStatus: number; code: string; message: string }
  | { kind: "not_sent"; reason: string }
  | { kind: "unknown"; reason: string; evidence?: BankResponseEvidence };

/** An inquiry adds one more proof: the bank has no transfer with that end-to-end id. */
export type InquiryOutcome = BankOutcome | { kind: "not_found" };

/** What the bank actually said when it said something we could not accept (bounded, for operators). */
export interface BankResponseEvidence {
  status: number;
  headers: Record<string, string>;
  body_prefix: string;
}
