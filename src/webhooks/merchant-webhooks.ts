/**
 * The webhook side of a merchant object: endpoint management, the outbox
 * hook for status changes, the event log and delivery. The object
 * (merchant-account.ts) authenticates and delegates here, so the payment
 * code carries a single call into webhooks.
 */
import type { ConnectorConfig } from "../../schemas/config.ts";
import { isLoopbackWebhookUrl } from "../../schemas/loopback-webhooks.ts";
import type { Payment, PaymentStatus } from "../../schemas/merchant-api.ts";
import type { ReconciliationReport } from "../../schemas/reconciliation.ts";
import { type CreateWebhookEndpointRequest, MAX_WEBHOOK_ENDPOINTS } from "../../schemas/webhooks.ts";
import type { ObjectStore } from "../platform/object-store.ts";
import { type Refusal, refuse } from "../platform/refusal.ts";
import { WebhookDispatcher } from "./dispatcher.ts";
import { activeEndpoints, createEndpoint, deleteEndpoint, endpointFromRow, rotateEndpointSecret } from "./endpoints.ts";
import {
  enqueuePaymentBankContradiction,
  enqueuePaymentStatusChange,
  enqueueReconciliationCompleted,
  listEvents,
  pruneEvents,
  redeliverEvent,
  WEBHOOK_EVENT_RETENTION_MS,
  WEBHOOK_PRUNE_BATCH,
} from "./outbox.ts";
import type {
  DeleteWebhookEndpointReply,
  EventListReply,
  RedeliverReply,
  WebhookEndpointListReply,
  WebhookEndpointReply,
} from "./replies.ts";
import type { WebhookFetch } from "./send.ts";

/** Retention is enforced to the hour, not to the millisecond. */
const PRUNE_INTERVAL_MS = 3_600_000;

export class MerchantWebhooks {
  private readonly sql: SqlStorage;
  private readonly dispatcher: WebhookDispatcher;
  /** Last prune in this instance (0: none yet). */
  private prunedAt = 0;
  private pruneBacklog = false;

  constructor(
    private readonly storage: ObjectStore,
    env: WebhookBindings,
    config: ConnectorConfig,
    merchantId: () => string | undefined,
  ) {
    this.sql = storage.sql;
    this.dispatcher = new WebhookDispatcher({
      storage,
      fetchWebhook: webhookFetch(env, config.ALLOW_LOOPBACK_WEBHOOKS),
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
      merchantId,
    });
  }

  /** Outbox write; see enqueuePaymentStatusChange. Returns how many deliveries are due now. */
  onPaymentStatusChange(payment: Payment, fromStatus: PaymentStatus | null): number {
    return enqueuePaymentStatusChange(this.sql, payment, fromStatus);
  }

  /** Outbox write; see enqueuePaymentBankContradiction. Returns how many deliveries are due now. */
  onPaymentBankContradiction(payment: Payment, at: number): number {
    return enqueuePaymentBankContradiction(this.sql, payment, at);
  }

  /** Outbox write; see enqueueReconciliationCompleted. Returns how many deliveries are due now. */
  onReconciliationCompleted(report: ReconciliationReport): number {
    return enqueueReconciliationCompleted(this.sql, report);
  }

  /** Alarm work: sends what is due by `asOf` (rounds started within `budgetMs`) and prunes events past retention. Returns the attempts made. */
  async deliverDue(asOf: number, budgetMs?: number): Promise<number> {
    const now = Date.now();
    const pruned = this.storage.transactionSync(() => pruneEvents(this.sql, now - WEBHOOK_EVENT_RETENTION_MS));
    this.prunedAt = now;
    this.pruneBacklog = pruned >= WEBHOOK_PRUNE_BATCH;
    return this.dispatcher.deliverDue(asOf, budgetMs);
  }

  /** Leases what a delivery round would send now, without sending it: a crash drill's "about to send" (tests). */
  leaseDue(cutoff: number, now: number): number {
    return this.dispatcher.leaseDue(cutoff, now).length;
  }

  /** The earliest due delivery attempt, or null when none is pending. */
  nextDeliveryAt(): number | null {
    return this.sql
      .exec<{ at: number | null }>(
        `SELECT MIN(next_attempt_at) AS at FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at IS NOT NULL`,
      )
      .one().at;
  }

  /**
   * When the alarm must come back to prune: when the oldest event passes
   * retention, at most once an hour (an event kept because a delivery is
   * still pending must not make the alarm spin), or at once after a full
   * batch. Null when there are no events.
   */
  nextPruneAt(): number | null {
    if (this.pruneBacklog) return this.prunedAt;
    const oldest = this.sql.exec<{ at: number | null }>(`SELECT MIN(created_at) AS at FROM webhook_events`).one().at;
    if (oldest === null) return null;
    return Math.max(oldest + WEBHOOK_EVENT_RETENTION_MS, this.prunedAt + PRUNE_INTERVAL_MS);
  }

  createEndpoint(request: CreateWebhookEndpointRequest, now: number): WebhookEndpointReply {
    const result = this.storage.transactionSync(() => createEndpoint(this.sql, request, now));
    if (result.ok) return { ok: true, endpoint: result.endpoint };
    return refuse("webhook-endpoint-limit", `A merchant can have at most ${MAX_WEBHOOK_ENDPOINTS} webhook endpoints; delete one first.`);
  }

  listEndpoints(): WebhookEndpointListReply {
    return { ok: true, endpoints: activeEndpoints(this.sql).map(endpointFromRow) };
  }

  deleteEndpoint(endpointId: string, now: number): DeleteWebhookEndpointReply {
    const deleted = this.storage.transactionSync(() => deleteEndpoint(this.sql, endpointId, now));
    return deleted ? { ok: true } : endpointNotFound();
  }

  rotateSecret(endpointId: string, now: number, revokePrevious: boolean): WebhookEndpointReply {
    const result = this.storage.transactionSync(() => rotateEndpointSecret(this.sql, endpointId, now, revokePrevious));
    if (result.ok) return { ok: true, endpoint: result.endpoint };
    if (result.reason === "not-found") return endpointNotFound();
    const until = new Date(result.previousSecretExpiresAt).toISOString();
    return refuse(
      "webhook-secret-rotation-in-progress",
      `The previous secret still signs until ${until}; rotate again after that, or send {"revoke_previous": true} to drop every old secret at once.`,
    );
  }

  listEvents(afterSeq: number, limit: number): EventListReply {
    const page = listEvents(this.sql, afterSeq, limit);
    return { ok: true, list: { data: page.events, next_cursor: page.nextCursor, has_more: page.hasMore } };
  }

  redeliver(eventId: string, now: number): RedeliverReply {
    const result = this.storage.transactionSync(() => redeliverEvent(this.sql, eventId, now));
    if (result.ok) return { ok: true, event: result.event };
    if (result.reason === "not-found") return refuse("not-found", "No event with this id exists for this merchant.");
    return refuse("webhook-no-endpoint", "No webhook endpoint is subscribed to this event's type; register one first.");
  }
}

/** The bindings webhook delivery reads: where POSTs go instead of the global fetch (tests, local runs). */
export interface WebhookBindings {
  WEBHOOK_FETCH?: Fetcher;
}

function webhookFetch(env: WebhookBindings, allowLoopback: boolean): WebhookFetch {
  const binding = env.WEBHOOK_FETCH;
  return (request) => {
    // npm start: a receiver on this machine goes through the global fetch,
    // which under Miniflare reaches 127.0.0.1, whatever WEBHOOK_FETCH routes.
    if (allowLoopback && isLoopbackWebhookUrl(request.url)) return fetch(request);
    return binding ? binding.fetch(request) : fetch(request);
  };
}

function endpointNotFound(): Refusal {
  return refuse("not-found", "No webhook endpoint with this id exists for this merchant.");
}
