/**
 * Returns of settled transfers (SEPA R-transactions): a creditor bank sends
 * the money back days later, e.g. because the account is closed (AC04). The
 * control plane schedules one; when due it is booked on the debtor account
 * as a credit, journaled with the transfer (so a restart keeps it, and books
 * it at once if it fell due meanwhile), and shows on the day's statement and
 * in notifications, in both profiles.
 *
 *   POST /control/returns {end_to_end_id, reason_code, after_ms, amount?}
 *     201 {end_to_end_id, return} | 400 | 404 unknown transfer | 409 not settled / already returned
 */
import { z } from "zod";
import { AmountMinorUnits } from "../../schemas/common.ts";
import { isSettled, type Ledger, type LedgerEntry } from "./ledger.ts";
import type { SimulatorAnswer } from "./statements.ts";

/** Returns are booked at most this long after being scheduled. */
const MAX_RETURN_DELAY_MS = 7 * 86_400_000;

const ReturnRequest = z.strictObject({
  end_to_end_id: z.string().min(1).max(35),
  /** ISO 20022 ExternalReturnReason1Code, e.g. AC04, AC06, AM05, MD07, MS02, MS03. */
  reason_code: z.string().regex(/^[A-Z0-9]{4}$/, { error: "a four-character ISO 20022 return reason code" }),
  after_ms: z.number().int().min(0).max(MAX_RETURN_DELAY_MS),
  /** Defaults to the transfer's amount; may be lower (charges taken). Minor units, or {value, currency}. */
  amount: z.union([AmountMinorUnits, z.strictObject({ value: AmountMinorUnits, currency: z.string().length(3).optional() })]).optional(),
});

export function handleReturnControl(ledger: Ledger, method: string, pathname: string, body: unknown): SimulatorAnswer | undefined {
  if (pathname !== "/control/returns") return undefined;
  if (method !== "POST") return { status: 405, body: { error: "POST a return" } };
  const parsed = ReturnRequest.safeParse(body);
  if (!parsed.success) return { status: 400, body: { error: z.prettifyError(parsed.error) } };
  const { end_to_end_id: endToEndId, reason_code: reasonCode, after_ms: afterMs, amount } = parsed.data;
  const original = ledger.get(endToEndId);
  if (!original) return { status: 404, body: { error: "no such transfer" } };
  if (!isSettled(original)) return { status: 409, body: { error: `the transfer is ${original.status}, not settled: nothing to return` } };
  if (original.return) return { status: 409, body: { error: "the transfer already has a return" } };
  const value = amount === undefined ? original.amount.value : typeof amount === "number" ? amount : amount.value;
  const currency = typeof amount === "object" && amount.currency !== undefined ? amount.currency : original.amount.currency;
  if (currency !== original.amount.currency) return { status: 400, body: { error: "a return is in the transfer's currency" } };
  if (value > original.amount.value) return { status: 400, body: { error: "a return cannot exceed the transfer's amount" } };
  const planned = ledger.planReturn(endToEndId, {
    reason_code: reasonCode,
    amount: { value, currency },
    due_at: new Date(Date.now() + afterMs).toISOString(),
  });
  if (planned) scheduleReturn(ledger, planned);
  return { status: 201, body: { end_to_end_id: endToEndId, return: planned?.return } };
}

/** Arms the timer of a planned return (when scheduled, or again after a restart; at once if overdue). */
export function scheduleReturn(ledger: Ledger, entry: LedgerEntry): void {
  const dueAt = entry.return?.due_at;
  if (dueAt === undefined || entry.return?.transfer_id !== undefined) return;
  setTimeout(() => ledger.bookReturn(entry.end_to_end_id), Math.max(0, Date.parse(dueAt) - Date.now())).unref();
}
