/**
 * The payment lifecycle in one place: the states a payment can be in, the
 * transitions between them, and the one function that writes a transition.
 * Every change of a payment's status or bank phase goes through
 * `writeTransition`, which refuses a transition the table does not list, so
 * the table below is the whole state machine (test/payment-lifecycle.test.ts
 * enumerates it).
 *
 * While a payment is pending, its state is its bank phase (what recovery does
 * next); once final, its state is its status:
 * - queued: never sent, or proven absent at the bank: the only state that is ever POSTed.
 * - sending: a submission started and was not answered yet (the recovery point
 *   stored before the call: if the object dies mid-call, the bank may hold it).
 * - unknown: the answer was lost or unusable: inquire, never resend blindly.
 * - acknowledged: the bank holds it with a non-final status: inquire until final.
 * - succeeded / failed / canceled: final. One edge leaves a final status:
 *   succeeded → returned, and only on the bank's evidence (a booked return
 *   naming the payment's end-to-end id; src/payments/returns.ts).
 * - returned: final; the money came back.
 * - canceled: final; the merchant canceled it while it was provably never sent
 *   (src/payments/cancellation.ts).
 */
import type { PaymentStatus } from "../../schemas/merchant-api.ts";
import type { PaymentRow } from "./payment-row.ts";

export type BankPhase = "queued" | "sending" | "unknown" | "acknowledged" | "final";
export type PendingPhase = Exclude<BankPhase, "final">;
export type FinalStatus = Exclude<PaymentStatus, "pending">;
export type LifecycleState = PendingPhase | FinalStatus;

/** A payment is admitted into this state (admission inserts it; nothing transitions into it from "nothing"). */
export const INITIAL_STATE = "queued" satisfies LifecycleState;

/**
 * Allowed transitions, from → to. A pending phase may stay where it is (an
 * answer that changes nothing but the next action time). Why each edge:
 * - queued → sending: a submission starts (the recovery point).
 * - queued → acknowledged/succeeded/failed: a probe inquiry or a statement
 *   finds the bank holds it after all.
 * - sending → queued: refused at the door (401/403/429) before the bank could hold it.
 * - sending → unknown: the answer was lost, late or unusable.
 * - unknown → queued: the bank says it never received it (the resend keeps the end-to-end id).
 * - any pending → acknowledged/succeeded/failed: the bank's word (answer, inquiry, statement).
 * - queued → failed also covers store and forward giving up on a payment never sent.
 * - queued → canceled: the merchant cancels a payment that was never sent
 *   (bank_may_hold = 0; cancellation.ts checks it). No other pending phase may
 *   be canceled: from sending, unknown or acknowledged the bank may hold it.
 * - succeeded → returned: the bank booked a return of the settled transfer.
 */
export const TRANSITIONS: { readonly [From in LifecycleState]: readonly LifecycleState[] } = {
  queued: ["sending", "acknowledged", "succeeded", "failed", "canceled"],
  sending: ["sending", "queued", "unknown", "acknowledged", "succeeded", "failed"],
  unknown: ["unknown", "queued", "acknowledged", "succeeded", "failed"],
  acknowledged: ["acknowledged", "succeeded", "failed"],
  succeeded: ["returned"],
  failed: [],
  returned: [],
  canceled: [],
};

/** The payment is no longer in the state the caller read: someone else moved it meanwhile (e.g. a cancel during an await). */
export class StaleTransitionError extends Error {
  override readonly name = "StaleTransitionError";
  constructor(
    readonly paymentId: string,
    readonly from: LifecycleState,
  ) {
    super(`payment ${paymentId} is no longer ${from}`);
  }
}

export class IllegalTransitionError extends Error {
  override readonly name = "IllegalTransitionError";
  constructor(
    readonly from: LifecycleState,
    readonly to: LifecycleState,
  ) {
    super(`a payment cannot go from ${from} to ${to}`);
  }
}

export function stateOf(payment: Pick<PaymentRow, "status" | "bank_phase">): LifecycleState {
  if (payment.status !== "pending") return payment.status;
  // A pending row never stores "final"; if one did, treating it as queued would resend it, so refuse.
  if (payment.bank_phase === "final") throw new Error("a pending payment is stored with bank phase final");
  return payment.bank_phase;
}

export function isTransitionAllowed(from: LifecycleState, to: LifecycleState): boolean {
  return TRANSITIONS[from].includes(to);
}

export function isPendingState(state: LifecycleState): state is PendingPhase {
  switch (state) {
    case "queued":
    case "sending":
    case "unknown":
    case "acknowledged":
      return true;
    case "succeeded":
    case "failed":
    case "returned":
    case "canceled":
      return false;
    default:
      return state satisfies never;
  }
}

export function statusOfState(state: LifecycleState): PaymentStatus {
  return isPendingState(state) ? "pending" : state;
}

/** What a transition may set besides status and phase. A null `bank_booked_at` keeps the stored one (an answer that does not say). */
export type TransitionFields = Partial<
  Pick<
    PaymentRow,
    | "bank_transfer_id"
    | "bank_status"
    | "bank_reason_code"
    | "failure_code"
    | "failure_message"
    | "attempts"
    | "inquiries"
    | "bank_may_hold"
    | "bank_booked_at"
    | "first_not_found_at"
    | "last_sent_at"
    | "resend_refusal"
    | "bank_request_format"
    | "bank_request"
    | "return_reason_code"
    | "return_amount"
    | "return_currency"
    | "returned_at"
    | "return_bank_reference"
  >
> & { next_action_at: number | null };

/**
 * Writes one transition of `row` (as read in the current transaction) to `to`,
 * and returns the row as it now stands (so the caller need not read it back).
 * Throws IllegalTransitionError for a transition the table does not allow,
 * which rolls back the caller's transaction: a bug can stop a payment, never
 * move it somewhere the lifecycle does not know. The write is a compare and
 * set on the state `row` was read in: a row read before an await and moved
 * by someone else since (a cancel, a return) throws StaleTransitionError
 * instead of being overwritten.
 */
export function writeTransition(sql: SqlStorage, row: PaymentRow, to: LifecycleState, fields: TransitionFields, now: number): PaymentRow {
  const from = stateOf(row);
  if (!isTransitionAllowed(from, to)) throw new IllegalTransitionError(from, to);
  const written: PaymentRow = { ...row, status: statusOfState(to), bank_phase: isPendingState(to) ? to : "final", updated_at: now };
  const assignments = ["status = ?", "bank_phase = ?", "updated_at = ?"];
  const values: Array<string | number | null> = [written.status, written.bank_phase, now];
  // The first send is remembered for good: it is what makes a payment no longer cancelable, and when.
  if (to === "sending" && row.first_sent_at === null) {
    assignments.push("first_sent_at = ?");
    values.push(now);
    written.first_sent_at = now;
  }
  for (const [column, value] of Object.entries(fields) as Array<[keyof TransitionFields, string | number | null | undefined]>) {
    if (value === undefined) continue;
    if (column === "bank_booked_at" && value === null) continue;
    assignments.push(`${column} = ?`);
    values.push(value);
    Object.assign(written, { [column]: value });
  }
  const updated = sql
    .exec(
      `UPDATE payments SET ${assignments.join(", ")} WHERE id = ? AND status = ? AND bank_phase = ? RETURNING id`,
      ...values,
      row.id,
      row.status,
      row.bank_phase,
    )
    .toArray();
  if (updated.length !== 1) throw new StaleTransitionError(row.id, from);
  return written;
}
