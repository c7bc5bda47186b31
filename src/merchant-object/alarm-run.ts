/**
 * One run of the object's alarm, and its time budget.
 *
 * Payment recovery comes first, every run: a payment's next inquiry must
 * not wait behind a slow webhook endpoint. The runtime never starts an
 * alarm while the previous handler is still running, so a handler that
 * awaited webhook delivery (an endpoint taking WEBHOOK_TIMEOUT_MS per
 * attempt, round after round) would hold back every inquiry due meanwhile.
 * Webhook delivery therefore gets what is left of ALARM_RUN_BUDGET_MS to
 * start rounds in, and runs on after the handler returns (kept alive with
 * waitUntil); the next alarm can fire on time for recovery. One delivery
 * loop at a time per instance: a run that finds one going does not start
 * another (its leases would keep them apart, but not within the
 * per-endpoint in-flight cap).
 */
import { logEvent } from "../platform/log.ts";

/** One alarm run's budget: recovery first, webhook delivery starts rounds only within what is left. */
export const ALARM_RUN_BUDGET_MS = 30_000;

export interface AlarmWork {
  /** Payment recovery due by `asOf`. */
  recoverPayments(asOf: number): Promise<unknown>;
  /** Reports owed to the registry (throttled); never throws. */
  report(): Promise<void>;
  /** Webhook deliveries due by `asOf`, starting rounds for at most `budgetMs`. */
  deliverWebhooks(asOf: number, budgetMs: number): Promise<number>;
  /** Sets the alarm to the earliest due work. */
  reschedule(): Promise<void>;
  /** Keeps the object alive for work that outlives the handler. */
  keepAlive(work: Promise<unknown>): void;
}

export class AlarmRunner {
  private delivering: Promise<void> | null = null;

  constructor(private readonly work: AlarmWork) {}

  /** The alarm handler's work. `asOf`: the object's "now" for due work. Throws what recovery threw, after the rest ran. */
  async run(asOf: number): Promise<void> {
    const started = Date.now();
    let failure: unknown = null;
    try {
      await this.work.recoverPayments(asOf);
    } catch (error) {
      // Webhooks still get their turn; the error is rethrown so the runtime retries the alarm.
      failure = error;
    }
    await this.work.report();
    this.startDelivery(asOf, ALARM_RUN_BUDGET_MS - (Date.now() - started));
    if (failure !== null) throw failure;
  }

  /** Whether a delivery loop started by an alarm is still running in this instance. */
  get deliveryRunning(): boolean {
    return this.delivering !== null;
  }

  private startDelivery(asOf: number, budgetMs: number): void {
    if (this.delivering) return;
    const delivery = this.work
      .deliverWebhooks(asOf, budgetMs)
      // Attempts schedule retries and release a chain's next event: the alarm must know. (None made: the handler's own re-arm did it.)
      .then((attempts) => (attempts > 0 ? this.work.reschedule() : undefined))
      .catch((error: unknown) => {
        logEvent("error", "webhook_delivery_failed", { error: String(error) });
      })
      .finally(() => {
        this.delivering = null;
      });
    this.delivering = delivery;
    this.work.keepAlive(delivery);
  }
}
