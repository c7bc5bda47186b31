/**
 * One Durable Object per merchant: the single writer of that merchant's
 * state. This class is wiring only. It builds the capabilities (payments,
 * webhooks, reconciliation), authorizes every RPC and delegates, and runs the
 * one alarm, which asks each capability when it is next due. The rules live
 * in src/payments/, src/webhooks/ and src/reconciliation/.
 */
import { DurableObject } from "cloudflare:workers";
import type { MerchantStatus } from "../../schemas/admin-api.ts";
import type { Payment, PaymentStatus } from "../../schemas/merchant-api.ts";
import type { CreateWebhookEndpointRequest } from "../../schemas/webhooks.ts";
import { BankHealthReporter, bankCallReport } from "../bank/bank-health-report.ts";
import type { BankPort } from "../bank/bank-port.ts";
import { type BankCall, BankClient } from "../bank/client.ts";
import type { InquiryOutcome } from "../bank/outcome.ts";
import type { CreatePaymentCommand } from "../payments/admission.ts";
import { AttentionReporter } from "../payments/attention-report.ts";
import type { PaymentsContext } from "../payments/context.ts";
import type { PaymentListQuery } from "../payments/payment-listing.ts";
import { Payments } from "../payments/payments.ts";
import type { GetPaymentReply, PaymentEventsReply, PaymentPageReply, PaymentReply } from "../payments/replies.ts";
import { loadConfig } from "../platform/config.ts";
import type { Env } from "../platform/env.ts";
import { logEvent } from "../platform/log.ts";
import { type Clock, systemClock } from "../platform/object-store.ts";
import { type Refusal, refuse } from "../platform/refusal.ts";
import { MerchantReconciliation } from "../reconciliation/merchant-reconciliation.ts";
import { merchantRegistry } from "../registry/merchant-registry.ts";
import { MerchantWebhooks } from "../webhooks/merchant-webhooks.ts";
import type {
  DeleteWebhookEndpointReply,
  EventListReply,
  RedeliverReply,
  WebhookEndpointListReply,
  WebhookEndpointReply,
} from "../webhooks/replies.ts";
import { AlarmRunner } from "./alarm-run.ts";
import { AlarmScheduler } from "./alarm-scheduler.ts";
import { type ApiKeyListReply, type ApiKeyReply, addApiKey, listApiKeys, revokeApiKey } from "./api-keys-store.ts";
import { type AuthContext, KeyRing } from "./authorization.ts";
import { type InitializeMerchantInput, MerchantProfile, type MerchantRow, merchantFromRow } from "./merchant-profile.ts";
import { applyMigrations, hasSchema } from "./migrations.ts";
import type { InitializeReply, MerchantReply, ReconciliationReply, ScheduledReconciliationReply } from "./replies.ts";
import type { MerchantObjectSeams } from "./test-seams.ts";

export type { InitializeMerchantInput } from "./merchant-profile.ts";

export class MerchantAccount extends DurableObject<Env> {
  /** The one place tests reach into a live object (test-seams.ts). */
  readonly seams: MerchantObjectSeams;
  private readonly profile: MerchantProfile;
  private readonly keys: KeyRing;
  private readonly payments: Payments;
  private readonly webhooks: MerchantWebhooks;
  private readonly reconciliation: MerchantReconciliation;
  private readonly scheduler: AlarmScheduler;
  private readonly bankHealth = new BankHealthReporter();
  private readonly attention: AttentionReporter;
  private readonly alarms: AlarmRunner;
  private initialized: boolean;
  private readonly bankBound: boolean;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const store = ctx.storage;
    // Only an initialized merchant gets (or upgrades) a schema: a request with
    // a forged key naming a random merchant id must not create storage.
    this.initialized = hasSchema(store.sql);
    if (this.initialized) applyMigrations(store);
    const config = loadConfig(env);
    this.profile = new MerchantProfile(store);
    this.keys = new KeyRing(store);

    const drills: MerchantObjectSeams["drills"] = { beforeRecordOutcome: null, beforeRecovery: null, afterReschedule: null };
    // `wrangler dev` without the local stack has no BANK (wrangler.jsonc binds it only in production):
    // every call that needs the bank is then refused up front, before anything is stored.
    this.bankBound = env.BANK !== undefined;
    let bank: BankPort = env.BANK
      ? new BankClient({ fetcher: env.BANK, baseUrl: config.BANK_URL, timeoutMs: config.BANK_TIMEOUT_MS })
      : unboundBank;
    let clock: Clock = systemClock;
    this.scheduler = new AlarmScheduler(
      store,
      { now: () => clock.now() },
      () => [this.payments.nextDueAt(), this.webhooks.nextDeliveryAt(), this.webhooks.nextPruneAt(), this.attention.nextDueAt()],
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
      onBankContradiction: (payment) => {
        if (this.webhooks.onPaymentBankContradiction(payment, clock.now()) > 0) queueMicrotask(() => void this.wakeForWebhooks());
      },
      ensureAlarmBy: (at) => this.scheduler.ensureBy(at),
      rescheduleAlarm: () => this.scheduler.reschedule(),
      observeBankCall: (call) => this.reportBankHealth(call),
    };
    this.payments = new Payments(payments);
    this.attention = new AttentionReporter(store.sql);
    this.alarms = new AlarmRunner({
      // Not recoverDuePayments: the alarm re-arms once, after all of its work, from what is due then.
      recoverPayments: (asOf) => this.payments.runDue(asOf),
      report: () => this.reportAttention(false),
      deliverWebhooks: (asOf, budgetMs) => this.webhooks.deliverDue(asOf, budgetMs),
      reschedule: () => this.scheduler.reschedule(),
      keepAlive: (work) => this.ctx.waitUntil(work),
    });
    this.reconciliation = new MerchantReconciliation({
      store,
      bank: () => bank,
      recordOutcome: (...args) => this.payments.recordOutcome(...args),
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
    };
  }

  // ---------------------------------------------------------------- merchant (operator)

  initialize(input: InitializeMerchantInput): InitializeReply {
    if (!this.initialized) {
      applyMigrations(this.ctx.storage);
      this.initialized = true;
    }
    const created = this.profile.initialize(input, Date.now());
    this.keys.forget();
    if (!created) return refuse("merchant-exists", "This merchant is already initialized.");
    return { ok: true, merchant: merchantFromRow(this.profile.load() as MerchantRow) };
  }

  getMerchant(): MerchantReply {
    const merchant = this.existingMerchant();
    return merchant ? { ok: true, merchant: merchantFromRow(merchant) } : merchantNotFound();
  }

  updateMerchantStatus(status: MerchantStatus): MerchantReply {
    if (!this.existingMerchant()) return merchantNotFound();
    this.profile.setStatus(status);
    return this.getMerchant();
  }

  listApiKeys(): ApiKeyListReply {
    return this.existingMerchant() ? { ok: true, keys: listApiKeys(this.ctx.storage.sql) } : merchantNotFound();
  }

  addApiKey(key: { id: string; hash: string }): ApiKeyReply {
    if (!this.existingMerchant()) return merchantNotFound();
    const reply = addApiKey(this.ctx.storage, key, Date.now());
    this.keys.forget();
    return reply;
  }

  revokeApiKey(keyId: string): ApiKeyReply {
    if (!this.existingMerchant()) return merchantNotFound();
    const reply = revokeApiKey(this.ctx.storage, keyId, Date.now());
    this.keys.forget();
    return reply;
  }

  // ---------------------------------------------------------------- payments

  async createPayment(auth: AuthContext, command: CreatePaymentCommand): Promise<PaymentReply> {
    const merchant = this.authorize(auth);
    if ("ok" in merchant) return merchant;
    return this.bankBound ? this.payments.create(merchant, command, auth.requestId) : bankNotConfigured();
  }

  getPayment(auth: AuthContext, paymentId: string): GetPaymentReply {
    const merchant = this.authorize(auth);
    return "ok" in merchant ? merchant : this.payments.get(paymentId);
  }

  getPaymentEvents(auth: AuthContext, paymentId: string): PaymentEventsReply {
    const merchant = this.authorize(auth);
    return "ok" in merchant ? merchant : this.payments.events(paymentId);
  }

  listPayments(auth: AuthContext, query: PaymentListQuery): PaymentPageReply {
    const merchant = this.authorize(auth);
    return "ok" in merchant ? merchant : this.payments.list(query);
  }

  /** Operator: an operator looked at this payment; its attention flag is cleared and the registry told at once. */
  async clearPaymentAttention(paymentId: string): Promise<GetPaymentReply> {
    if (!this.existingMerchant()) return merchantNotFound();
    const reply = this.payments.clearAttention(paymentId);
    if (reply.ok) await this.reportAttention(true);
    return reply;
  }

  // ---------------------------------------------------------------- reconciliation

  async reconcile(auth: AuthContext, date: string): Promise<ReconciliationReply> {
    const merchant = this.authorize(auth);
    if ("ok" in merchant) return merchant;
    if (!this.bankBound) return bankNotConfigured();
    const result = await this.reconcileDay(merchant, date, auth.requestId);
    if (result.ok) return result;
    return refuse("bank-unavailable", "The bank's statement could not be read; retry later.", { "retry-after": "60" });
  }

  /** The cron's entry point: no API key (only the Worker holds this binding), and disabled merchants are reconciled too. */
  async reconcileScheduled(date: string): Promise<ScheduledReconciliationReply> {
    const merchant = this.existingMerchant();
    if (!merchant) return { outcome: "skipped", reason: "merchant object not initialized" };
    const result = await this.reconcileDay(merchant, date);
    return result.ok ? { outcome: "reconciled", report: result.report } : { outcome: "failed", reason: result.reason };
  }

  getReconciliation(auth: AuthContext, date: string): ReconciliationReply {
    const merchant = this.authorize(auth);
    if ("ok" in merchant) return merchant;
    const report = this.reconciliation.storedReport(merchant.id, date);
    if (report) return { ok: true, report };
    return refuse("not-found", `No reconciliation report for ${date}; POST /v1/reconciliations to run one.`);
  }

  private async reconcileDay(merchant: MerchantRow, date: string, requestId?: string) {
    const result = await this.reconciliation.reconcile(merchant, date, requestId);
    // Settled payments no longer need their alarm.
    await this.scheduler.reschedule();
    return result;
  }

  // ---------------------------------------------------------------- webhooks

  createWebhookEndpoint(auth: AuthContext, request: CreateWebhookEndpointRequest): WebhookEndpointReply {
    const merchant = this.authorize(auth);
    return "ok" in merchant ? merchant : this.webhooks.createEndpoint(request, Date.now());
  }

  listWebhookEndpoints(auth: AuthContext): WebhookEndpointListReply {
    const merchant = this.authorize(auth);
    return "ok" in merchant ? merchant : this.webhooks.listEndpoints();
  }

  deleteWebhookEndpoint(auth: AuthContext, endpointId: string): DeleteWebhookEndpointReply {
    const merchant = this.authorize(auth);
    return "ok" in merchant ? merchant : this.webhooks.deleteEndpoint(endpointId, Date.now());
  }

  rotateWebhookSecret(auth: AuthContext, endpointId: string, revokePrevious = false): WebhookEndpointReply {
    const merchant = this.authorize(auth);
    return "ok" in merchant ? merchant : this.webhooks.rotateSecret(endpointId, Date.now(), revokePrevious);
  }

  listEvents(auth: AuthContext, afterSeq: number, limit: number): EventListReply {
    const merchant = this.authorize(auth);
    return "ok" in merchant ? merchant : this.webhooks.listEvents(afterSeq, limit);
  }

  async redeliverEvent(auth: AuthContext, eventId: string): Promise<RedeliverReply> {
    const merchant = this.authorize(auth);
    if ("ok" in merchant) return merchant;
    const reply = this.webhooks.redeliver(eventId, Date.now());
    if (reply.ok) await this.scheduler.ensureBy(Date.now());
    return reply;
  }

  // ---------------------------------------------------------------- the alarm

  override async alarm(): Promise<void> {
    this.scheduler.fired();
    if (!this.initialized) return;
    try {
      // Recovery first; webhook delivery gets what is left of the run's budget (alarm-run.ts).
      await this.alarms.run(this.seams.clock.now());
    } finally {
      // Re-armed even when a step threw, so pending work never waits for an unrelated request.
      await this.scheduler.reschedule();
    }
  }

  /** The alarm's payment work, due by `asOf` (tests pass a later time to skip the wait). Returns how many payments it worked on. */
  async recoverDuePayments(asOf: number): Promise<number> {
    const worked = await this.payments.runDue(asOf);
    await this.scheduler.reschedule();
    return worked;
  }

  /** The alarm's webhook work: deliveries due by `asOf` and pruning. Returns the attempts made. */
  async deliverDueWebhooks(asOf: number): Promise<number> {
    if (!this.initialized) return 0;
    const attempts = await this.webhooks.deliverDue(asOf);
    await this.scheduler.reschedule();
    return attempts;
  }

  // ---------------------------------------------------------------- helpers

  /** The merchant, if `auth` may act on it; a refusal otherwise. */
  private authorize(auth: AuthContext): MerchantRow | Refusal {
    return this.keys.authorize(this.existingMerchant(), auth);
  }

  /** The merchant row, or null for an object never initialized (which has no tables to read). */
  private existingMerchant(): MerchantRow | null {
    return this.initialized ? this.profile.load() : null;
  }

  /**
   * Webhook outbox hook. Runs inside the status change's transaction, after
   * the change, so the notification commits or rolls back with it. Sending
   * happens later from the alarm, which is woken once this turn ends (an
   * await here would end the transaction).
   */
  private onStatusChange(payment: Payment, fromStatus: PaymentStatus | null): void {
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

  /**
   * Payments needing attention, to the registry (attention-report.ts):
   * throttled, or at once for an operator's change (`force`). A failure is
   * logged and retried later; it never fails the caller.
   */
  private async reportAttention(force: boolean): Promise<void> {
    const merchant = this.existingMerchant();
    if (!merchant) return;
    const report = this.attention.take(merchant.id, this.seams.clock.now(), force);
    if (!report) return;
    try {
      await merchantRegistry(this.env).recordAttention(report);
      this.attention.sent(report);
    } catch (error) {
      logEvent("warn", "attention_report_failed", { merchant_id: merchant.id, error: String(error) });
    }
  }

  /** Throttled report to the registry for GET /health; never delays or fails the payment. */
  private reportBankHealth(call: BankCall<InquiryOutcome>): void {
    const report = this.bankHealth.take(bankCallReport(call.httpStatus, call.outcome, Date.now()));
    if (!report) return;
    this.ctx.waitUntil(
      merchantRegistry(this.env)
        .recordBankCall(report)
        .catch((error: unknown) => {
          this.bankHealth.forget(report);
          logEvent("warn", "bank_health_report_failed", { error: String(error) });
        }),
    );
  }
}

function bankNotConfigured(): Refusal {
  return refuse(
    "bank-not-configured",
    "This connector has no BANK binding (plain `wrangler dev`). Run `npm start` for the local stack with the bank simulator over mTLS.",
  );
}

/** Stands in for the bank when BANK is not bound; never reached, since every bank-bound RPC is refused first. */
const unboundBank: BankPort = {
  submitCreditTransfer: () => Promise.reject(new Error("BANK is not bound")),
  inquireCreditTransfer: () => Promise.reject(new Error("BANK is not bound")),
  fetchStatementPage: () => Promise.reject(new Error("BANK is not bound")),
};

function merchantNotFound(): Refusal {
  return refuse("not-found", "No merchant with this id exists.");
}
