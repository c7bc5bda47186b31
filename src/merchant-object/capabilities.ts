/**
 * Builds the capabilities of one merchant object and wires them to each
 * other: payments, webhooks, reconciliation, the return watch, the alarm
 * scheduler, and the seams tests may reach. The object class (merchant-account.ts) only
 * authorizes RPCs and delegates to what this returns.
 */

import { bankAdapterFor } from "../bank/bank-adapters.ts";
import type { BankCall } from "../bank/bank-call.ts";
import { BankHealthReporter, bankCallReport } from "../bank/bank-health-report.ts";
import type { BankPort } from "../bank/bank-port.ts";
import type { InquiryOutcome } from "../bank/outcome.ts";
import { AttentionReporter } from "../payments/attention-report.ts";
import type { CircuitAfterCall, FailureDrills, PaymentsContext } from "../payments/context.ts";
import { Payments } from "../payments/payments.ts";
import { ReturnWatch } from "../payments/return-watch.ts";
import { loadConfig } from "../platform/config.ts";
import type { Env } from "../platform/env.ts";
import { logEvent } from "../platform/log.ts";
import { type Clock, type ObjectStore, systemClock } from "../platform/object-store.ts";
import { MerchantReconciliation } from "../reconciliation/merchant-reconciliation.ts";
import { StatementImports } from "../reconciliation/statement-imports.ts";
import { merchantRegistry } from "../registry/merchant-registry.ts";
import { MerchantWebhooks } from "../webhooks/merchant-webhooks.ts";
import { AlarmRunner } from "./alarm-run.ts";
import { AlarmScheduler, type AlarmStorage } from "./alarm-scheduler.ts";
import { KeyRing } from "./authorization.ts";
import { MerchantProfile, type MerchantRow } from "./merchant-profile.ts";
import type { MerchantObjectSeams } from "./test-seams.ts";

export interface MerchantCapabilities {
  profile: MerchantProfile;
  keys: KeyRing;
  payments: Payments;
  webhooks: MerchantWebhooks;
  reconciliation: MerchantReconciliation;
  statements: StatementImports;
  /** Polls the bank's notifications for returns (src/payments/return-watch.ts). */
  returnWatch: ReturnWatch;
  scheduler: AlarmScheduler;
  /** One alarm run: recovery first, then reports, then webhook delivery and the return poll in the background. */
  alarms: AlarmRunner;
  /** Payments needing attention, to the registry: throttled, or at once (`force`) after an operator's change. Never throws. */
  reportAttention(force: boolean): Promise<void>;
  seams: MerchantObjectSeams;
  /** False under plain `wrangler dev`: no BANK binding, so nothing that needs the bank is admitted. */
  bankBound: boolean;
}

/** What the object hands over of its runtime: its storage (SQL and the alarm), env, and waitUntil. */
export interface ObjectRuntime {
  storage: ObjectStore & AlarmStorage;
  env: Env;
  waitUntil(promise: Promise<unknown>): void;
}

export function buildCapabilities({ storage, env, waitUntil }: ObjectRuntime): MerchantCapabilities {
  const config = loadConfig(env);
  const profile = new MerchantProfile(storage);
  const drills: FailureDrills = { beforeRecordOutcome: null, beforeRecovery: null, afterReschedule: null };
  // `wrangler dev` without the local stack has no BANK (wrangler.jsonc binds it only in production):
  // every call that needs the bank is then refused up front, before anything is stored.
  // BANK_PROFILE picks the adapter (src/bank/bank-adapters.ts); nothing here knows which one it is.
  let bank: BankPort = env.BANK ? bankAdapterFor(config, env.BANK) : unboundBank;
  let clock: Clock = systemClock;
  const now: Clock = { now: () => clock.now() };

  const webhooks = new MerchantWebhooks(storage, env, config, () => profile.load()?.id);
  const scheduler = new AlarmScheduler(
    storage,
    now,
    () => [payments.nextDueAt(), webhooks.nextDeliveryAt(), webhooks.nextPruneAt(), returnWatch.nextDueAt(), attention.nextDueAt()],
    () => drills.afterReschedule,
  );
  /** The outbox write happens in the caller's transaction; the alarm is woken once this turn ends (an await there would end it). */
  const wakeForWebhooks = (due: number) => {
    if (due === 0) return;
    queueMicrotask(() => {
      scheduler.ensureBy(Date.now()).catch((error: unknown) => {
        // The next reschedule still counts the delivery; only its promptness is lost.
        logEvent("error", "webhook_wake_failed", { merchant_id: profile.load()?.id, error: String(error) });
      });
    });
  };
  const bankHealth = new BankHealthReporter();
  /**
   * Throttled report to the registry for GET /health, and at once when the circuit flips (the registry shares
   * that with the other merchant objects); never delays or fails the payment.
   */
  const reportBankHealth = (call: BankCall<InquiryOutcome>, circuit: CircuitAfterCall) => {
    const merchantId = profile.load()?.id;
    const circuitReport =
      merchantId === undefined ? undefined : { merchant_id: merchantId, failing: circuit.failing, by_own_calls: circuit.byOwnCalls };
    const report = bankHealth.take(bankCallReport(call.httpStatus, call.outcome, Date.now(), circuitReport), circuit.flipped);
    if (!report) return;
    waitUntil(
      merchantRegistry(env)
        .recordBankCall(report)
        .catch((error: unknown) => {
          bankHealth.forget(report);
          logEvent("warn", "bank_health_report_failed", { error: String(error) });
        }),
    );
  };

  const attention = new AttentionReporter(storage.sql);
  const reportAttention = async (force: boolean): Promise<void> => {
    const merchant = profile.load();
    if (!merchant) return;
    const report = attention.take(merchant.id, now.now(), force);
    if (!report) return;
    try {
      await merchantRegistry(env).recordAttention(report);
      attention.sent(report);
    } catch (error) {
      // Still owed (stored): the next run sends it, ATTENTION_REPORT_INTERVAL_MS later.
      logEvent("warn", "attention_report_failed", { merchant_id: merchant.id, error: String(error) });
    }
  };

  const paymentsContext: PaymentsContext = {
    store: storage,
    config,
    drills,
    clock: now,
    bank: () => bank,
    merchant: () => profile.load() as MerchantRow,
    // In the change's transaction: a success opens the return watch's window with it.
    onStatusChange: (payment, fromStatus) => {
      returnWatch.notePaymentStatus(payment);
      wakeForWebhooks(webhooks.onPaymentStatusChange(payment, fromStatus));
    },
    onBankContradiction: (payment) => wakeForWebhooks(webhooks.onPaymentBankContradiction(payment, now.now())),
    ensureAlarmBy: (at) => scheduler.ensureBy(at),
    rescheduleAlarm: () => scheduler.reschedule(),
    ensureAlarmForDue: (at) => scheduler.ensureDueBy(at),
    observeBankCall: reportBankHealth,
  };
  const payments = new Payments(paymentsContext);
  const returnWatch = new ReturnWatch(paymentsContext, payments.returns);
  const reconciliation = new MerchantReconciliation({
    store: storage,
    bank: () => bank,
    recordOutcome: (...args) => payments.recordOutcome(...args),
    applyReturn: (entry, source) => payments.applyReturn(entry, source),
    onReportStored: (report) => wakeForWebhooks(webhooks.onReconciliationCompleted(report)),
    inquire: (row) => payments.inquire(row),
    flagStatusMismatch: (paymentId, status) => payments.flagStatusMismatch(paymentId, status),
  });
  const alarms = new AlarmRunner({
    // Not the recoverDuePayments RPC: the alarm re-arms once, after all of its work, from what is due then.
    recoverPayments: (asOf) => payments.runDue(asOf),
    report: () => reportAttention(false),
    background: {
      webhook_delivery: (asOf, budgetMs) => webhooks.deliverDue(asOf, budgetMs),
      // A poll only moves its own due time later: nothing to re-arm for.
      return_poll: async (asOf) => {
        if (env.BANK !== undefined) await returnWatch.pollDue(asOf);
        return 0;
      },
    },
    reschedule: () => scheduler.reschedule(),
    keepAlive: waitUntil,
  });
  const seams: MerchantObjectSeams = {
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
    inflight: payments.inflight,
    recordOutcome: (paymentId, attempt, outcome, source) => payments.recordOutcome(paymentId, attempt, outcome, source),
    leaseDueWebhooks: (cutoff, at) => webhooks.leaseDue(cutoff, at),
    applyReturn: (entry, source) => payments.applyReturn(entry, source),
  };
  // Imported files' returns go through the same one return path as the poll's and the statement's.
  const statements = new StatementImports(storage, now, (entry, source) => payments.applyReturn(entry, source));
  const keys = new KeyRing(storage);
  return {
    profile,
    keys,
    payments,
    webhooks,
    reconciliation,
    statements,
    returnWatch,
    scheduler,
    alarms,
    reportAttention,
    seams,
    bankBound: env.BANK !== undefined,
  };
}

/** Stands in for the bank when BANK is not bound; never reached, since every bank-bound RPC is refused first. */
const unboundBank: BankPort = {
  admissionProblem: () => null,
  prepareTransfer: () => ({ ok: false, reason: "BANK is not bound" }),
  submitCreditTransfer: () => Promise.reject(new Error("BANK is not bound")),
  inquireCreditTransfer: () => Promise.reject(new Error("BANK is not bound")),
  fetchStatementPage: () => Promise.reject(new Error("BANK is not bound")),
  fetchNotifications: () => Promise.reject(new Error("BANK is not bound")),
};
