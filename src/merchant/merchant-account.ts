/**
 * One Durable Object per merchant. It is the single writer of that
 * merchant's state: admission (idempotency + limits + insert) is one
 * synchronous SQL transaction, so a retry storm cannot admit a payment twice.
 *
 * The bank call is NOT serialized: while this object awaits fetch() its input
 * gate is open and other requests run. Correctness therefore rests on the
 * transactions before and after the call, never on the call being exclusive.
 * Phases (Brandur Leach's "atomic phases"): admit → mark sending → call bank →
 * record outcome. Each phase is a transaction; a crash between two is
 * resumed by the alarm from what the last phase stored.
 */
import { DurableObject } from "cloudflare:workers";
import { decodeTime } from "ulid";
import type { MerchantStatus } from "../../schemas/admin-api.ts";
import { type BankCreditTransferRequest, type BankStatementEntry, paymentStatusForBankStatus } from "../../schemas/bank-api.ts";
import type { ConnectorConfig } from "../../schemas/config.ts";
import type { CreatePaymentRequest, Merchant, MerchantLimits, PaymentStatus } from "../../schemas/merchant-api.ts";
import type { Problem } from "../../schemas/problem.ts";
import type { CreateWebhookEndpointRequest } from "../../schemas/webhooks.ts";
import { digestsEqual } from "../auth/api-keys.ts";
import { type BankCall, BankClient } from "../bank/client.ts";
import type { InquiryOutcome } from "../bank/outcome.ts";
import { loadConfig } from "../config.ts";
import type { Env } from "../env.ts";
import { problem } from "../http/problem.ts";
import { monotonicUlidFactory } from "../ids/ulid.ts";
import { BankHealthReporter, bankCallReport } from "../observability/bank-health.ts";
import { logEvent, maskIban, redact, redactText } from "../observability/log.ts";
import { merchantRegistry } from "../registry/merchant-registry.ts";
import { type ApiKeyListReply, type ApiKeyReply, addApiKey, listApiKeys, revokeApiKey, setMerchantStatus } from "./api-keys-store.ts";
import { BankCircuit } from "./bank-circuit.ts";
import { appendPaymentEvent, readPaymentEvents, verifyPaymentHistory } from "./event-log.ts";
import { holdKeyAfterOutcome, keyExpiresAt, keyIsLive, nextKeyPurgeAt, purgeExpiredKeys } from "./idempotency-expiry.ts";
import { MerchantWebhooks } from "./merchant-webhooks.ts";
import { applyMigrations, hasSchema } from "./migrations.ts";
import { type PaymentListQuery, readPaymentPage } from "./payment-listing.ts";
import { type BankPhase, type PaymentRow, paymentFromRow, utcDay } from "./payment-row.ts";
import type { PaymentPageReply, ReconciliationReply, ScheduledReconciliationReply } from "./query-replies.ts";
import { RECONCILIATION_EVENT_SOURCE, type ReconciliationResult, readStoredReport, reconcileBusinessDay } from "./reconciliation.ts";
import { recoveryDelayMs } from "./recovery-schedule.ts";
import type { AuthContext, GetPaymentReply, InitializeReply, MerchantReply, PaymentEventsReply, PaymentReply, Refusal } from "./replies.ts";
import { Semaphore } from "./semaphore.ts";
import type {
  DeleteWebhookEndpointReply,
  EventListReply,
  RedeliverReply,
  WebhookEndpointListReply,
  WebhookEndpointReply,
} from "./webhook-replies.ts";

/** How many due payments one alarm run works on; the rest wait for the next run. */
export const RECOVERY_BATCH_SIZE = 200;
/** The alarm never re-fires sooner than this, so a payment waiting for a bank slot cannot spin it. */
export const MIN_ALARM_INTERVAL_MS = 1_000;
const MAX_BANK_MESSAGE_LENGTH = 200;

type MerchantRow = {
  id: string;
  name: string;
  debtor_iban: string;
  max_amount: number | null;
  daily_amount: number | null;
  status: "active" | "disabled";
  created_at: number;
};

type IdempotencyRow = {
  key: string;
  fingerprint: string;
  payment_id: string | null;
  response_status: number | null;
  response_body: string | null;
  expires_at: number;
};

type Admission =
  | { kind: "admitted"; paymentId: string; expiresAt: number }
  | { kind: "replay"; paymentId: string; expiresAt: number; payment: PaymentRow | undefined }
  | { kind: "replay-refusal"; problem: Problem; expiresAt: number }
  | { kind: "refused"; problem: Problem; expiresAt: number }
  | { kind: "reuse" };

export interface InitializeMerchantInput {
  merchantId: string;
  name: string;
  debtorIban: string;
  limits: MerchantLimits;
  apiKeyId: string;
  apiKeyHash: string;
}

/** What recordBankOutcome applies: a bank call's outcome, or the connector giving up on a payment the bank never received. */
export type RecordedOutcome = InquiryOutcome | { kind: "undeliverable"; reason: string };

/** Where an outcome came from; a submission's not_sent restores what was known before it. */
export type OutcomeSource =
  | { operation: "submit"; bankMayHoldBefore: boolean }
  | { operation: "inquiry" }
  | { operation: "store_and_forward" }
  /** A line of the bank's statement, read by reconciliation. */
  | { operation: "statement" };

export interface CreatePaymentCommand {
  idempotencyKey: string;
  /** SHA-256 of the canonical JSON of the validated request (computed by the Worker). */
  fingerprint: string;
  request: CreatePaymentRequest;
}

export class MerchantAccount extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly config: ConnectorConfig;
  private readonly bank: BankClient;
  private readonly bankSlots: Semaphore;
  private readonly webhooks: MerchantWebhooks;
  private readonly circuit: BankCircuit;
  private readonly bankHealth = new BankHealthReporter();
  private readonly nextUlid = monotonicUlidFactory();
  /** The first id this instance mints must sort after every stored one (see paymentIdSeed). */
  private paymentIdsSeeded = false;
  /** Bank work under way in this instance, by payment id; replays of the same key wait on it. */
  private readonly inflight = new Map<string, Promise<void>>();
  private merchantCache: MerchantRow | null | undefined;
  private keyHashCache: string[] | undefined;
  private initialized: boolean;
  /** Last alarm time this instance set (undefined: not loaded yet, null: none). */
  private alarmAt: number | null | undefined;
  /** The last key purge hit its batch limit: come back soon for the rest. */
  private keyPurgeBacklog = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    // Only an initialized merchant gets (or upgrades) a schema: a request with
    // a forged key naming a random merchant id must not create storage.
    this.initialized = hasSchema(this.sql);
    if (this.initialized) applyMigrations(ctx.storage);
    this.config = loadConfig(env);
    this.bank = new BankClient({ fetcher: env.BANK, baseUrl: this.config.BANK_URL, timeoutMs: this.config.BANK_TIMEOUT_MS });
    this.bankSlots = new Semaphore(this.config.MAX_CONCURRENT_BANK_CALLS);
    this.webhooks = new MerchantWebhooks(ctx.storage, env, this.config, () => this.loadMerchant()?.id);
    this.circuit = new BankCircuit(this.config.BANK_CIRCUIT_COOLDOWN_MS);
  }

  // ---------------------------------------------------------------- merchant

  initialize(input: InitializeMerchantInput): InitializeReply {
    const now = Date.now();
    if (!this.initialized) {
      applyMigrations(this.ctx.storage);
      this.initialized = true;
    }
    const created = this.ctx.storage.transactionSync(() => {
      if (this.loadMerchant()) return false;
      this.sql.exec(
        `INSERT INTO merchant (singleton, id, name, debtor_iban, max_amount, daily_amount, status, created_at)
         VALUES (1, ?, ?, ?, ?, ?, 'active', ?)`,
        input.merchantId,
        input.name,
        input.debtorIban,
        input.limits.max_amount ?? null,
        input.limits.daily_amount ?? null,
        now,
      );
      this.sql.exec(`INSERT INTO api_keys (id, key_hash, created_at) VALUES (?, ?, ?)`, input.apiKeyId, input.apiKeyHash, now);
      return true;
    });
    this.merchantCache = undefined;
    this.keyHashCache = undefined;
    if (!created) return { ok: false, problem: problem("merchant-exists", 409, "This merchant is already initialized.") };
    return { ok: true, merchant: merchantFromRow(this.loadMerchant() as MerchantRow) };
  }

  // ---------------------------------------------------------------- operator
  // Thin: the rules live in api-keys-store.ts. Each write drops the cache it
  // invalidates, so the next authorize() sees a revoked key or a disabled merchant.

  getMerchant(): MerchantReply {
    const merchant = this.existingMerchant();
    return merchant ? { ok: true, merchant: merchantFromRow(merchant) } : merchantNotFound();
  }

  updateMerchantStatus(status: MerchantStatus): MerchantReply {
    if (!this.existingMerchant()) return merchantNotFound();
    setMerchantStatus(this.sql, status);
    this.merchantCache = undefined;
    return this.getMerchant();
  }

  listApiKeys(): ApiKeyListReply {
    return this.existingMerchant() ? { ok: true, keys: listApiKeys(this.sql) } : merchantNotFound();
  }

  addApiKey(key: { id: string; hash: string }): ApiKeyReply {
    if (!this.existingMerchant()) return merchantNotFound();
    const reply = addApiKey(this.ctx.storage, key, Date.now());
    this.keyHashCache = undefined;
    return reply;
  }

  revokeApiKey(keyId: string): ApiKeyReply {
    if (!this.existingMerchant()) return merchantNotFound();
    const reply = revokeApiKey(this.ctx.storage, keyId, Date.now());
    this.keyHashCache = undefined;
    return reply;
  }

  /** The merchant row, or null for an object never initialized (which has no tables to read). */
  private existingMerchant(): MerchantRow | null {
    return this.initialized ? this.loadMerchant() : null;
  }

  // ---------------------------------------------------------------- payments

  async createPayment(auth: AuthContext, command: CreatePaymentCommand): Promise<PaymentReply> {
    const merchant = this.authorize(auth);
    if ("ok" in merchant) return merchant;

    const admission = this.admit(merchant, command, Date.now());
    switch (admission.kind) {
      case "reuse":
        return {
          ok: false,
          problem: problem(
            "idempotency-key-reuse",
            422,
            "This Idempotency-Key was already used with a different request body. Use a new key for a new payment.",
          ),
        };
      case "refused":
      case "replay-refusal":
        return {
          ok: false,
          problem: admission.problem,
          replayed: admission.kind === "replay-refusal",
          idempotencyExpiresAt: new Date(admission.expiresAt).toISOString(),
        };
      case "replay": {
        // Coalesce onto the first request's bank call instead of answering "in progress".
        const running = this.inflight.get(admission.paymentId);
        if (running) await running;
        else await this.ensureRecoveryArmed(admission.payment);
        return this.paymentReply(admission.paymentId, true, admission.expiresAt);
      }
      case "admitted": {
        // Registered as in flight before the first await, so a concurrent
        // replay always coalesces onto this call.
        await this.track(admission.paymentId, async () => {
          // A failure to arm the alarm must not strand the payment unsent:
          // submitToBank re-arms it once the bank has answered.
          await this.ensureAlarmBy(this.inFlightDeadline(Date.now())).catch((error: unknown) => {
            logEvent("error", "alarm_arm_failed", { payment_id: admission.paymentId, error: String(error) });
          });
          await this.submitToBank(admission.paymentId, auth.requestId);
        });
        return this.paymentReply(admission.paymentId, false, admission.expiresAt);
      }
      default:
        return admission satisfies never;
    }
  }

  getPayment(auth: AuthContext, paymentId: string): GetPaymentReply {
    const merchant = this.authorize(auth);
    if ("ok" in merchant) return merchant;
    const row = this.findPayment(paymentId);
    return row ? { ok: true, payment: paymentFromRow(row) } : paymentNotFound();
  }

  getPaymentEvents(auth: AuthContext, paymentId: string): PaymentEventsReply {
    const merchant = this.authorize(auth);
    if ("ok" in merchant) return merchant;
    const row = this.findPayment(paymentId);
    if (!row) return paymentNotFound();
    const events = readPaymentEvents(this.sql, paymentId);
    return { ok: true, events, verification: verifyPaymentHistory(events, row.status) };
  }

  /** One page of the merchant's payments in id order (payment-listing.ts); the Worker owns the cursor. */
  listPayments(auth: AuthContext, query: PaymentListQuery): PaymentPageReply {
    const merchant = this.authorize(auth);
    if ("ok" in merchant) return merchant;
    const page = readPaymentPage(this.sql, query);
    return { ok: true, payments: page.rows.map(paymentFromRow), hasMore: page.hasMore };
  }

  // ---------------------------------------------------------------- reconciliation

  async reconcile(auth: AuthContext, date: string): Promise<ReconciliationReply> {
    const merchant = this.authorize(auth);
    if ("ok" in merchant) return merchant;
    const result = await this.reconcileDay(merchant, date, auth.requestId);
    if (result.ok) return result;
    return {
      ok: false,
      problem: problem("bank-unavailable", 502, "The bank's statement could not be read; retry later."),
      headers: { "retry-after": "60" },
    };
  }

  /** The cron's entry point: no API key (only the Worker holds this binding), and disabled merchants are reconciled too. */
  async reconcileScheduled(date: string): Promise<ScheduledReconciliationReply> {
    const merchant = this.initialized ? this.loadMerchant() : null;
    if (!merchant) return { outcome: "skipped", reason: "merchant object not initialized" };
    const result = await this.reconcileDay(merchant, date);
    return result.ok ? { outcome: "reconciled", report: result.report } : { outcome: "failed", reason: result.reason };
  }

  getReconciliation(auth: AuthContext, date: string): ReconciliationReply {
    const merchant = this.authorize(auth);
    if ("ok" in merchant) return merchant;
    const report = readStoredReport(this.sql, merchant.id, date);
    if (report) return { ok: true, report };
    return { ok: false, problem: problem("not-found", 404, `No reconciliation report for ${date}; POST /v1/reconciliations to run one.`) };
  }

  /** `requestId`: the merchant request that asked for it, for the bank_call lines (none for the cron). */
  private async reconcileDay(merchant: MerchantRow, date: string, requestId?: string): Promise<ReconciliationResult> {
    const result = await reconcileBusinessDay(
      {
        sql: this.sql,
        transactionSync: (work) => this.ctx.storage.transactionSync(work),
        fetchStatementPage: async (cursor) => {
          const call = await this.bank.fetchStatementPage({ debtorIban: merchant.debtor_iban, date, cursor });
          logEvent(call.outcome.kind === "page" ? "info" : "warn", "bank_call", {
            request_id: requestId,
            merchant_id: merchant.id,
            operation: "statement",
            business_date: date,
            http_status: call.httpStatus,
            latency_ms: call.latencyMs,
            outcome: call.outcome.kind,
            reason: call.outcome.kind === "failed" ? call.outcome.reason : undefined,
          });
          return call.outcome;
        },
        settleFromStatement: (row, entry) => this.settleFromStatement(row, entry, date),
        reportStored: (report) => {
          if (this.webhooks.onReconciliationCompleted(report) > 0) queueMicrotask(() => void this.wakeForWebhooks());
        },
      },
      merchant.id,
      date,
    );
    // Settled payments no longer need their alarm.
    await this.scheduleAlarm();
    return result;
  }

  /** A statement line is the bank's word on the transfer, so it goes through the same path as an inquiry's answer. */
  private settleFromStatement(row: PaymentRow, entry: BankStatementEntry, date: string): void {
    this.recordBankOutcome(
      row.id,
      row.attempts,
      {
        kind: "accepted",
        transfer: {
          transfer_id: entry.transfer_id,
          end_to_end_id: entry.end_to_end_id,
          status: entry.status,
          status_at: entry.booked_at,
          booked_at: entry.booked_at,
        },
      },
      { operation: "statement" },
      { source: RECONCILIATION_EVENT_SOURCE, business_date: date },
    );
  }

  /**
   * Admission: one synchronous transaction (no await inside), so the
   * idempotency lookup, the limit checks and the inserts see and leave a
   * consistent state even while other requests interleave at awaits.
   */
  private admit(merchant: MerchantRow, command: CreatePaymentCommand, now: number): Admission {
    const { idempotencyKey, fingerprint, request } = command;
    return this.ctx.storage.transactionSync((): Admission => {
      const record = this.sql.exec<IdempotencyRow>(`SELECT * FROM idempotency_keys WHERE key = ?`, idempotencyKey).toArray()[0];
      const keyed = record?.payment_id ? this.findPayment(record.payment_id) : undefined;
      if (record && keyIsLive(record.expires_at, keyed, now, this.keyTtlMs())) {
        if (record.fingerprint !== fingerprint) return { kind: "reuse" };
        if (record.payment_id !== null)
          return { kind: "replay", paymentId: record.payment_id, expiresAt: record.expires_at, payment: keyed };
        return { kind: "replay-refusal", problem: JSON.parse(record.response_body ?? "{}") as Problem, expiresAt: record.expires_at };
      }
      if (record) this.sql.exec(`DELETE FROM idempotency_keys WHERE key = ?`, idempotencyKey);

      const expiresAt = now + this.keyTtlMs();
      const limitProblem = this.checkLimits(merchant, request, now);
      if (limitProblem) {
        // A decision taken after validation is part of the key's history: replay it as it was.
        this.sql.exec(
          `INSERT INTO idempotency_keys (key, fingerprint, payment_id, response_status, response_body, created_at, expires_at)
           VALUES (?, ?, NULL, ?, ?, ?, ?)`,
          idempotencyKey,
          fingerprint,
          limitProblem.status,
          JSON.stringify(limitProblem),
          now,
          expiresAt,
        );
        return { kind: "refused", problem: limitProblem, expiresAt };
      }

      const ulid = this.nextUlid(this.paymentIdSeed(now));
      const paymentId = `pay_${ulid}`;
      this.sql.exec(
        `INSERT INTO payments (id, idempotency_key, status, amount, currency, creditor_name, creditor_iban, reference, metadata,
           end_to_end_id, bank_phase, attempts, next_action_at, created_at, updated_at)
         VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, 'queued', 0, ?, ?, ?)`,
        paymentId,
        idempotencyKey,
        request.amount,
        request.currency,
        request.creditor.name,
        request.creditor.iban,
        request.reference,
        JSON.stringify(request.metadata ?? {}),
        ulid,
        this.inFlightDeadline(now),
        now,
        now,
      );
      this.sql.exec(
        `INSERT INTO daily_totals (day, currency, amount) VALUES (?, ?, ?)
         ON CONFLICT (day, currency) DO UPDATE SET amount = amount + excluded.amount`,
        utcDay(now),
        request.currency,
        request.amount,
      );
      this.sql.exec(
        `INSERT INTO idempotency_keys (key, fingerprint, payment_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
        idempotencyKey,
        fingerprint,
        paymentId,
        now,
        expiresAt,
      );
      appendPaymentEvent(this.sql, {
        paymentId,
        at: now,
        fromStatus: null,
        toStatus: "pending",
        bankStatus: null,
        reasonCode: null,
        attempt: 0,
        detail: { note: "admitted" },
      });
      this.notifyStatusChange(paymentId, null);
      return { kind: "admitted", paymentId, expiresAt };
    });
  }

  /** Limits count pending and succeeded payments of the same currency on the same UTC day. */
  private checkLimits(merchant: MerchantRow, request: CreatePaymentRequest, now: number): Problem | undefined {
    if (merchant.max_amount !== null && request.amount > merchant.max_amount) {
      return problem(
        "amount-limit-exceeded",
        422,
        `The amount ${request.amount} exceeds this merchant's per-payment limit of ${merchant.max_amount} minor units.`,
      );
    }
    if (merchant.daily_amount !== null) {
      const used =
        this.sql
          .exec<{ amount: number }>(`SELECT amount FROM daily_totals WHERE day = ? AND currency = ?`, utcDay(now), request.currency)
          .toArray()[0]?.amount ?? 0;
      if (used + request.amount > merchant.daily_amount) {
        return problem(
          "daily-limit-exceeded",
          422,
          `This payment would bring today's ${request.currency} total to ${used + request.amount}, over the daily limit of ${merchant.daily_amount} minor units.`,
        );
      }
    }
    return undefined;
  }

  // ---------------------------------------------------------------- bank

  /** `requestId`: the merchant request that triggered the call, for the log line (none when the alarm resumes it). */
  private async submitToBank(paymentId: string, requestId?: string): Promise<void> {
    await this.bankSlots.acquire();
    try {
      const held = this.findPayment(paymentId);
      if (!held || held.status !== "pending") return;
      if (!(await this.readyToSend(held))) return;
      // A probe may have awaited: read again what the payment is now. Only a
      // queued payment (never sent, or proven absent at the bank) is sent.
      const row = this.findPayment(paymentId);
      if (!row || row.status !== "pending" || row.bank_phase !== "queued") return;
      const attempt = row.attempts + 1;
      const now = Date.now();
      // Recorded before the call: if this object dies mid-call, recovery sees
      // "sending" and asks the bank before it ever sends again, and the
      // payment counts as one the bank may hold.
      this.sql.exec(
        `UPDATE payments SET bank_phase = 'sending', bank_may_hold = 1, attempts = ?, next_action_at = ?, updated_at = ? WHERE id = ?`,
        attempt,
        this.inFlightDeadline(now),
        now,
        paymentId,
      );
      const call = await this.bank.submitCreditTransfer(this.wireRequest(row));
      this.circuit.observe(call.httpStatus, Date.now());
      this.logBankCall("submit", row, attempt, call, requestId);
      this.recordBankOutcome(paymentId, attempt, call.outcome, { operation: "submit", bankMayHoldBefore: row.bank_may_hold === 1 });
    } finally {
      this.bankSlots.release();
      // Still pending: make sure the alarm comes back for it at its retry time.
      if (this.findPayment(paymentId)?.status === "pending") await this.scheduleAlarm();
    }
  }

  /**
   * Store and forward, for a payment the bank provably does not hold: fails
   * it once it is older than the window, holds it (unsent, so still provably
   * undelivered) while the bank is believed unreachable, and probes the bank
   * with a status inquiry before sending after an outage. True: send it now.
   */
  private async readyToSend(row: PaymentRow): Promise<boolean> {
    if (row.bank_may_hold === 1) return true; // resending is safe (end-to-end id de-duplicates), giving up is not
    const now = Date.now();
    if (now - row.created_at >= this.config.STORE_AND_FORWARD_WINDOW_MS) {
      const minutes = Math.round(this.config.STORE_AND_FORWARD_WINDOW_MS / 60_000);
      this.recordBankOutcome(
        row.id,
        row.attempts,
        { kind: "undeliverable", reason: `the bank could not be reached within ${minutes} minutes; it never received this payment` },
        { operation: "store_and_forward" },
      );
      return false;
    }
    const state = this.circuit.state(now);
    switch (state) {
      case "closed":
        return true;
      case "open":
        this.holdPayment(row.id, this.circuit.probeAt(), now);
        return false;
      case "suspect": {
        const call = await this.bank.inquireCreditTransfer(row.end_to_end_id);
        this.circuit.observe(call.httpStatus, Date.now());
        this.logBankCall("probe", row, row.attempts, call);
        if (call.outcome.kind === "not_found") return true;
        if (call.outcome.kind === "accepted") {
          this.recordBankOutcome(row.id, row.attempts, call.outcome, { operation: "inquiry" });
          return false;
        }
        // Counted as an inquiry, so a long outage spaces this payment's probes out on the usual backoff.
        this.sql.exec(`UPDATE payments SET inquiries = inquiries + 1 WHERE id = ?`, row.id);
        this.holdPayment(
          row.id,
          Math.max(this.circuit.probeAt(), Date.now() + this.retryDelayMs(row.attempts + row.inquiries + 1)),
          Date.now(),
        );
        return false;
      }
      default:
        return state satisfies never;
    }
  }

  /** Keeps a never-sent payment queued until `until`; no event, since nothing about it changed. */
  private holdPayment(paymentId: string, until: number, now: number): void {
    this.sql.exec(`UPDATE payments SET next_action_at = ?, updated_at = ? WHERE id = ?`, until, now, paymentId);
  }

  private async inquireAtBank(row: PaymentRow): Promise<InquiryOutcome> {
    await this.bankSlots.acquire();
    try {
      const call = await this.bank.inquireCreditTransfer(row.end_to_end_id);
      this.circuit.observe(call.httpStatus, Date.now());
      this.logBankCall("inquiry", row, row.attempts, call);
      return call.outcome;
    } finally {
      this.bankSlots.release();
    }
  }

  private inFlightDeadline(now: number): number {
    return now + this.config.BANK_TIMEOUT_MS + this.config.IN_FLIGHT_GRACE_MS;
  }

  private retryDelayMs(step: number): number {
    return recoveryDelayMs(step, Math.random, { baseMs: this.config.RECOVERY_BASE_DELAY_MS, maxMs: this.config.RECOVERY_MAX_DELAY_MS });
  }

  private wireRequest(row: PaymentRow): BankCreditTransferRequest {
    const merchant = this.loadMerchant() as MerchantRow;
    return {
      end_to_end_id: row.end_to_end_id,
      debtor_iban: merchant.debtor_iban,
      creditor: { name: row.creditor_name, iban: row.creditor_iban },
      amount: { value: row.amount, currency: row.currency },
      remittance_information: row.reference,
    };
  }

  /**
   * Records what a bank call proved, in one transaction with its event.
   * A final status is never changed: a later contradicting answer is logged
   * for an operator and recorded in the payment's history (an event that
   * keeps the status), not applied. Every status change of a payment goes
   * through here and appends its event in the same transaction.
   */
  private recordBankOutcome(
    paymentId: string,
    attempt: number,
    outcome: RecordedOutcome,
    source: OutcomeSource,
    eventDetail: Record<string, unknown> = {},
  ): void {
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      const row = this.findPayment(paymentId);
      if (!row) return;
      if (row.status === "pending" && source.operation === "inquiry") {
        this.sql.exec(`UPDATE payments SET inquiries = inquiries + 1 WHERE id = ?`, paymentId);
      }
      if (row.status !== "pending") {
        if (outcome.kind === "accepted" && paymentStatusForBankStatus(outcome.transfer.status) !== row.status) {
          logEvent("error", "bank_contradicts_final_status", {
            payment_id: paymentId,
            status: row.status,
            bank_status: outcome.transfer.status,
          });
          // Visible to the merchant in GET /v1/payments/{id}/events, not only in
          // our logs: "failed" while the bank says ACSC means money may have moved.
          appendPaymentEvent(this.sql, {
            paymentId,
            at: now,
            fromStatus: row.status,
            toStatus: row.status,
            bankStatus: outcome.transfer.status,
            reasonCode: outcome.transfer.reason_code ?? null,
            attempt,
            detail: {
              contradiction: `the bank now reports ${outcome.transfer.status} for this ${row.status} payment; status kept, reconcile by hand`,
              transfer_id: outcome.transfer.transfer_id,
              operation: source.operation,
            },
          });
        }
        return;
      }
      const steps = row.attempts + row.inquiries + (source.operation === "inquiry" ? 1 : 0);
      const retryAt = now + this.retryDelayMs(steps);
      switch (outcome.kind) {
        case "accepted": {
          const { transfer } = outcome;
          const status = paymentStatusForBankStatus(transfer.status);
          const failed = status === "failed";
          this.sql.exec(
            `UPDATE payments SET status = ?, bank_phase = ?, bank_transfer_id = ?, bank_status = ?, bank_reason_code = ?,
               failure_code = ?, failure_message = ?, next_action_at = ?, updated_at = ?,
               bank_booked_at = COALESCE(?, bank_booked_at) WHERE id = ?`,
            status,
            status === "pending" ? "acknowledged" : "final",
            transfer.transfer_id,
            transfer.status,
            transfer.reason_code ?? null,
            failed ? "bank_rejected" : null,
            failed ? `The bank rejected the transfer${transfer.reason_code ? ` (ISO 20022 reason ${transfer.reason_code})` : ""}.` : null,
            status === "pending" ? retryAt : null,
            now,
            transfer.booked_at === undefined ? null : Date.parse(transfer.booked_at),
            paymentId,
          );
          if (failed) this.releaseDailyTotal(row);
          if (status !== "pending") holdKeyAfterOutcome(this.sql, row.idempotency_key, now, this.keyTtlMs());
          if (status !== row.status || transfer.status !== row.bank_status) {
            this.appendEvent(row, status, transfer.status, transfer.reason_code ?? null, attempt, {
              transfer_id: transfer.transfer_id,
              ...eventDetail,
            });
          }
          return;
        }
        case "refused": {
          const message = sanitizeBankMessage(`${outcome.code}: ${outcome.message}`);
          this.sql.exec(
            `UPDATE payments SET status = 'failed', bank_phase = 'final', failure_code = 'bank_refused', failure_message = ?,
               next_action_at = NULL, updated_at = ? WHERE id = ?`,
            `The bank refused the transfer (HTTP ${outcome.httpStatus}) - ${message}`,
            now,
            paymentId,
          );
          this.releaseDailyTotal(row);
          holdKeyAfterOutcome(this.sql, row.idempotency_key, now, this.keyTtlMs());
          this.appendEvent(row, "failed", null, outcome.code, attempt, { http_status: outcome.httpStatus });
          return;
        }
        case "not_sent": {
          if (source.operation === "submit") {
            // Provably refused at the door: the payment is exactly as it was before this attempt.
            this.sql.exec(`UPDATE payments SET bank_may_hold = ? WHERE id = ?`, source.bankMayHoldBefore ? 1 : 0, paymentId);
            this.setPhase(paymentId, source.bankMayHoldBefore ? "unknown" : "queued", retryAt, now);
          } else {
            // An inquiry that never reached the bank proves nothing about the payment.
            this.setPhase(paymentId, row.bank_phase === "sending" ? "unknown" : row.bank_phase, retryAt, now);
          }
          this.appendEvent(row, "pending", row.bank_status, null, attempt, { outcome: outcome.kind, reason: outcome.reason });
          return;
        }
        case "not_found": {
          if (row.bank_transfer_id !== null || row.bank_phase === "acknowledged") {
            // The bank once confirmed it holds this transfer; a 404 now means the
            // bank is inconsistent, not that sending again is safe. Keep asking.
            logEvent("error", "bank_contradicts_acknowledgement", { payment_id: paymentId, bank_transfer_id: row.bank_transfer_id });
            this.setPhase(paymentId, row.bank_phase, retryAt, now);
            this.appendEvent(row, "pending", row.bank_status, null, attempt, {
              outcome: outcome.kind,
              reason: "the bank no longer finds a transfer it acknowledged; not resent",
            });
            return;
          }
          this.setPhase(paymentId, "queued", now, now);
          this.appendEvent(row, "pending", row.bank_status, null, attempt, {
            outcome: outcome.kind,
            reason: "the bank has no such transfer",
          });
          return;
        }
        case "undeliverable": {
          this.sql.exec(
            `UPDATE payments SET status = 'failed', bank_phase = 'final', failure_code = 'bank_unavailable', failure_message = ?,
               next_action_at = NULL, updated_at = ? WHERE id = ?`,
            `Not sent: ${outcome.reason}.`,
            now,
            paymentId,
          );
          this.releaseDailyTotal(row);
          holdKeyAfterOutcome(this.sql, row.idempotency_key, now, this.keyTtlMs());
          this.appendEvent(row, "failed", null, null, attempt, { outcome: outcome.kind, reason: outcome.reason });
          return;
        }
        case "unknown": {
          this.setPhase(paymentId, row.bank_phase === "acknowledged" ? "acknowledged" : "unknown", retryAt, now);
          this.appendEvent(row, "pending", row.bank_status, null, attempt, {
            outcome: "unknown",
            reason: outcome.reason,
            // Kept for operators, but a bank's body may echo account numbers: masked like logs.
            ...(outcome.evidence ? { bank_response: redact(outcome.evidence) } : {}),
          });
          return;
        }
        default:
          return outcome satisfies never;
      }
    });
  }

  private setPhase(paymentId: string, phase: BankPhase, nextActionAt: number, now: number): void {
    this.sql.exec(
      `UPDATE payments SET bank_phase = ?, next_action_at = ?, updated_at = ? WHERE id = ?`,
      phase,
      nextActionAt,
      now,
      paymentId,
    );
  }

  private releaseDailyTotal(row: PaymentRow): void {
    this.sql.exec(
      `UPDATE daily_totals SET amount = amount - ? WHERE day = ? AND currency = ?`,
      row.amount,
      utcDay(row.created_at),
      row.currency,
    );
  }

  private appendEvent(
    row: PaymentRow,
    toStatus: string,
    bankStatus: string | null,
    reasonCode: string | null,
    attempt: number,
    detail: Record<string, unknown>,
  ): void {
    appendPaymentEvent(this.sql, {
      paymentId: row.id,
      at: Date.now(),
      fromStatus: row.status,
      toStatus,
      bankStatus,
      reasonCode,
      attempt,
      detail,
    });
    this.notifyStatusChange(row.id, row.status);
  }

  /**
   * Webhook outbox hook. Runs inside the status change's transaction, after
   * the change, so the notification commits or rolls back with it. Sending
   * happens later from the alarm, which is woken once this turn ends (an
   * await here would end the transaction).
   */
  private notifyStatusChange(paymentId: string, fromStatus: PaymentStatus | null): void {
    const row = this.findPayment(paymentId);
    if (!row || this.webhooks.onPaymentStatusChange(paymentFromRow(row), fromStatus) === 0) return;
    queueMicrotask(() => void this.wakeForWebhooks());
  }

  // ---------------------------------------------------------------- recovery

  override async alarm(): Promise<void> {
    this.alarmAt = null;
    if (!this.initialized) return;
    const now = Date.now();
    try {
      // Side by side: a slow webhook endpoint never holds up payment recovery.
      // Both are awaited to the end even when one throws, so a retried alarm
      // never starts a second delivery loop beside one still running.
      const results = await Promise.allSettled([this.recoverDuePayments(now), this.deliverDueWebhooks(now)]);
      for (const result of results) if (result.status === "rejected") throw result.reason;
    } finally {
      // Re-armed even when a step threw, so pending work never waits for an unrelated request.
      await this.scheduleAlarm();
    }
  }

  /**
   * Resumes every pending payment whose next action is due by `asOf`. Safe to
   * run any number of times (alarm delivery is at least once): each step
   * starts from what storage says, and resubmission reuses the end-to-end id,
   * which the bank de-duplicates.
   */
  async recoverDuePayments(asOf: number): Promise<number> {
    this.keyPurgeBacklog = purgeExpiredKeys(this.sql, Date.now(), this.keyTtlMs());
    const candidates = this.sql
      .exec<PaymentRow>(
        `SELECT * FROM payments WHERE next_action_at IS NOT NULL AND next_action_at <= ? AND status = 'pending'
         ORDER BY next_action_at LIMIT ?`,
        asOf,
        // Rows in flight in this instance are skipped below; fetch past them.
        RECOVERY_BATCH_SIZE + this.inflight.size,
      )
      .toArray();
    // Work still running here (e.g. queued behind MAX_CONCURRENT_BANK_CALLS
    // longer than its lease) keeps its lease: renewed, so the alarm does not
    // wake every second for it; if this instance dies, the lease lapses.
    for (const row of candidates) {
      if (this.inflight.has(row.id))
        this.sql.exec(`UPDATE payments SET next_action_at = ? WHERE id = ?`, this.inFlightDeadline(Date.now()), row.id);
    }
    const due = candidates.filter((row) => !this.inflight.has(row.id)).slice(0, RECOVERY_BATCH_SIZE);
    await Promise.all(
      due.map((row) =>
        this.track(row.id, () =>
          this.recoverPayment(row).catch((error: unknown) => {
            logEvent("error", "recovery_step_failed", { payment_id: row.id, error: String(error) });
          }),
        ),
      ),
    );
    await this.scheduleAlarm();
    return due.length;
  }

  private async recoverPayment(row: PaymentRow): Promise<void> {
    switch (row.bank_phase) {
      case "queued":
        await this.submitToBank(row.id);
        return;
      case "sending":
      case "unknown":
      case "acknowledged": {
        // Leased like a submission: while the inquiry runs (or if recording its
        // answer fails) the alarm does not come back for it every second.
        this.sql.exec(`UPDATE payments SET next_action_at = ? WHERE id = ?`, this.inFlightDeadline(Date.now()), row.id);
        const outcome = await this.inquireAtBank(row);
        this.recordBankOutcome(row.id, row.attempts, outcome, { operation: "inquiry" });
        if (outcome.kind === "not_found") await this.submitToBank(row.id);
        return;
      }
      case "final":
        this.sql.exec(`UPDATE payments SET next_action_at = NULL WHERE id = ?`, row.id);
        return;
      default:
        return row.bank_phase satisfies never;
    }
  }

  /** Keeps the single alarm at the earliest due work: a pending payment, an expiring idempotency key or a webhook delivery. */
  private async scheduleAlarm(): Promise<void> {
    const work = this.sql
      .exec<{ at: number | null }>(
        `SELECT MIN(at) AS at FROM (
           SELECT MIN(next_action_at) AS at FROM payments WHERE status = 'pending' AND next_action_at IS NOT NULL
           UNION ALL SELECT MIN(next_attempt_at) FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at IS NOT NULL)`,
      )
      .one().at;
    const housekeeping = [this.keyPurgeBacklog ? Date.now() : nextKeyPurgeAt(this.sql), this.webhooks.nextPruneAt()];
    const next = [work, ...housekeeping].reduce<number | null>(
      (earliest, at) => (at === null ? earliest : earliest === null ? at : Math.min(earliest, at)),
      null,
    );
    // The cached time is updated before each await, so a concurrent
    // ensureAlarmBy() compares against what storage is about to hold.
    if (next === null) {
      const had = this.alarmAt;
      this.alarmAt = null;
      if (had !== null) await this.ctx.storage.deleteAlarm();
      return;
    }
    // Never moved later: with work already due, every call would otherwise
    // push the alarm another MIN_ALARM_INTERVAL_MS out, and under steady
    // traffic it would never fire. An alarm that fires early finds nothing
    // due and re-arms for the real time.
    await this.ensureAlarmBy(Math.max(next, Date.now() + MIN_ALARM_INTERVAL_MS));
  }

  /** Makes sure an alarm fires no later than `at` (cheap when one already does). */
  private async ensureAlarmBy(at: number): Promise<void> {
    if (this.alarmAt === undefined) {
      const stored = await this.ctx.storage.getAlarm();
      // Another caller may have set it while we awaited (a webhook wake races admission's call).
      if (this.alarmAt === undefined) this.alarmAt = stored;
    }
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    // Noted before the await, so a concurrent caller compares against it and never sets a later time after ours.
    this.alarmAt = at;
    await this.setAlarmOrForget(at);
  }

  /** On failure the cached time is dropped, so the next caller reads storage instead of trusting an alarm never set. */
  private async setAlarmOrForget(at: number): Promise<void> {
    try {
      await this.ctx.storage.setAlarm(at);
    } catch (error) {
      this.alarmAt = undefined;
      throw error;
    }
  }

  /**
   * A replay of a pending payment that nothing in this instance is working
   * on: make sure the alarm will come back for it, so a merchant's retry
   * can never find a payment stranded without one (e.g. an arm that failed
   * after admission committed).
   */
  private async ensureRecoveryArmed(row: PaymentRow | undefined): Promise<void> {
    if (row?.status !== "pending") return;
    await this.ensureAlarmBy(row.next_action_at ?? Date.now()).catch((error: unknown) => {
      logEvent("error", "alarm_arm_failed", { payment_id: row.id, error: String(error) });
    });
  }

  private async track(paymentId: string, work: () => Promise<void>): Promise<void> {
    const running = work().finally(() => this.inflight.delete(paymentId));
    this.inflight.set(paymentId, running);
    await running;
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
    if (reply.ok) await this.ensureAlarmBy(Date.now());
    return reply;
  }

  /** Sends the webhook deliveries due by `asOf` (the alarm passes now; tests pass a later time to skip the wait) and prunes old events. */
  async deliverDueWebhooks(asOf: number): Promise<number> {
    if (!this.initialized) return 0;
    const attempts = await this.webhooks.deliverDue(asOf);
    await this.scheduleAlarm();
    return attempts;
  }

  private async wakeForWebhooks(): Promise<void> {
    try {
      await this.ensureAlarmBy(Date.now());
    } catch (error) {
      // The next scheduleAlarm() still counts the delivery; only its promptness is lost.
      logEvent("error", "webhook_wake_failed", { merchant_id: this.loadMerchant()?.id, error: String(error) });
    }
  }

  // ---------------------------------------------------------------- helpers

  private authorize(auth: AuthContext): MerchantRow | Refusal {
    const merchant = this.initialized ? this.loadMerchant() : null;
    const hashes = this.initialized ? this.loadKeyHashes() : [];
    // Compare against every active key so timing does not reveal which matched.
    let matched = false;
    for (const hash of hashes) matched = digestsEqual(hash, auth.keyHash) || matched;
    if (!merchant || !matched) {
      return { ok: false, problem: problem("unauthorized", 401, "The API key is missing, malformed or not valid.") };
    }
    if (merchant.status !== "active") {
      return { ok: false, problem: problem("merchant-disabled", 403, "This merchant is disabled; contact the operator.") };
    }
    return merchant;
  }

  private loadMerchant(): MerchantRow | null {
    if (this.merchantCache === undefined) {
      this.merchantCache = this.sql.exec<MerchantRow>(`SELECT * FROM merchant WHERE singleton = 1`).toArray()[0] ?? null;
    }
    return this.merchantCache;
  }

  private loadKeyHashes(): string[] {
    this.keyHashCache ??= this.sql
      .exec<{ key_hash: string }>(`SELECT key_hash FROM api_keys WHERE revoked_at IS NULL`)
      .toArray()
      .map((row) => row.key_hash);
    return this.keyHashCache;
  }

  private findPayment(paymentId: string): PaymentRow | undefined {
    return this.sql.exec<PaymentRow>(`SELECT * FROM payments WHERE id = ?`, paymentId).toArray()[0];
  }

  private paymentReply(paymentId: string, replayed: boolean, storedExpiresAt: number): PaymentReply {
    const row = this.findPayment(paymentId) as PaymentRow;
    return {
      ok: true,
      httpStatus: row.status === "pending" ? 202 : 201,
      payment: paymentFromRow(row),
      replayed,
      idempotencyExpiresAt: new Date(keyExpiresAt(storedExpiresAt, row, Date.now(), this.keyTtlMs())).toISOString(),
    };
  }

  /**
   * Payment ids are monotonic within an instance by the ULID factory; across
   * instances (after an eviction, possibly on another host whose clock is a
   * little behind) the first id is seeded past the highest stored one, so id
   * order stays creation order and keyset paging never skips a payment.
   */
  private paymentIdSeed(now: number): number {
    if (this.paymentIdsSeeded) return now;
    this.paymentIdsSeeded = true;
    const highest = this.sql.exec<{ id: string }>(`SELECT id FROM payments ORDER BY id DESC LIMIT 1`).toArray()[0];
    if (!highest) return now;
    try {
      return Math.max(now, decodeTime(highest.id.slice("pay_".length)) + 1);
    } catch {
      return now; // not a ULID (a row written by hand): nothing to order against
    }
  }

  private keyTtlMs(): number {
    return this.config.IDEMPOTENCY_KEY_TTL_HOURS * 3_600_000;
  }

  private logBankCall(
    operation: "submit" | "inquiry" | "probe",
    row: PaymentRow,
    attempt: number,
    call: BankCall<InquiryOutcome>,
    requestId?: string,
  ): void {
    const outcome = call.outcome;
    this.reportBankHealth(call);
    logEvent(outcome.kind === "accepted" || outcome.kind === "not_found" ? "info" : "warn", "bank_call", {
      request_id: requestId,
      merchant_id: this.loadMerchant()?.id,
      payment_id: row.id,
      operation,
      attempt,
      http_status: call.httpStatus,
      latency_ms: call.latencyMs,
      outcome: outcome.kind,
      bank_status: outcome.kind === "accepted" ? outcome.transfer.status : undefined,
      reason: "reason" in outcome ? outcome.reason : undefined,
      creditor_iban: maskIban(row.creditor_iban),
    });
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

function merchantFromRow(row: MerchantRow): Merchant {
  const limits: MerchantLimits = {};
  if (row.max_amount !== null) limits.max_amount = row.max_amount;
  if (row.daily_amount !== null) limits.daily_amount = row.daily_amount;
  return {
    id: row.id,
    name: row.name,
    debtor_iban: row.debtor_iban,
    limits,
    status: row.status,
    created_at: new Date(row.created_at).toISOString(),
  };
}

function merchantNotFound(): Refusal {
  return { ok: false, problem: problem("not-found", 404, "No merchant with this id exists.") };
}

function paymentNotFound(): Refusal {
  return { ok: false, problem: problem("not-found", 404, "No payment with this id exists for this merchant.") };
}

/** Bank text is untrusted: bounded, single-line, and with anything IBAN-like masked. */
function sanitizeBankMessage(message: string): string {
  return redactText(message.replace(/[\u0000-\u001f\u007f-\u009f]/g, " ")).slice(0, MAX_BANK_MESSAGE_LENGTH);
}
