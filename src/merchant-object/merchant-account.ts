/**
 * One Durable Object per merchant: the single writer of that merchant's
 * state. This class is wiring only. It builds the capabilities (payments,
 * webhooks, reconciliation), authorizes every RPC and delegates, and runs the
 * one alarm, which asks each capability when it is next due. The rules live
 * in src/payments/, src/webhooks/ and src/reconciliation/.
 */
import { DurableObject } from "cloudflare:workers";
import type { MerchantStatus } from "../../schemas/admin-api.ts";
import type { CreateWebhookEndpointRequest } from "../../schemas/webhooks.ts";
import type { BankNews } from "../bank/bank-circuit.ts";
import type { CreatePaymentCommand } from "../payments/admission.ts";
import type { CancelReply } from "../payments/cancellation.ts";
import type { PaymentListQuery } from "../payments/payment-listing.ts";
import type { Payments } from "../payments/payments.ts";
import type { GetPaymentReply, PaymentEventsReply, PaymentPageReply, PaymentReply } from "../payments/replies.ts";
import type { ReturnPollResult, ReturnWatch } from "../payments/return-watch.ts";
import type { Env } from "../platform/env.ts";
import { type Refusal, refuse } from "../platform/refusal.ts";
import type { MerchantReconciliation } from "../reconciliation/merchant-reconciliation.ts";
import type {
  ImportStatementReply,
  StatementImportPageReply,
  StatementImports,
  StatementUpload,
} from "../reconciliation/statement-imports.ts";
import type { MerchantWebhooks } from "../webhooks/merchant-webhooks.ts";
import type {
  DeleteWebhookEndpointReply,
  EventListReply,
  RedeliverReply,
  WebhookEndpointListReply,
  WebhookEndpointReply,
} from "../webhooks/replies.ts";
import type { AlarmRunner } from "./alarm-run.ts";
import type { AlarmScheduler } from "./alarm-scheduler.ts";
import { type ApiKeyListReply, type ApiKeyReply, addApiKey, listApiKeys, revokeApiKey } from "./api-keys-store.ts";
import type { AuthContext, KeyRing } from "./authorization.ts";
import { buildCapabilities } from "./capabilities.ts";
import { type InitializeMerchantInput, type MerchantProfile, type MerchantRow, merchantFromRow } from "./merchant-profile.ts";
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
  private readonly statements: StatementImports;
  private readonly returnWatch: ReturnWatch;
  private readonly scheduler: AlarmScheduler;
  private readonly alarms: AlarmRunner;
  private readonly reportAttention: (force: boolean) => Promise<void>;
  private readonly bankBound: boolean;
  private initialized: boolean;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Only an initialized merchant gets (or upgrades) a schema: a request with
    // a forged key naming a random merchant id must not create storage.
    this.initialized = hasSchema(ctx.storage.sql);
    if (this.initialized) applyMigrations(ctx.storage);
    const built = buildCapabilities({ storage: ctx.storage, env, waitUntil: (promise) => ctx.waitUntil(promise) });
    ({
      profile: this.profile,
      keys: this.keys,
      payments: this.payments,
      webhooks: this.webhooks,
      reconciliation: this.reconciliation,
      statements: this.statements,
      returnWatch: this.returnWatch,
      scheduler: this.scheduler,
      alarms: this.alarms,
      reportAttention: this.reportAttention,
      seams: this.seams,
      bankBound: this.bankBound,
    } = built);
  }

  // ---------------------------------------------------------------- merchant (operator)

  initialize(input: InitializeMerchantInput): InitializeReply {
    if (!this.initialized) {
      applyMigrations(this.ctx.storage);
      this.initialized = true;
    }
    const created = this.profile.initialize(input, input.createdAt ?? Date.now());
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

  /** Needs no bank: a payment that was never sent is canceled here alone. */
  cancelPayment(auth: AuthContext, paymentId: string): CancelReply {
    const merchant = this.authorize(auth);
    return "ok" in merchant ? merchant : this.payments.cancel(paymentId, auth.requestId);
  }

  /** Operator: a person looked at this payment; its attention flag is cleared and the registry told at once. */
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

  // ---------------------------------------------------------------- imported statement files

  /** A camt.053 / camt.054 the Worker has read (POST /v1/statements); stored unless already imported, its returns applied. */
  async importStatement(auth: AuthContext, upload: StatementUpload): Promise<ImportStatementReply> {
    const merchant = this.authorize(auth);
    return "ok" in merchant ? merchant : this.statements.import(merchant.debtor_iban, upload);
  }

  listStatements(auth: AuthContext, limit: number, before: string | null): StatementImportPageReply {
    const merchant = this.authorize(auth);
    return "ok" in merchant ? merchant : this.statements.list(limit, before);
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
      // Recovery first; webhook delivery and the return poll run after it, in the background (alarm-run.ts).
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

  /** The alarm's return poll, if due by `asOf`; no re-arm of its own (a poll only moves its due time later). */
  async pollBankReturns(asOf: number): Promise<ReturnPollResult> {
    if (!this.initialized || !this.bankBound) return { pages: 0, entries: 0 };
    return this.returnWatch.pollDue(asOf);
  }

  /** The alarm's webhook work: deliveries due by `asOf` and pruning. Returns the attempts made. */
  async deliverDueWebhooks(asOf: number): Promise<number> {
    if (!this.initialized) return 0;
    const attempts = await this.webhooks.deliverDue(asOf);
    await this.scheduler.reschedule();
    return attempts;
  }

  /**
   * The registry's news of the bank from other merchant objects
   * (src/registry/bank-news.ts). When it moved this object's circuit: when
   * (this object's clock); null otherwise.
   */
  async hearBankNews(news: BankNews): Promise<number | null> {
    if (!this.initialized || !this.bankBound) return null;
    return this.payments.hearBankNews(news);
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
}

function bankNotConfigured(): Refusal {
  return refuse(
    "bank-not-configured",
    "This connector has no BANK binding (plain `wrangler dev`). Run `npm start` for the local stack with the bank simulator over mTLS.",
  );
}

function merchantNotFound(): Refusal {
  return refuse("not-found", "No merchant with this id exists.");
}
