/**
 * The list of merchants, in one Durable Object, so operators and scheduled
 * jobs (daily reconciliation) can enumerate merchants without scanning the
 * merchant namespace, and so a debtor IBAN can belong to one merchant only.
 * Written when a merchant is created; it mirrors each merchant's status and
 * debtor IBAN and holds no secrets and no payment data.
 */
import { DurableObject } from "cloudflare:workers";
import type { MerchantStatus } from "../../schemas/admin-api.ts";
import type { ConnectorConfig } from "../../schemas/config.ts";
import type { BankCallReport } from "../bank/bank-health-report.ts";
import type { AttentionReport } from "../payments/attention-report.ts";
import { loadConfig } from "../platform/config.ts";
import type { Env } from "../platform/env.ts";
import { logEvent, maskIban } from "../platform/log.ts";
import type { ObjectStore } from "../platform/object-store.ts";
import { withTimeout } from "../platform/with-timeout.ts";
import { type AttentionListing, type AttentionSummary, attentionSummary, listAttention, recordAttentionReport } from "./attention-store.ts";
import { lastBankCall, recordBankCall } from "./bank-health-store.ts";
import { noteMerchantCircuit, noteToldDown, type SharedNews } from "./bank-news.ts";
import {
  backfillMerchant,
  forgetMerchant,
  listMerchants,
  type MerchantListing,
  type MerchantListQuery,
  type MerchantRegistration,
  merchantsToBackfill,
  type RegisterReply,
  registerMerchant,
  setMerchantStatus,
} from "./merchant-directory.ts";
import { applyRegistryMigrations } from "./registry-migrations.ts";

export type { MerchantListing, MerchantRegistration, RegisterReply } from "./merchant-directory.ts";

export type RegisteredMerchant = {
  id: string;
  name: string;
  created_at: number;
};

export interface RegistryHealthReport {
  bank: BankCallReport | null;
  attention: AttentionSummary;
}

/** Merchant objects told bank news at once; each is one RPC. */
const NEWS_FAN_OUT = 16;
/** How long one merchant object may take to hear the news. */
const NEWS_CALL_TIMEOUT_MS = 5_000;

/** Merchant objects asked per backfill round; each is one RPC. */
const BACKFILL_BATCH_SIZE = 50;

export class MerchantRegistry extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly store: ObjectStore;
  /** Loaded on first use (the bank news' cool-down). */
  private loadedConfig: ConnectorConfig | undefined;
  /** The backfill under way, shared by every caller that waits for it. */
  private backfill: Promise<void> | null = null;
  private backfillDone = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    applyRegistryMigrations(ctx.storage);
    this.store = { sql: this.sql, transactionSync: (work) => ctx.storage.transactionSync(work) };
  }

  /**
   * Merchant objects report bank call results here (throttled, see
   * src/bank/bank-health-report.ts): the newest for GET /health, and each
   * object's circuit, whose flips may be news for the other objects
   * (bank-news.ts). The news goes out after the reply, so the reporting
   * object never waits for it.
   */
  recordBankCall(report: BankCallReport): void {
    recordBankCall(this.sql, report);
    if (!report.circuit) return;
    const shared = noteMerchantCircuit(this.store, report.circuit, report.at, Date.now(), this.config().BANK_CIRCUIT_COOLDOWN_MS);
    // Not awaited: the RPCs in flight keep this object alive (a Durable Object's waitUntil does not); tell() never throws.
    if (shared) void this.tell(shared, report.circuit.merchant_id);
  }

  /** GET /health in one round trip: the last reported bank call and the attention aggregates (no merchant data). */
  healthReport(): RegistryHealthReport {
    return { bank: lastBankCall(this.sql), attention: attentionSummary(this.sql) };
  }

  /** Merchant objects report their payments needing attention here (throttled, see src/payments/attention-report.ts). */
  recordAttention(report: AttentionReport): boolean {
    return this.ctx.storage.transactionSync(() => recordAttentionReport(this.sql, report));
  }

  /** GET /admin/v1/payments?attention=true: oldest first, after `afterPaymentId`. */
  listAttention(afterPaymentId: string | null, limit: number): AttentionListing[] {
    return listAttention(this.sql, afterPaymentId, limit);
  }

  /**
   * Lists the merchant and claims its debtor IBAN, or refuses with
   * debtor-iban-in-use. Merchants from before the claim existed are
   * backfilled first, so their IBANs are claimed before a new one is judged.
   */
  async register(merchant: MerchantRegistration): Promise<RegisterReply> {
    await this.ensureBackfilled();
    return registerMerchant(this.store, merchant);
  }

  /** For a creation whose merchant object was never initialized: frees its IBAN. */
  forget(merchantId: string): void {
    forgetMerchant(this.store, merchantId);
  }

  /** Mirrors a status change the merchant's object has made. */
  setStatus(merchantId: string, status: MerchantStatus): void {
    setMerchantStatus(this.store, merchantId, status);
  }

  /** Merchants in id (creation) order, after `afterId`, at most `limit` (the daily job). */
  list(afterId: string | null, limit: number): RegisteredMerchant[] {
    return this.sql
      .exec<RegisteredMerchant>(`SELECT id, name, created_at FROM merchants WHERE id > ? ORDER BY id LIMIT ?`, afterId ?? "", limit)
      .toArray();
  }

  /** The operator list (GET /admin/v1/merchants). */
  async listMerchants(query: MerchantListQuery): Promise<{ merchants: MerchantListing[]; hasMore: boolean }> {
    await this.ensureBackfilled();
    return listMerchants(this.store, query);
  }

  /**
   * Tells each merchant object the news, NEWS_FAN_OUT at a time; one that
   * cannot be reached learns by its own calls. Those whose circuit "down"
   * opened are marked, so the "back" news reaches them.
   */
  private async tell({ news, merchantIds }: SharedNews, from: string): Promise<void> {
    let moved = 0;
    let unreachable = 0;
    // In random order, so the same merchants are not always the last to hear.
    const order = shuffled(merchantIds);
    try {
      for (let start = 0; start < order.length; start += NEWS_FAN_OUT) {
        const batch = order.slice(start, start + NEWS_FAN_OUT);
        const replies = await Promise.allSettled(
          batch.map((id) =>
            // A slow object must not hold up the rest: past the timeout it counts as unreached.
            withTimeout(this.env.MERCHANT.get(this.env.MERCHANT.idFromName(id)).hearBankNews(news), NEWS_CALL_TIMEOUT_MS),
          ),
        );
        const heard: Array<{ merchantId: string; heardAt: number }> = [];
        replies.forEach((reply, index) => {
          if (reply.status === "rejected") unreachable++;
          else if (reply.value !== null) heard.push({ merchantId: batch[index] as string, heardAt: reply.value });
        });
        // Batch by batch: with thousands told, the first may have probed and reported before the last hears.
        if (news === "down") noteToldDown(this.store, heard, Date.now());
        moved += heard.length;
      }
      logEvent("info", "bank_news_shared", {
        news,
        from_merchant_id: from,
        told: merchantIds.length,
        circuits_moved: moved,
        unreachable,
      });
    } catch (error) {
      logEvent("error", "bank_news_failed", { news, from_merchant_id: from, error: String(error) });
    }
  }

  private config(): ConnectorConfig {
    this.loadedConfig ??= loadConfig(this.env);
    return this.loadedConfig;
  }

  private ensureBackfilled(): Promise<void> {
    if (this.backfillDone) return Promise.resolve();
    this.backfill ??= this.runBackfill().finally(() => {
      this.backfill = null;
    });
    return this.backfill;
  }

  /**
   * Registry migration 2's data step: asks each merchant registered before it
   * for its status and debtor IBAN. Merchants that already shared an IBAN keep
   * working; each such pair is logged once, when its later merchant is filled
   * in. A row whose object was never initialized names no merchant and is
   * dropped. An unreachable object leaves its row for the next round.
   */
  private async runBackfill(): Promise<void> {
    let unreachable = 0;
    for (;;) {
      const ids = merchantsToBackfill(this.store, BACKFILL_BATCH_SIZE + unreachable);
      const pending = ids.slice(unreachable);
      if (pending.length === 0) break;
      for (const id of pending) {
        const reply = await this.env.MERCHANT.get(this.env.MERCHANT.idFromName(id))
          .getMerchant()
          .catch(() => null);
        if (reply === null) {
          unreachable++;
        } else if (!reply.ok) {
          forgetMerchant(this.store, id);
          logEvent("warn", "registry_row_without_merchant", { merchant_id: id });
        } else {
          const { sharedWith } = backfillMerchant(this.store, reply.merchant);
          if (sharedWith !== null) {
            logEvent("warn", "debtor_iban_shared", {
              merchant_id: id,
              shared_with: sharedWith,
              debtor_iban: maskIban(reply.merchant.debtor_iban),
              detail:
                "created before one-merchant-per-debtor-IBAN; both keep working, reconciliation sees each other's transfers as unexpected",
            });
          }
        }
      }
    }
    if (unreachable === 0) this.backfillDone = true;
  }
}

/** A copy of `items` in random order (Fisher–Yates). */
function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

export function merchantRegistry(env: Env): DurableObjectStub<MerchantRegistry> {
  return env.REGISTRY.get(env.REGISTRY.idFromName("registry"));
}
