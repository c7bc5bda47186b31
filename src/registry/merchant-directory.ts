/**
 * The registry's merchant rows: who exists (for the daily job), each one's
 * status and debtor IBAN (for the operator list), and the one-merchant-per-
 * debtor-IBAN claim. Plain functions over the registry's SQL; every write
 * here is one synchronous statement or transaction, so two concurrent
 * creations with the same IBAN cannot both claim it.
 */
import type { MerchantStatus } from "../../schemas/admin-api.ts";
import type { ObjectStore } from "../platform/object-store.ts";
import { pageOf } from "../platform/page.ts";
import { type Refusal, refuse } from "../platform/refusal.ts";

export interface MerchantRegistration {
  id: string;
  name: string;
  debtor_iban: string;
  created_at: number;
}

export type MerchantListing = {
  id: string;
  name: string;
  status: MerchantStatus;
  debtor_iban: string;
  created_at: number;
};

export interface MerchantListQuery {
  status: MerchantStatus | null;
  /** The last id of the previous page, or null for the first. */
  after: string | null;
  limit: number;
}

export type RegisterReply = { ok: true } | Refusal;

/**
 * Adds the merchant and claims its debtor IBAN in one transaction: a claim
 * already held (by a merchant created earlier) refuses the registration whole.
 */
export function registerMerchant(store: ObjectStore, merchant: MerchantRegistration): RegisterReply {
  return store.transactionSync(() => {
    const holder = claimHolder(store.sql, merchant.debtor_iban);
    if (holder !== null && holder !== merchant.id) {
      return refuse(
        "debtor-iban-in-use",
        `Merchant ${holder} already sends from this debtor IBAN; each debtor account belongs to one merchant, or reconciliation would see the other's transfers as unexpected.`,
      );
    }
    store.sql.exec(
      `INSERT INTO debtor_iban_claims (debtor_iban, merchant_id) VALUES (?, ?) ON CONFLICT (debtor_iban) DO NOTHING`,
      merchant.debtor_iban,
      merchant.id,
    );
    store.sql.exec(
      `INSERT INTO merchants (id, name, created_at, debtor_iban, status) VALUES (?, ?, ?, ?, 'active')
       ON CONFLICT (id) DO NOTHING`,
      merchant.id,
      merchant.name,
      merchant.created_at,
      merchant.debtor_iban,
    );
    return { ok: true } as const;
  });
}

/** Undoes a registration whose merchant object was never created (its IBAN becomes free again). */
export function forgetMerchant(store: ObjectStore, merchantId: string): void {
  store.transactionSync(() => {
    store.sql.exec(`DELETE FROM debtor_iban_claims WHERE merchant_id = ?`, merchantId);
    store.sql.exec(`DELETE FROM merchants WHERE id = ?`, merchantId);
  });
}

export function setMerchantStatus(store: ObjectStore, merchantId: string, status: MerchantStatus): void {
  store.sql.exec(`UPDATE merchants SET status = ? WHERE id = ?`, status, merchantId);
}

/** Rows not yet backfilled (debtor_iban and status still null) are left out until they are. */
export function listMerchants(store: ObjectStore, query: MerchantListQuery): { merchants: MerchantListing[]; hasMore: boolean } {
  const rows = store.sql
    .exec<MerchantListing>(
      `SELECT id, name, status, debtor_iban, created_at FROM merchants
       WHERE id > ? AND debtor_iban IS NOT NULL AND (? IS NULL OR status = ?)
       ORDER BY id LIMIT ?`,
      query.after ?? "",
      query.status,
      query.status,
      query.limit + 1,
    )
    .toArray();
  const { items, hasMore } = pageOf(rows, query.limit);
  return { merchants: items, hasMore };
}

/** Merchants registered before the registry kept their status and debtor IBAN, a batch at a time. */
export function merchantsToBackfill(store: ObjectStore, limit: number): string[] {
  return store.sql
    .exec<{ id: string }>(`SELECT id FROM merchants WHERE debtor_iban IS NULL ORDER BY id LIMIT ?`, limit)
    .toArray()
    .map((row) => row.id);
}

/**
 * Records what the merchant's own object says. The IBAN is claimed for it
 * unless an earlier merchant holds it: such duplicates predate the rule and
 * keep working; the other holder is returned so the caller can log it once.
 */
export function backfillMerchant(
  store: ObjectStore,
  merchant: { id: string; status: MerchantStatus; debtor_iban: string },
): { sharedWith: string | null } {
  return store.transactionSync(() => {
    store.sql.exec(`UPDATE merchants SET status = ?, debtor_iban = ? WHERE id = ?`, merchant.status, merchant.debtor_iban, merchant.id);
    store.sql.exec(
      `INSERT INTO debtor_iban_claims (debtor_iban, merchant_id) VALUES (?, ?) ON CONFLICT (debtor_iban) DO NOTHING`,
      merchant.debtor_iban,
      merchant.id,
    );
    const holder = claimHolder(store.sql, merchant.debtor_iban);
    return { sharedWith: holder === merchant.id ? null : holder };
  });
}

function claimHolder(sql: SqlStorage, debtorIban: string): string | null {
  return (
    sql.exec<{ merchant_id: string }>(`SELECT merchant_id FROM debtor_iban_claims WHERE debtor_iban = ?`, debtorIban).toArray()[0]
      ?.merchant_id ?? null
  );
}
