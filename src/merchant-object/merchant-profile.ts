/**
 * The merchant this object is: its one settings row (name, debtor account,
 * limits, on/off), read once and cached for the instance's life; every write
 * here drops the cache so the next request sees it.
 */
import type { MerchantStatus } from "../../schemas/admin-api.ts";
import type { Merchant, MerchantLimits } from "../../schemas/merchant-api.ts";
import type { ObjectStore } from "../platform/object-store.ts";

export type MerchantRow = {
  id: string;
  name: string;
  debtor_iban: string;
  max_amount: number | null;
  daily_amount: number | null;
  status: MerchantStatus;
  created_at: number;
};

export interface InitializeMerchantInput {
  merchantId: string;
  name: string;
  debtorIban: string;
  limits: MerchantLimits;
  apiKeyId: string;
  apiKeyHash: string;
  /** The creation time the registry lists for it (epoch ms); now when absent. */
  createdAt?: number;
}

export class MerchantProfile {
  /** undefined: not read yet; null: this object holds no merchant. */
  private cached: MerchantRow | null | undefined;

  constructor(private readonly store: ObjectStore) {}

  load(): MerchantRow | null {
    if (this.cached === undefined) {
      this.cached = this.store.sql.exec<MerchantRow>(`SELECT * FROM merchant WHERE singleton = 1`).toArray()[0] ?? null;
    }
    return this.cached;
  }

  /** Creates the merchant with its first API key; false when it already exists. */
  initialize(input: InitializeMerchantInput, now: number): boolean {
    const { sql } = this.store;
    const created = this.store.transactionSync(() => {
      if (this.load()) return false;
      sql.exec(
        `INSERT INTO merchant (singleton, id, name, debtor_iban, max_amount, daily_amount, status, created_at)
         VALUES (1, ?, ?, ?, ?, ?, 'active', ?)`,
        input.merchantId,
        input.name,
        input.debtorIban,
        input.limits.max_amount ?? null,
        input.limits.daily_amount ?? null,
        now,
      );
      sql.exec(`INSERT INTO api_keys (id, key_hash, created_at) VALUES (?, ?, ?)`, input.apiKeyId, input.apiKeyHash, now);
      return true;
    });
    this.cached = undefined;
    return created;
  }

  setStatus(status: MerchantStatus): void {
    this.store.sql.exec(`UPDATE merchant SET status = ? WHERE singleton = 1`, status);
    this.cached = undefined;
  }
}

export function merchantFromRow(row: MerchantRow): Merchant {
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
