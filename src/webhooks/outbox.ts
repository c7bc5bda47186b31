/**
 * The webhook outbox. A status change writes its event, and one delivery row
 * per subscribed endpoint, inside the change's own SQL transaction: the
 * notification exists exactly when the change does. Delivery happens later,
 * from the alarm (webhook-dispatcher.ts).
 *
 * Ordering: deliveries sharing an endpoint and an ordering key (the payment
 * id) form a chain. Only the oldest pending delivery of a chain has a
 * next_attempt_at; the others wait with NULL until it is delivered or
 * finally failed, which releases the next one. So event n+1 of a payment
 * never reaches an endpoint before event n has been settled there.
 */

import type { Payment, PaymentStatus } from "../../schemas/merchant-api.ts";
import type { ReconciliationReport } from "../../schemas/reconciliation.ts";
import type {
  EventWithDeliveries,
  PaymentEventType,
  PaymentWebhookEvent,
  ReconciliationWebhookEvent,
  WebhookDelivery,
  WebhookDeliveryState,
  WebhookEvent,
  WebhookEventType,
} from "../../schemas/webhooks.ts";
import { groupBy } from "../platform/group-by.ts";
import { pageOf } from "../platform/page.ts";
import { execInSlices } from "../platform/sql-slices.ts";
import { monotonicUlidFactory } from "../platform/ulid.ts";
import { subscriptions } from "./endpoints.ts";

const nextEventUlid = monotonicUlidFactory();

export type WebhookEventRow = {
  seq: number;
  id: string;
  type: WebhookEventType;
  ordering_key: string;
  created_at: number;
  body: string;
};

type DeliveryRow = {
  id: number;
  event_seq: number;
  endpoint_id: string;
  state: WebhookDeliveryState;
  redelivery: number;
  attempts: number;
  next_attempt_at: number | null;
};

type AttemptRow = {
  delivery_id: number;
  attempt: number;
  at: number;
  status: number | null;
  error: string | null;
  duration_ms: number;
};

export function paymentEventType(status: PaymentStatus): PaymentEventType {
  switch (status) {
    case "pending":
      return "payment.pending";
    case "succeeded":
      return "payment.succeeded";
    case "failed":
      return "payment.failed";
    case "returned":
      return "payment.returned";
    case "canceled":
      return "payment.canceled";
    default:
      return status satisfies never;
  }
}

/**
 * Records a payment's status change in the outbox. Must be called inside the
 * transaction that made the change, after it (so `payment` is the new state).
 * The event is dated by the change itself (the payment's updated_at).
 * Returns how many deliveries became due at once (0: nothing to wake for).
 */
export function enqueuePaymentStatusChange(sql: SqlStorage, payment: Payment, fromStatus: PaymentStatus | null): number {
  if (payment.status === fromStatus) return 0;
  return enqueuePaymentEvent(sql, payment, paymentEventType(payment.status), Date.parse(payment.updated_at), payment.updated_at);
}

/**
 * Records that the bank settled a payment the connector reported failed
 * (src/payments/contradiction.ts). Inside that transaction; on the payment's
 * chain, so an endpoint gets it after the payment's `payment.failed`.
 */
export function enqueuePaymentBankContradiction(sql: SqlStorage, payment: Payment, at: number): number {
  return enqueuePaymentEvent(sql, payment, "payment.bank_contradiction", at, new Date(at).toISOString());
}

/** A payment event at `at` (`createdAt` as the body says it), on the payment's chain. */
function enqueuePaymentEvent(sql: SqlStorage, payment: Payment, type: PaymentEventType, at: number, createdAt: string): number {
  const event: PaymentWebhookEvent = { id: `evt_${nextEventUlid(at)}`, type, created_at: createdAt, data: { payment } };
  return enqueueEvent(sql, { id: event.id, type, orderingKey: payment.id, createdAt: at, body: JSON.stringify(event) });
}

/**
 * Records a stored reconciliation report in the outbox. Must be called inside
 * the transaction that stored it, so a report exists exactly when its event
 * does. Runs of one day share an ordering key: an endpoint sees them in order.
 */
export function enqueueReconciliationCompleted(sql: SqlStorage, report: ReconciliationReport): number {
  const at = Date.parse(report.generated_at);
  const event: ReconciliationWebhookEvent = {
    id: `evt_${nextEventUlid(at)}`,
    type: "reconciliation.completed",
    created_at: report.generated_at,
    data: {
      reconciliation: {
        date: report.date,
        generated_at: report.generated_at,
        statement_pages: report.statement_pages,
        summary: report.summary,
        report_url: `/v1/reconciliations/${report.date}`,
      },
    },
  };
  return enqueueEvent(sql, {
    id: event.id,
    type: event.type,
    orderingKey: `reconciliation:${report.date}`,
    createdAt: at,
    body: JSON.stringify(event),
  });
}

/** The generic outbox write, shared by every event type. */
export function enqueueEvent(
  sql: SqlStorage,
  event: { id: string; type: WebhookEventType; orderingKey: string; createdAt: number; body: string },
): number {
  // The body is serialized once: every attempt and redelivery sends the same bytes.
  const values = [event.id, event.type, event.orderingKey, event.createdAt, event.body];
  // No endpoint takes this type: the event is kept for GET /v1/events and redelivery, and needs no seq here.
  if (!subscriptions(sql).some(({ types }) => types.includes(event.type))) {
    sql.exec(`INSERT INTO webhook_events (id, type, ordering_key, created_at, body) VALUES (?, ?, ?, ?, ?)`, ...values);
    return 0;
  }
  const seq = sql
    .exec<{ seq: number }>(
      `INSERT INTO webhook_events (id, type, ordering_key, created_at, body) VALUES (?, ?, ?, ?, ?) RETURNING seq`,
      ...values,
    )
    .one().seq;
  return addDeliveries(sql, seq, event.type, event.orderingKey, event.createdAt, false).due;
}

function addDeliveries(
  sql: SqlStorage,
  eventSeq: number,
  type: WebhookEventType,
  orderingKey: string,
  now: number,
  redelivery: boolean,
): { subscribed: number; due: number } {
  let subscribed = 0;
  let due = 0;
  for (const { endpointId, types } of subscriptions(sql)) {
    if (!types.includes(type)) continue;
    subscribed++;
    // A redelivery to an endpoint that still has this event queued adds
    // nothing: it would send the same bytes twice, and repeated calls could
    // pile up deliveries without bound.
    if (redelivery && hasPendingDelivery(sql, eventSeq, endpointId)) continue;
    const chainBusy =
      sql
        .exec<{ n: number }>(
          `SELECT COUNT(*) AS n FROM webhook_deliveries WHERE endpoint_id = ? AND ordering_key = ? AND state = 'pending'`,
          endpointId,
          orderingKey,
        )
        .one().n > 0;
    sql.exec(
      `INSERT INTO webhook_deliveries (event_seq, endpoint_id, ordering_key, state, redelivery, attempts, next_attempt_at, created_at)
       VALUES (?, ?, ?, 'pending', ?, 0, ?, ?)`,
      eventSeq,
      endpointId,
      orderingKey,
      redelivery ? 1 : 0,
      chainBusy ? null : now,
      now,
    );
    if (!chainBusy) due++;
  }
  return { subscribed, due };
}

function hasPendingDelivery(sql: SqlStorage, eventSeq: number, endpointId: string): boolean {
  return (
    sql
      .exec<{ n: number }>(
        `SELECT COUNT(*) AS n FROM webhook_deliveries WHERE event_seq = ? AND endpoint_id = ? AND state = 'pending'`,
        eventSeq,
        endpointId,
      )
      .one().n > 0
  );
}

/** Lets the next waiting delivery of a chain go, once its predecessor is settled. */
export function releaseNextInChain(sql: SqlStorage, endpointId: string, orderingKey: string, now: number): void {
  sql.exec(
    `UPDATE webhook_deliveries SET next_attempt_at = ?
     WHERE id = (SELECT id FROM webhook_deliveries WHERE endpoint_id = ? AND ordering_key = ? AND state = 'pending' ORDER BY id LIMIT 1)
       AND next_attempt_at IS NULL`,
    now,
    endpointId,
    orderingKey,
  );
}

export type RedeliverResult = { ok: true; event: EventWithDeliveries } | { ok: false; reason: "not-found" | "no-endpoint" };

/**
 * A redelivery is a new delivery of the same event (same id, same body) to
 * every endpoint now subscribed to its type, with the full retry schedule.
 * It queues behind unsettled deliveries of the same payment to that endpoint.
 * Endpoints that still have the event pending get nothing new, so asking
 * again before the last redelivery settled changes nothing.
 */
export function redeliverEvent(sql: SqlStorage, eventId: string, now: number): RedeliverResult {
  const event = findEvent(sql, eventId);
  if (!event) return { ok: false, reason: "not-found" };
  const { subscribed } = addDeliveries(sql, event.seq, event.type, event.ordering_key, now, true);
  if (subscribed === 0) return { ok: false, reason: "no-endpoint" };
  return { ok: true, event: eventsWithDeliveries(sql, [event])[0] as EventWithDeliveries };
}

export function findEvent(sql: SqlStorage, eventId: string): WebhookEventRow | undefined {
  return sql.exec<WebhookEventRow>(`SELECT * FROM webhook_events WHERE id = ?`, eventId).toArray()[0];
}

export interface EventPage {
  events: EventWithDeliveries[];
  nextCursor: string | null;
  hasMore: boolean;
}

/** Oldest first after the cursor, so a client can also poll for what it has not seen yet. */
export function listEvents(sql: SqlStorage, afterSeq: number, limit: number): EventPage {
  const rows = sql.exec<WebhookEventRow>(`SELECT * FROM webhook_events WHERE seq > ? ORDER BY seq LIMIT ?`, afterSeq, limit + 1).toArray();
  const { items, hasMore } = pageOf(rows, limit);
  const last = items.at(-1);
  return {
    events: eventsWithDeliveries(sql, items),
    nextCursor: last ? String(last.seq) : afterSeq > 0 ? String(afterSeq) : null,
    hasMore,
  };
}

function eventsWithDeliveries(sql: SqlStorage, events: WebhookEventRow[]): EventWithDeliveries[] {
  const first = events[0];
  const last = events.at(-1);
  if (!first || !last) return [];
  const deliveries = sql
    .exec<DeliveryRow>(
      `SELECT id, event_seq, endpoint_id, state, redelivery, attempts, next_attempt_at FROM webhook_deliveries
       WHERE event_seq BETWEEN ? AND ? ORDER BY id`,
      first.seq,
      last.seq,
    )
    .toArray();
  const attempts = sql
    .exec<AttemptRow>(
      `SELECT a.* FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
       WHERE d.event_seq BETWEEN ? AND ? ORDER BY a.delivery_id, a.attempt`,
      first.seq,
      last.seq,
    )
    .toArray();
  const attemptsByDelivery = groupBy(attempts, (a) => a.delivery_id);
  const deliveriesByEvent = groupBy(deliveries, (d) => d.event_seq);
  return events.map((event) => ({
    ...(JSON.parse(event.body) as WebhookEvent),
    deliveries: (deliveriesByEvent.get(event.seq) ?? []).map(
      (d): WebhookDelivery => ({
        id: `whd_${d.id}`,
        endpoint_id: d.endpoint_id,
        state: d.state,
        redelivery: d.redelivery === 1,
        next_attempt_at: d.next_attempt_at === null ? null : new Date(d.next_attempt_at).toISOString(),
        attempts: (attemptsByDelivery.get(d.id) ?? []).map((a) => ({
          attempt: a.attempt,
          at: new Date(a.at).toISOString(),
          status: a.status,
          error: a.error,
          duration_ms: a.duration_ms,
        })),
      }),
    ),
  }));
}

/** Events are kept this long, then pruned with their deliveries and attempts once none is pending. */
export const WEBHOOK_EVENT_RETENTION_MS = 30 * 24 * 3_600_000;
/** Pruning is done in slices so one alarm run stays short. */
export const WEBHOOK_PRUNE_BATCH = 500;

/** Deletes up to WEBHOOK_PRUNE_BATCH events created before `olderThan` that have no pending delivery. */
export function pruneEvents(sql: SqlStorage, olderThan: number): number {
  const seqs = sql
    .exec<{ seq: number }>(
      `SELECT seq FROM webhook_events e WHERE created_at < ?
         AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_seq = e.seq AND d.state = 'pending')
       ORDER BY seq LIMIT ?`,
      olderThan,
      WEBHOOK_PRUNE_BATCH,
    )
    .toArray()
    .map((row) => row.seq);
  execInSlices(
    sql,
    seqs,
    (marks) => `DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE event_seq IN (${marks}))`,
  );
  execInSlices(sql, seqs, (marks) => `DELETE FROM webhook_deliveries WHERE event_seq IN (${marks})`);
  execInSlices(sql, seqs, (marks) => `DELETE FROM webhook_events WHERE seq IN (${marks})`);
  return seqs.length;
}
