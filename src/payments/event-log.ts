/**
 * The per-payment event history. Each event carries a SHA-256 over its own
 * content and its predecessor's hash, so editing or deleting a stored event
 * breaks the chain from that point on (verifyEventChain finds where).
 *
 * Appends run inside the synchronous SQL transaction of the status change
 * they record; that is why the hash uses node:crypto's synchronous digest
 * rather than crypto.subtle (an await would end the transaction).
 */
import { createHash } from "node:crypto";
import canonicalize from "canonicalize";

export const GENESIS_HASH = "0".repeat(64);

export interface PaymentEventInput {
  paymentId: string;
  at: number;
  fromStatus: string | null;
  toStatus: string;
  bankStatus: string | null;
  reasonCode: string | null;
  attempt: number;
  detail: Record<string, unknown> | null;
}

export interface StoredPaymentEvent {
  payment_id: string;
  seq: number;
  at: number;
  from_status: string | null;
  to_status: string;
  bank_status: string | null;
  reason_code: string | null;
  attempt: number;
  detail: string | null;
  prev_hash: string;
  hash: string;
}

export function hashEvent(event: Omit<StoredPaymentEvent, "hash">): string {
  return createHash("sha256").update(canonicalEventJson(event)).digest("hex");
}

type HashedFields = Omit<StoredPaymentEvent, "hash">;
const TEXT_FIELDS = ["bank_status", "detail", "from_status", "payment_id", "prev_hash", "reason_code", "to_status"] as const;

/**
 * The event's canonical JSON (RFC 8785), byte for byte what the canonicalize
 * package writes, which stored hashes were made with. The shape is fixed, so
 * it is written directly with its keys in canonical order; anything that
 * package would write differently or refuse (a value that is not a finite
 * number, a string or null; a lone surrogate) goes through it instead.
 */
export function canonicalEventJson(e: HashedFields): string {
  const plain =
    Number.isFinite(e.at) &&
    Number.isFinite(e.seq) &&
    Number.isFinite(e.attempt) &&
    TEXT_FIELDS.every((field) => {
      const value = e[field];
      return value === null || (typeof value === "string" && value.isWellFormed());
    });
  if (!plain) return canonicalize(eventFields(e)) ?? "";
  const j = JSON.stringify;
  return (
    `{"at":${j(e.at)},"attempt":${j(e.attempt)},"bank_status":${j(e.bank_status)},"detail":${j(e.detail)},` +
    `"from_status":${j(e.from_status)},"payment_id":${j(e.payment_id)},"prev_hash":${j(e.prev_hash)},` +
    `"reason_code":${j(e.reason_code)},"seq":${j(e.seq)},"to_status":${j(e.to_status)}}`
  );
}

/** Exactly the hashed fields (a stored row has more columns). */
function eventFields(event: HashedFields): HashedFields {
  return {
    payment_id: event.payment_id,
    seq: event.seq,
    at: event.at,
    from_status: event.from_status,
    to_status: event.to_status,
    bank_status: event.bank_status,
    reason_code: event.reason_code,
    attempt: event.attempt,
    detail: event.detail,
    prev_hash: event.prev_hash,
  };
}

/** Where an appended event links to: the payment's last event, or none for the first event of a payment. */
export type ChainLink = { seq: number; hash: string } | undefined;

/**
 * Must be called inside the transaction that makes the change it records.
 * `previous`: the payment's last event when the caller knows it (admission
 * knows a payment it has just inserted has none), saving the read of it. A
 * wrong `previous` cannot go unnoticed: (payment_id, seq) is the primary key,
 * so linking to anything but the true last event either fails the insert or
 * leaves a gap that verifyEventChain reports.
 */
export function appendPaymentEvent(sql: SqlStorage, input: PaymentEventInput, previous?: { known: ChainLink }): StoredPaymentEvent {
  const last = previous ? previous.known : lastEvent(sql, input.paymentId);
  const unsigned = {
    payment_id: input.paymentId,
    seq: (last?.seq ?? 0) + 1,
    at: input.at,
    from_status: input.fromStatus,
    to_status: input.toStatus,
    bank_status: input.bankStatus,
    reason_code: input.reasonCode,
    attempt: input.attempt,
    detail: input.detail ? JSON.stringify(input.detail) : null,
    prev_hash: last?.hash ?? GENESIS_HASH,
  };
  const event: StoredPaymentEvent = { ...unsigned, hash: hashEvent(unsigned) };
  sql.exec(
    `INSERT INTO payment_events (payment_id, seq, at, from_status, to_status, bank_status, reason_code, attempt, detail, prev_hash, hash)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    event.payment_id,
    event.seq,
    event.at,
    event.from_status,
    event.to_status,
    event.bank_status,
    event.reason_code,
    event.attempt,
    event.detail,
    event.prev_hash,
    event.hash,
  );
  return event;
}

function lastEvent(sql: SqlStorage, paymentId: string): ChainLink {
  return sql
    .exec<{ seq: number; hash: string }>(`SELECT seq, hash FROM payment_events WHERE payment_id = ? ORDER BY seq DESC LIMIT 1`, paymentId)
    .toArray()[0];
}

export function readPaymentEvents(sql: SqlStorage, paymentId: string): StoredPaymentEvent[] {
  return sql
    .exec<Record<string, SqlStorageValue>>(`SELECT * FROM payment_events WHERE payment_id = ? ORDER BY seq`, paymentId)
    .toArray() as unknown as StoredPaymentEvent[];
}

/** The first event whose hash or link does not verify, or null when the chain is intact. */
export function verifyEventChain(events: StoredPaymentEvent[]): { brokenAtSeq: number } | null {
  let previous = GENESIS_HASH;
  let expectedSeq = 1;
  for (const event of events) {
    const { hash, ...unsigned } = event;
    if (event.seq !== expectedSeq || event.prev_hash !== previous || hashEvent(unsigned) !== hash) {
      return { brokenAtSeq: event.seq };
    }
    previous = hash;
    expectedSeq++;
  }
  return null;
}

/** What an operator needs to know about a payment's stored history. */
export type HistoryVerification = { verified: true } | { verified: false; broken_at_seq: number; problem: string };

/**
 * Verifies the chain and that it ends where the payment stands: a chain
 * cannot reveal the loss of its own last events, but the payment row can.
 */
export function verifyPaymentHistory(events: StoredPaymentEvent[], currentStatus: string): HistoryVerification {
  const broken = verifyEventChain(events);
  if (broken) return { verified: false, broken_at_seq: broken.brokenAtSeq, problem: "event content or link does not match its hash" };
  const last = events.at(-1);
  if (!last) return { verified: false, broken_at_seq: 1, problem: "the payment has no events" };
  if (last.to_status !== currentStatus) {
    return {
      verified: false,
      broken_at_seq: last.seq + 1,
      problem: `history ends at ${last.to_status} but the payment is ${currentStatus}`,
    };
  }
  return { verified: true };
}
