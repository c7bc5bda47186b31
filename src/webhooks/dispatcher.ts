/**
 * Sends due webhook deliveries; called from the merchant object's alarm.
 *
 * Isolation: each merchant has its own object, so a slow merchant endpoint
 * cannot delay another merchant. Within a merchant, one round sends at most
 * WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT deliveries per endpoint in parallel, and
 * each request is cut at the timeout, so a dead endpoint costs one round at
 * most one timeout and leaves the other endpoints' deliveries flowing.
 *
 * Crash safety: before a request starts, its delivery's next_attempt_at is
 * pushed past the timeout (a lease). If the object dies mid-request, the
 * delivery is simply due again once the lease ends: at-least-once delivery,
 * which the event id lets receivers de-duplicate.
 */
import { logEvent } from "../platform/log.ts";
import type { ObjectStore } from "../platform/object-store.ts";
import { signingSecrets, type WebhookEndpointRow } from "./endpoints.ts";
import { releaseNextInChain } from "./outbox.ts";
import { webhookRetriesExhausted, webhookRetryDelayMs } from "./retry-schedule.ts";
import { sendWebhook, type WebhookAttemptResult, type WebhookFetch } from "./send.ts";

export const WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT = 4;
export const WEBHOOK_MAX_PER_ROUND = 32;
/** A delivery being sent is not picked again before its timeout plus this. */
export const WEBHOOK_LEASE_GRACE_MS = 5_000;
/** One alarm run stops starting new rounds after this long; the alarm comes back for the rest. */
export const WEBHOOK_ROUNDS_BUDGET_MS = 30_000;

type DueDelivery = {
  id: number;
  endpoint_id: string;
  ordering_key: string;
  attempts: number;
  event_id: string;
  type: string;
  body: string;
} & Pick<WebhookEndpointRow, "url" | "secret" | "previous_secret" | "previous_secret_expires_at">;

export interface WebhookDispatcherOptions {
  storage: ObjectStore;
  fetchWebhook: WebhookFetch;
  timeoutMs: number;
  merchantId: () => string | undefined;
  random?: () => number;
}

export class WebhookDispatcher {
  private readonly sql: SqlStorage;

  constructor(private readonly options: WebhookDispatcherOptions) {
    this.sql = options.storage.sql;
  }

  /**
   * Sends every delivery due by `asOf` (first round), then keeps going with
   * what became due meanwhile (a chain's next event, released when its
   * predecessor settled), starting new rounds for at most `budgetMs`.
   * Returns the number of attempts made.
   */
  async deliverDue(asOf: number, budgetMs: number = WEBHOOK_ROUNDS_BUDGET_MS): Promise<number> {
    const started = Date.now();
    let cutoff = asOf;
    let attempts = 0;
    // The first round always goes (an alarm whose recovery took the whole budget must not starve webhooks).
    for (let round = 0; round === 0 || Date.now() - started < budgetMs; round++) {
      const batch = this.leaseDue(cutoff, Date.now());
      if (batch.length === 0) break;
      await Promise.all(batch.map((delivery) => this.attempt(delivery)));
      attempts += batch.length;
      cutoff = Date.now();
    }
    return attempts;
  }

  /** Picks due deliveries (fair per endpoint) and leases them, in one synchronous step. */
  leaseDue(cutoff: number, now: number): DueDelivery[] {
    return this.options.storage.transactionSync(() => {
      const due = this.sql
        .exec<DueDelivery>(
          `SELECT d.id, d.endpoint_id, d.ordering_key, d.attempts, e.id AS event_id, e.type, e.body,
                  p.url, p.secret, p.previous_secret, p.previous_secret_expires_at
           FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY endpoint_id ORDER BY next_attempt_at, id) AS endpoint_rank
                 FROM webhook_deliveries
                 WHERE state = 'pending' AND next_attempt_at IS NOT NULL AND next_attempt_at <= ?) d
           JOIN webhook_events e ON e.seq = d.event_seq
           JOIN webhook_endpoints p ON p.id = d.endpoint_id
           WHERE d.endpoint_rank <= ?
           ORDER BY d.next_attempt_at, d.id
           LIMIT ?`,
          cutoff,
          WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT,
          WEBHOOK_MAX_PER_ROUND,
        )
        .toArray();
      const leased: DueDelivery[] = [];
      for (const delivery of due) {
        if (webhookRetriesExhausted(delivery.attempts)) {
          // Only reachable when attempts were lost to crashes mid-send (a
          // recorded last attempt fails the delivery itself): give up here too.
          this.finish(delivery, "failed", delivery.attempts, now);
          logEvent("error", "webhook_attempt", {
            merchant_id: this.options.merchantId(),
            event_id: delivery.event_id,
            endpoint_id: delivery.endpoint_id,
            attempt: delivery.attempts,
            outcome: "failed",
            error: "attempt limit reached (earlier attempts were interrupted before their result was recorded)",
          });
          continue;
        }
        // The attempt is counted when it starts: if the object dies before its
        // result is recorded, the next try is a new attempt number (the lost one
        // is a gap in the listed attempts), so a crash loop still ends at the
        // attempt limit. The lease lasts the request, or the backoff this
        // attempt would get on failure if longer, so a crash loop keeps the schedule.
        const attempt = delivery.attempts + 1;
        const leaseMs = Math.max(this.options.timeoutMs + WEBHOOK_LEASE_GRACE_MS, webhookRetryDelayMs(attempt, this.options.random));
        this.sql.exec(`UPDATE webhook_deliveries SET attempts = ?, next_attempt_at = ? WHERE id = ?`, attempt, now + leaseMs, delivery.id);
        leased.push(delivery);
      }
      return leased;
    });
  }

  private async attempt(delivery: DueDelivery): Promise<void> {
    const attempt = delivery.attempts + 1;
    const result = await sendWebhook(
      this.options.fetchWebhook,
      {
        url: delivery.url,
        body: delivery.body,
        eventId: delivery.event_id,
        eventType: delivery.type,
        attempt,
        secrets: signingSecrets(delivery, Date.now()),
      },
      this.options.timeoutMs,
    );
    this.recordAttempt(delivery, attempt, result, Date.now());
  }

  /** Ends a delivery (delivered, or failed for good) and lets the next one of its chain go. */
  private finish(delivery: DueDelivery, state: "delivered" | "failed", attempts: number, now: number): void {
    this.sql.exec(
      `UPDATE webhook_deliveries SET state = ?, attempts = ?, next_attempt_at = NULL, finished_at = ? WHERE id = ?`,
      state,
      attempts,
      now,
      delivery.id,
    );
    releaseNextInChain(this.sql, delivery.endpoint_id, delivery.ordering_key, now);
  }

  private recordAttempt(delivery: DueDelivery, attempt: number, result: WebhookAttemptResult, now: number): void {
    const outcome = this.options.storage.transactionSync((): "delivered" | "retry" | "failed" | "canceled" => {
      this.sql.exec(
        `INSERT OR REPLACE INTO webhook_attempts (delivery_id, attempt, at, status, error, duration_ms) VALUES (?, ?, ?, ?, ?, ?)`,
        delivery.id,
        attempt,
        now - result.durationMs,
        result.status,
        result.error,
        result.durationMs,
      );
      const state = this.sql.exec<{ state: string }>(`SELECT state FROM webhook_deliveries WHERE id = ?`, delivery.id).one().state;
      if (state !== "pending") {
        // Canceled (endpoint deleted) while the request was out: keep the attempt, change nothing else.
        this.sql.exec(`UPDATE webhook_deliveries SET attempts = ? WHERE id = ?`, attempt, delivery.id);
        return "canceled";
      }
      if (result.delivered || webhookRetriesExhausted(attempt)) {
        const state = result.delivered ? "delivered" : "failed";
        this.finish(delivery, state, attempt, now);
        return state;
      }
      this.sql.exec(
        `UPDATE webhook_deliveries SET attempts = ?, next_attempt_at = ? WHERE id = ?`,
        attempt,
        now + webhookRetryDelayMs(attempt, this.options.random),
        delivery.id,
      );
      return "retry";
    });
    logEvent(outcome === "delivered" ? "info" : outcome === "failed" ? "error" : "warn", "webhook_attempt", {
      merchant_id: this.options.merchantId(),
      event_id: delivery.event_id,
      endpoint_id: delivery.endpoint_id,
      attempt,
      outcome,
      http_status: result.status,
      error: result.error,
      latency_ms: result.durationMs,
    });
  }
}
