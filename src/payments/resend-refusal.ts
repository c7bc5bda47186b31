/**
 * A refusal answering a resend is not a refusal of the payment.
 *
 * Once the bank may hold a payment (an earlier attempt's outcome was
 * unknown), a 400/422 or an RJCT answering the next submission may be about
 * that submission only: a bank that refuses duplicates (`DUPLICATE`, reason
 * `DUPL`) says so precisely when it booked the first attempt. Failing the
 * payment on such an answer releases its daily amount and lets the merchant
 * pay again under a new key: paid twice. So the answer is held, and only a
 * status inquiry (or two confirmed 404s, not-found-confirmation.ts) decides.
 */
import type { RecordedOutcome } from "./outcomes.ts";

/** Refusal codes (HTTP body `code`, ISO 20022 reason) that mean "you sent this end-to-end id before". */
const DUPLICATE_CODES: ReadonlySet<string> = new Set(["DUPLICATE", "DUPL"]);

/** What a refused resend said, kept on the payment (resend_refusal, JSON) until an inquiry decides. */
export interface HeldRefusal {
  /** "refused": a 400/422; "rejected": an answer with status RJCT. */
  kind: "refused" | "rejected";
  /** The refusal's HTTP status; null for an RJCT, which came as a normal answer. */
  http_status: number | null;
  code: string;
  message: string;
}

export type ResendAnswer =
  /** The bank says it already holds this end-to-end id: inquire until its status is final. */
  | { kind: "duplicate"; code: string }
  /** Some other refusal: kept, and final only if the bank then proves it holds nothing. */
  | { kind: "held"; refusal: HeldRefusal }
  /** Not a refusal: recorded as any answer. */
  | { kind: "answer" };

/** How to read the bank's answer to a submission of a payment the bank may already hold. */
export function readResendAnswer(outcome: RecordedOutcome): ResendAnswer {
  if (outcome.kind === "refused") {
    if (DUPLICATE_CODES.has(outcome.code)) return { kind: "duplicate", code: outcome.code };
    return {
      kind: "held",
      refusal: { kind: "refused", http_status: outcome.httpStatus, code: outcome.code, message: outcome.message },
    };
  }
  if (outcome.kind === "accepted" && outcome.transfer.status === "RJCT") {
    const reason = outcome.transfer.reason_code ?? "";
    if (DUPLICATE_CODES.has(reason)) return { kind: "duplicate", code: reason };
    return {
      kind: "held",
      refusal: { kind: "rejected", http_status: null, code: reason, message: "the bank rejected the resent transfer" },
    };
  }
  return { kind: "answer" };
}

export function parseHeldRefusal(stored: string | null): HeldRefusal | null {
  return stored === null ? null : (JSON.parse(stored) as HeldRefusal);
}
