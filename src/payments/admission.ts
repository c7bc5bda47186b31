/**
 * Admission: one synchronous transaction (no await inside), so the
 * idempotency lookup, the limit checks and the inserts see and leave a
 * consistent state even while other requests interleave at awaits. Two
 * concurrent requests with one key can never both insert.
 */
import type { CreatePaymentRequest } from "../../schemas/merchant-api.ts";
import { PROBLEM_TYPE_PREFIX, PROBLEMS } from "../../schemas/problem.ts";
import { type Refusal, type RefusalCode, refuse } from "../platform/refusal.ts";
import { inFlightDeadline, keyTtlMs, type PayingMerchant, type PaymentsContext } from "./context.ts";
import { appendPaymentEvent } from "./event-log.ts";
import { keyIsLive } from "./idempotency-expiry.ts";
import { INITIAL_STATE } from "./lifecycle.ts";
import { addToDailyTotal, checkLimits } from "./limits.ts";
import type { PaymentIdMint } from "./payment-ids.ts";
import { findPayment, type PaymentRow, paymentFromRow } from "./payment-row.ts";

export interface CreatePaymentCommand {
  idempotencyKey: string;
  /** SHA-256 of the canonical JSON of the validated request (computed by the Worker). */
  fingerprint: string;
  request: CreatePaymentRequest;
}

export type Admission =
  | { kind: "admitted"; paymentId: string; expiresAt: number }
  | { kind: "replay"; paymentId: string; expiresAt: number; payment: PaymentRow | undefined }
  | { kind: "replay-refusal"; refusal: Refusal; expiresAt: number }
  | { kind: "refused"; refusal: Refusal; expiresAt: number }
  | { kind: "reuse" };

type IdempotencyRow = {
  key: string;
  fingerprint: string;
  payment_id: string | null;
  response_status: number | null;
  response_body: string | null;
  expires_at: number;
};

export function admitPayment(
  ctx: PaymentsContext,
  ids: PaymentIdMint,
  merchant: PayingMerchant,
  command: CreatePaymentCommand,
  now: number,
): Admission {
  const { idempotencyKey, fingerprint, request } = command;
  const { sql } = ctx.store;
  const ttlMs = keyTtlMs(ctx.config);
  return ctx.store.transactionSync((): Admission => {
    const record = sql.exec<IdempotencyRow>(`SELECT * FROM idempotency_keys WHERE key = ?`, idempotencyKey).toArray()[0];
    const keyed = record?.payment_id ? findPayment(sql, record.payment_id) : undefined;
    if (record && keyIsLive(record.expires_at, keyed, now, ttlMs)) {
      if (record.fingerprint !== fingerprint) return { kind: "reuse" };
      if (record.payment_id !== null) return { kind: "replay", paymentId: record.payment_id, expiresAt: record.expires_at, payment: keyed };
      return { kind: "replay-refusal", refusal: storedRefusal(record.response_body), expiresAt: record.expires_at };
    }
    if (record) sql.exec(`DELETE FROM idempotency_keys WHERE key = ?`, idempotencyKey);

    const expiresAt = now + ttlMs;
    // What the bank's contract cannot carry is refused first, without a bank call; then the merchant's limits.
    const limitRefusal = bankRefusal(ctx, request) ?? checkLimits(sql, merchant, request, now);
    if (limitRefusal) {
      // A decision taken after validation is part of the key's history: replay it as it was.
      sql.exec(
        `INSERT INTO idempotency_keys (key, fingerprint, payment_id, response_status, response_body, created_at, expires_at)
         VALUES (?, ?, NULL, ?, ?, ?, ?)`,
        idempotencyKey,
        fingerprint,
        PROBLEMS[limitRefusal.refusal].status,
        JSON.stringify({ refusal: limitRefusal.refusal, detail: limitRefusal.detail }),
        now,
        expiresAt,
      );
      return { kind: "refused", refusal: limitRefusal, expiresAt };
    }

    const { paymentId, endToEndId } = ids.next(sql, now);
    // The row as inserted, kept so that nothing below reads it back.
    const admitted: PaymentRow = {
      id: paymentId,
      idempotency_key: idempotencyKey,
      status: "pending",
      amount: request.amount,
      currency: request.currency,
      creditor_name: request.creditor.name,
      creditor_iban: request.creditor.iban,
      reference: request.reference,
      metadata: JSON.stringify(request.metadata ?? {}),
      end_to_end_id: endToEndId,
      bank_phase: INITIAL_STATE,
      bank_transfer_id: null,
      bank_status: null,
      bank_reason_code: null,
      failure_code: null,
      failure_message: null,
      attempts: 0,
      bank_may_hold: 0,
      inquiries: 0,
      bank_booked_at: null,
      bank_request_format: null,
      bank_request: null,
      first_sent_at: null,
      return_reason_code: null,
      return_amount: null,
      return_currency: null,
      returned_at: null,
      return_bank_reference: null,
      next_action_at: inFlightDeadline(ctx.config, now),
      created_at: now,
      updated_at: now,
      first_not_found_at: null,
      last_sent_at: null,
      resend_refusal: null,
      attention_since: null,
      attention_reason: null,
      attention_reset_steps: 0,
      attention_reset_at: null,
      discrepancy: null,
      woken_from_at: null,
    };
    sql.exec(
      `INSERT INTO payments (id, idempotency_key, status, amount, currency, creditor_name, creditor_iban, reference, metadata,
         end_to_end_id, bank_phase, attempts, bank_may_hold, inquiries, next_action_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      admitted.id,
      admitted.idempotency_key,
      admitted.status,
      admitted.amount,
      admitted.currency,
      admitted.creditor_name,
      admitted.creditor_iban,
      admitted.reference,
      admitted.metadata,
      admitted.end_to_end_id,
      admitted.bank_phase,
      admitted.attempts,
      admitted.bank_may_hold,
      admitted.inquiries,
      admitted.next_action_at,
      admitted.created_at,
      admitted.updated_at,
    );
    addToDailyTotal(sql, now, request.currency, request.amount);
    sql.exec(
      `INSERT INTO idempotency_keys (key, fingerprint, payment_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
      idempotencyKey,
      fingerprint,
      paymentId,
      now,
      expiresAt,
    );
    // A payment inserted just now has no events yet: its first one links to the genesis hash.
    appendPaymentEvent(
      sql,
      {
        paymentId,
        at: now,
        fromStatus: null,
        toStatus: "pending",
        bankStatus: null,
        reasonCode: null,
        attempt: 0,
        detail: { note: "admitted" },
      },
      { known: undefined },
    );
    ctx.onStatusChange(paymentFromRow(admitted), null);
    return { kind: "admitted", paymentId, expiresAt };
  });
}

/**
 * A refusal stored with its key. Rows written before refusals were domain
 * values hold the whole problem+json body; both read back as the same refusal.
 */
function storedRefusal(body: string | null): Refusal {
  const stored = JSON.parse(body ?? "{}") as { refusal?: string; type?: string; detail?: string };
  const code = stored.refusal ?? stored.type?.slice(PROBLEM_TYPE_PREFIX.length);
  const known = STORED_REFUSALS.find((refusal) => refusal === code);
  // Only admission stores refusals, and only these; anything else is a damaged row, not a decision to replay.
  if (!known) throw new Error("an idempotency key holds a refusal admission never stores");
  return refuse(known, stored.detail ?? "");
}

const STORED_REFUSALS: readonly RefusalCode[] = [
  "amount-limit-exceeded",
  "daily-limit-exceeded",
  "currency-not-supported",
  "amount-out-of-range",
];

/** The bank adapter says what it can carry (BANK_CURRENCIES, and a profile's own limits); admission only asks. */
function bankRefusal(ctx: PaymentsContext, request: CreatePaymentRequest): Refusal | null {
  const problem = ctx.bank().admissionProblem(request.amount, request.currency);
  return problem === null ? null : refuse(problem.code, problem.detail);
}
