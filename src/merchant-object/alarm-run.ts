/**
 * One run of the object's alarm, and its time budget.
 *
 * Payment recovery comes first, every run: a payment's next inquiry must
 * not wait behind a slow webhook endpoint or a slow read of the bank's
 * notifications. The runtime never starts an alarm while the previous
 * handler is still running, so a handler that awaited webhook delivery (an
 * endpoint taking WEBHOOK_TIMEOUT_MS per attempt, round after round) would
 * hold back every inquiry due meanwhile. The other work therefore runs in
 * the background once recovery is done: webhook delivery gets what is left
 * of ALARM_RUN_BUDGET_MS to start rounds in, and runs on after the handler
 * returns (kept alive with waitUntil), so the next alarm fires on time for
 * recovery. Each background task runs once at a time per instance: a run
 * that finds it going does not start it again (leases would keep two
 * delivery loops apart, but not within the per-endpoint in-flight cap).
 */
import { logEvent } from "../platform/log.ts";

/** One alarm run's budget: recovery first, webhook delivery starts rounds only within what is left. */
export const ALARM_RUN_BUDGET_MS = 30_000;

/** Work the alarm starts after recovery and does not wait for. Returns how much it did (0: nothing changed). */
export type BackgroundWork = (asOf: number, budgetMs: number) => Promise<number>;

export interface AlarmWork {
  /** Payment recovery due by `asOf`. */
  recoverPayments(asOf: number): Promise<unknown>;
  /** Reports owed to the registry (throttled); never throws. */
  report(): Promise<void>;
  /** By name (for the log line): webhook delivery, the return poll. */
  background: Readonly<Record<string, BackgroundWork>>;
  /** Sets the alarm to the earliest due work. */
  reschedule(): Promise<void>;
  /** Keeps the object alive for work that outlives the handler. */
  keepAlive(work: Promise<unknown>): void;
}

export class AlarmRunner {
  private readonly running = new Set<string>();

  constructor(private readonly work: AlarmWork) {}

  /** The alarm handler's work. `asOf`: the object's "now" for due work. Throws what recovery threw, after the rest started. */
  async run(asOf: number): Promise<void> {
    const started = Date.now();
    let failure: unknown = null;
    try {
      await this.work.recoverPayments(asOf);
    } catch (error) {
      // The rest still gets its turn; the error is rethrown so the runtime retries the alarm.
      failure = error;
    }
    await this.work.report();
    const budgetMs = ALARM_RUN_BUDGET_MS - (Date.now() - started);
    for (const [name, task] of Object.entries(this.work.background)) this.start(name, task, asOf, budgetMs);
    if (failure !== null) throw failure;
  }

  private start(name: string, task: BackgroundWork, asOf: number, budgetMs: number): void {
    if (this.running.has(name)) return;
    this.running.add(name);
    const run = task(asOf, budgetMs)
      // What it did may have scheduled more (retries, a chain's next event): the alarm must know.
      // Nothing done: the handler's own re-arm already counted it.
      .then((done) => (done > 0 ? this.work.reschedule() : undefined))
      .catch((error: unknown) => {
        logEvent("error", "alarm_background_work_failed", { work: name, error: String(error) });
      })
      .finally(() => {
        this.running.delete(name);
      });
    this.work.keepAlive(run);
  }
}
