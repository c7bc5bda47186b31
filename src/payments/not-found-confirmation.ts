/**
 * When a 404 to a status inquiry proves "the bank never received it".
 *
 * After an unknown outcome the bank may hold the payment, and a 404 is the
 * only answer that lets the connector send it again. A bank's read replica
 * can lag behind its writer and answer 404 for a transfer it has booked, and
 * a request still travelling (its answer lost to a gateway's 503) can be
 * booked after the inquiry. So a 404 counts only once the attempt it is
 * about can no longer arrive (BANK_TIMEOUT_MS after that submission started),
 * and proves absence only when a second 404 comes at least
 * INQUIRY_CONFIRM_DELAY_MS after the first. The resend keeps the end-to-end id.
 */
import type { ConnectorConfig } from "../../schemas/config.ts";
import type { PaymentRow } from "./payment-row.ts";

export type NotFoundVerdict =
  /** Before the attempt's timeout: it proves nothing; ask again once the attempt can no longer arrive. */
  | { kind: "too_early"; askAgainAt: number }
  /** The first 404 that counts: ask again after the confirmation delay. */
  | { kind: "first"; askAgainAt: number }
  /** A 404 sooner than the delay after the first (an early wake-up): not a confirmation. */
  | { kind: "unconfirmed"; askAgainAt: number }
  /** Two 404s far enough apart: the bank does not hold it. */
  | { kind: "confirmed" };

export function judgeNotFound(
  payment: Pick<PaymentRow, "first_not_found_at" | "last_sent_at">,
  now: number,
  config: Pick<ConnectorConfig, "BANK_TIMEOUT_MS" | "INQUIRY_CONFIRM_DELAY_MS">,
): NotFoundVerdict {
  // A row from before last_sent_at was stored has no known send time: its attempt is long over.
  const attemptOverAt = payment.last_sent_at === null ? 0 : payment.last_sent_at + config.BANK_TIMEOUT_MS;
  if (now < attemptOverAt) return { kind: "too_early", askAgainAt: attemptOverAt };
  const first = payment.first_not_found_at;
  if (first === null || first < attemptOverAt) return { kind: "first", askAgainAt: now + config.INQUIRY_CONFIRM_DELAY_MS };
  const confirmableAt = first + config.INQUIRY_CONFIRM_DELAY_MS;
  if (now < confirmableAt) return { kind: "unconfirmed", askAgainAt: confirmableAt };
  return { kind: "confirmed" };
}
