/**
 * The list of merchants, in one Durable Object, so operators and scheduled
 * jobs (daily reconciliation) can enumerate merchants without scanning the
 * merchant namespace. Written when a merchant is created; it holds no
 * secrets and no payment data.
 */
import { DurableObject } from "cloudflare:workers";
import type { BankCallReport } from "../bank/bank-health-report.ts";
import type { AttentionReport } from "../payments/attention-report.ts";
import type { Env } from "../platform/env.ts";
import {
  type AttentionListing,
  type AttentionSummary,
  attentionSummary,
  ensureAttentionTables,
  listAttention,
  recordAttentionReport,
} from "./attention-store.ts";
import { ensureBankHealthTable, lastBankCall, recordBankCall } from "./bank-health-store.ts";

export type RegisteredMerchant = {
  id: string;
  name: string;
  created_at: number;
};

export class MerchantRegistry extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS merchants (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at INTEGER NOT NULL)`);
    ensureBankHealthTable(this.sql);
    ensureAttentionTables(this.sql);
  }

  /** For GET /health: merchant objects report bank call results here (throttled, see bank-health.ts). */
  recordBankCall(report: BankCallReport): void {
    recordBankCall(this.sql, report);
  }

  lastBankCall(): BankCallReport | null {
    return lastBankCall(this.sql);
  }

  /** Merchant objects report their payments needing attention here (throttled, see src/payments/attention-report.ts). */
  recordAttention(report: AttentionReport): boolean {
    return this.ctx.storage.transactionSync(() => recordAttentionReport(this.sql, report));
  }

  /** GET /admin/v1/payments?attention=true: oldest first, after `afterPaymentId`. */
  listAttention(afterPaymentId: string | null, limit: number): AttentionListing[] {
    return listAttention(this.sql, afterPaymentId, limit);
  }

  /** GET /health's aggregates (no merchant data). */
  attentionSummary(): AttentionSummary {
    return attentionSummary(this.sql);
  }

  register(merchant: RegisteredMerchant): void {
    this.sql.exec(
      `INSERT OR IGNORE INTO merchants (id, name, created_at) VALUES (?, ?, ?)`,
      merchant.id,
      merchant.name,
      merchant.created_at,
    );
  }

  /** Merchants in id (creation) order, after `afterId`, at most `limit`. */
  list(afterId: string | null, limit: number): RegisteredMerchant[] {
    return this.sql
      .exec<RegisteredMerchant>(`SELECT id, name, created_at FROM merchants WHERE id > ? ORDER BY id LIMIT ?`, afterId ?? "", limit)
      .toArray();
  }
}

export function merchantRegistry(env: Env): DurableObjectStub<MerchantRegistry> {
  return env.REGISTRY.get(env.REGISTRY.idFromName("registry"));
}
