/**
 * The wiring of a merchant object: builds its capabilities (payments,
 * webhooks, reconciliation, the return watch), the one alarm scheduler that
 * asks each of them when it is next due, and the test seams. The object
 * (merchant-account.ts) keeps only authorization, RPC delegation and the
 * alarm handler.
 */
import type { Payment, PaymentStatus } from "../../schemas/merchant-api.ts";
import { BankHealthReporter, bankCallReport } from "../bank/bank-health-report.ts";
import type { BankPort } from "../bank/bank-port.ts";
import { type BankCall, BankClient } from "../bank/client.ts";
import type { InquiryOutcome } from "../bank/outcome.ts";
import type { PaymentsContext } from "../payments/context.ts";
import { Payments } from "../payments/payments.ts";
import { ReturnWatch } from "../payments/return-watch.ts";
import { loadConfig } from "../platform/config.ts";
import type { Env } from "../platform/env.ts";
import { logEvent } from "../platform/log.ts";
import { type Clock, systemClock } from "../platform/object-store.ts";
import { MerchantReconciliation } from "../reconciliation/merchant-reconciliation.ts";
import { merchantRegistry } from "../registry/merchant-registry.ts";
import { MerchantWebhooks } from "../webhooks/merchant-webhooks.ts";
import { AlarmScheduler } from "./alarm-scheduler.ts";
import { MerchantProfile, type MerchantRow } from "./merchant-profile.ts";
import type { MerchantObjectSeams } from "./test-seams.ts";

export class MerchantCapabilities {
  readonly profile: MerchantProfile;
  readonly payments: Payments;
  readonly webhooks: MerchantWebhooks;
  readonly reconciliation: MerchantReconciliation;
  readonly returnWatch: ReturnWatch;
  readonly scheduler: AlarmScheduler;
  /** The one place tests reach into a live object (test-seams.ts). */
  readonly seams: MerchantObjectSeams;
  /** False under plain `wrangler dev` (no BANK): every call that needs the bank is refused up front, before anything is stored. */
  readonly bankBound: boolean;
  private readonly bankHealth = new BankHealthReporter();

  constructor(
    private readonly state: DurableObjectState,
    private readonly env: Env,
  ) {
    const store = state.storage;
    const config = loadConfig(env);
    this.profile = new MerchantProfile(store);
    const drills: MerchantObjectSeams["drills"] = { beforeRecordOutcome: null, beforeRecovery: null, afterReschedule: null };
    this.bankBound = env.BANK !== undefined;
    let bank: BankPort = env.BANK
      ? new BankClient({ fetcher: env.BANK, baseUrl: config.BANK_URL, timeoutMs: config.BANK_TIMEOUT_MS })
      : unboundBank;
    let clock: Clock = systemClock;
    this.scheduler = new AlarmScheduler(
      store,
      { now: () => clock.now() },
      () => [this.payments.nextDueAt(), this.webhooks.nextDeliveryAt(), this.webhooks.nextPruneAt(), this.returnWatch.nextDueAt()],
      () => drills.afterReschedule,
    );
    this.webhooks = new MerchantWebhooks(store, env, config, () => this.profile.load()?.id);
    const payments: PaymentsContext = {
      store,
      config,
      drills,
      clock: { now: () => clock.now() },
      bank: () => bank,
      merchant: () => this.profile.load() as MerchantRow,
      onStatusChange: (payment, fromStatus) => this.onStatusChange(payment, fromStatus),
      ensureAlarmBy: (at) => this.scheduler.ensureBy(at),
      rescheduleAlarm: () => this.scheduler.reschedule(),
      observeBankCall: (call) => this.reportBankHealth(call),
    };
    this.payments = new Payments(payments);
    this.returnWatch = new ReturnWatch(payments, this.payments.returns);
    this.reconciliation = new MerchantReconciliation({
      store,
      bank: () => bank,
      recordOutcome: (...args) => this.payments.recordOutcome(...args),
      applyReturn: (entry, source) => this.payments.applyReturn(entry, source),
      onReportStored: (report) => {
        if (this.webhooks.onReconciliationCompleted(report) > 0) queueMicrotask(() => void this.wakeForWebhooks());
      },
    });
    const inflight = this.payments.inflight;
    this.seams = {
      get bank() {
        return bank;
      },
      set bank(next: BankPort) {
        bank = next;
      },
      get clock() {
        return clock;
      },
      set clock(next: Clock) {
        clock = next;
      },
      drills,
      inflight,
      recordOutcome: (paymentId, attempt, outcome, source) => this.payments.recordOutcome(paymentId, attempt, outcome, source),
      leaseDueWebhooks: (cutoff, now) => this.webhooks.leaseDue(cutoff, now),
      applyReturn: (entry, source) => this.payments.applyReturn(entry, source),
    };
  }

  /**
   * Runs inside the status change's transaction, after the change, so what
   * it writes (the webhook outbox, the return watch's window) commits or
   * rolls back with it. Sending happens later from the alarm, which is woken
   * once this turn ends (an await here would end the transaction).
   */
  private onStatusChange(payment: Payment, fromStatus: PaymentStatus | null): void {
    this.returnWatch.notePaymentStatus(payment);
    if (this.webhooks.onPaymentStatusChange(payment, fromStatus) > 0) queueMicrotask(() => void this.wakeForWebhooks());
  }

  private async wakeForWebhooks(): Promise<void> {
    try {
      await this.scheduler.ensureBy(Date.now());
    } catch (error) {
      // The next reschedule still counts the delivery; only its promptness is lost.
      logEvent("error", "webhook_wake_failed", { merchant_id: this.profile.load()?.id, error: String(error) });
    }
  }

  /** Throttled report to the registry for GET /health; never delays or fails the payment. */
  private reportBankHealth(call: BankCall<InquiryOutcome>): void {
    const report = this.bankHealth.take(bankCallReport(call.httpStatus, call.outcome, Date.now()));
    if (!report) return;
    this.state.waitUntil(
      merchantRegistry(this.env)
        .recordBankCall(report)
        .catch((error: unknown) => {
          this.bankHealth.forget(report);
          logEvent("warn", "bank_health_report_failed", { error: String(error) });
        }),
    );
  }
}

/** Stands in for the bank when BANK is not bound; never reached, since every bank-bound RPC is refused first. */
const unboundBank: BankPort = {
  submitCreditTransfer: () => Promise.reject(new Error("BANK is not bound")),
  inquireCreditTransfer: () => Promise.reject(new Error("BANK is not bound")),
  fetchStatementPage: () => Promise.reject(new Error("BANK is not bound")),
  fetchNotifications: () => Promise.reject(new Error("BANK is not bound")),
};
